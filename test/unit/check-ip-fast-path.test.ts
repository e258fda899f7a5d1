// The checker's canonical-IPv4 fast path must agree with parseIPStrict on every input.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseIPStrict } from '../../common/ip.ts';
import { parseIPFast } from '../../compiler/check/values.ts';

const same = (s: string) => {
  const a = parseIPFast(s);
  const b = parseIPStrict(s);
  assert.equal(a, b, s);
};

test('fast path = parseIPStrict on dotted quads, canonical or not', () => {
  const octet = fc.oneof(fc.integer({ min: 0, max: 255 }).map(String), fc.stringMatching(/^[0-9]{1,4}$/));
  fc.assert(
    fc.property(fc.tuple(octet, octet, octet, octet), (o) => same(o.join('.'))),
    { numRuns: 20000 },
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) =>
      same([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')),
    ),
    {
      numRuns: 20000,
    },
  );
});

test('fast path = parseIPStrict on arbitrary short strings and edge cases', () => {
  fc.assert(fc.property(fc.stringMatching(/^[0-9.:a-f]{0,16}$/), same), { numRuns: 20000 });
  for (const s of [
    '0.0.0.0',
    '255.255.255.255',
    '256.0.0.0',
    '1.2.3',
    '1.2.3.4.',
    '01.2.3.4',
    '1.2.3.04',
    ' 1.2.3.4',
    '1.2.3.4\n',
    '::',
    'fd00::1',
    '',
  ])
    same(s);
});

test.run();
