// iptables-restore ends a table only at a line that is exactly "COMMIT" (strcmp with "COMMIT\n"):
// " COMMIT", "COMMIT " or "COMMIT\t" is read as a rule line and the whole restore is refused
// (measured with iptables-restore 1.8.9 in a namespace). The reader took such a line for the end of
// the table, so `ksvc verify --iptables` called a ruleset equivalent that the kernel never loads.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readIptables } from '../../verifier/iptables/index.ts';
import { codesAt, errorsOf } from '../verifier/iptables-support.ts';

const test = suite('iptables reader: COMMIT with blanks');

const ruleset = (...lines: string[]) => `${lines.join('\n')}\n`;
const errors = (text: string) => codesAt(errorsOf(readIptables(text, { file: 's' }).diagnostics));

test('a COMMIT line with a blank before or after it is an error (kept and ignored tables)', () => {
  assert.equal(errors(ruleset('*nat', ':KUBE-A - [0:0]', 'COMMIT')), []);
  assert.equal(errors(ruleset('*nat', ':KUBE-A - [0:0]', 'COMMIT ')), ['ipt-syntax@3:1']);
  assert.equal(errors(ruleset('*nat', ':KUBE-A - [0:0]', ' COMMIT')), ['ipt-syntax@3:1']);
  assert.equal(errors(ruleset('*nat', ':KUBE-A - [0:0]', 'COMMIT\t')), ['ipt-syntax@3:1']);
  assert.equal(errors(ruleset('*mangle', ':X - [0:0]', 'COMMIT ', '*nat', 'COMMIT')), ['ipt-syntax@3:1']);
  assert.equal(errors(ruleset('*mangle', ':X - [0:0]', 'COMMIT', '*nat', 'COMMIT')), []);
});

test.run();
