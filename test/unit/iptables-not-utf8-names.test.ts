// iptables-restore reads bytes; ksvc decodes an artifact as UTF-8, bytes that are not read as
// U+FFFD. Two names that differ only in such bytes (a recent list's --set and its --rcheck) are two
// lists to the kernel (measured: iptables-save lists KUBE-SEP-\xfe and KUBE-SEP-\xff) but were one
// to the reader: `ksvc diff --input iptables` called the change that breaks session affinity the
// same routing. A word holding U+FFFD is refused, but in a comment (which routes nothing).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readIptables } from '../../verifier/iptables/index.ts';
import { codesAt, errorsOf } from '../verifier/iptables-support.ts';

const test = suite('iptables reader: names that are not UTF-8');

const ruleset = (...lines: string[]) => `${lines.join('\n')}\n`;
const decoded = (bytes: Buffer) => bytes.toString('utf8');
const errors = (text: string) => codesAt(errorsOf(readIptables(text, { file: 's' }).diagnostics));

test('U+FFFD in a chain name, a recent name or an interface is an error; in a comment it is not', () => {
  const name = decoded(Buffer.from([0x4b, 0x55, 0x42, 0x45, 0x2d, 0x58, 0xff])); // "KUBE-X" + 0xff
  assert.equal(errors(ruleset('*nat', `:${name} - [0:0]`, 'COMMIT')), ['ipt-syntax@2:2']);
  const list = decoded(Buffer.from([0x4c, 0xfe]));
  assert.equal(
    errors(
      ruleset(
        '*nat',
        ':KUBE-A - [0:0]',
        `-A KUBE-A -m recent --name ${list} --rcheck --seconds 10 -j RETURN`,
        'COMMIT',
      ),
    ),
    ['ipt-syntax@3:28'],
  );
  assert.equal(errors(ruleset('*nat', ':KUBE-A - [0:0]', `-A KUBE-A -i ${list} -j RETURN`, 'COMMIT')), [
    'ipt-syntax@3:14',
  ]);
  const comment = decoded(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
  assert.equal(
    errors(ruleset('*nat', ':KUBE-A - [0:0]', `-A KUBE-A -m comment --comment "${comment} x" -j RETURN`, 'COMMIT')),
    [],
  );
  assert.equal(
    errors(ruleset('*nat', ':KUBE-A - [0:0]', `-A KUBE-A -m comment --comment ${comment} -j RETURN`, 'COMMIT')),
    [],
  );
});

test.run();
