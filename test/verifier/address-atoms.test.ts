// IPv4 address atoms are built and searched as doubles, and an address text's atom is read by
// common/ip.ts ipv4Number: both must agree with the BigInt forms, and a text that is no address
// must still be refused.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ipOf, ipv4Number } from '../../common/ip.ts';
import { addressAtom, addressAtomOf, atomFirst, atomLast, buildAddressAtoms } from '../../verifier/engine/space.ts';

const A = suite('address atoms');

const ip = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');

A('atoms from random ranges: every cut starts an atom, atoms tile the space, texts find their atom', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(0xffffffff), fc.nat(0xffff)), { minLength: 1, maxLength: 30 }),
      fc.array(fc.nat(0xffffffff), { maxLength: 20 }),
      (ranges, probes) => {
        const rs = ranges.map(([lo, w]) => [BigInt(lo), BigInt(Math.min(0xffffffff, lo + w))] as const);
        const a = buildAddressAtoms('ipv4', rs);
        for (let i = 1; i < a.cuts.length; i++) assert.ok(a.cuts[i - 1]! < a.cuts[i]!, 'ascending, distinct');
        assert.is(a.cuts[0], 0n);
        assert.is(atomLast(a, a.cuts.length - 1), 0xffffffffn);
        for (const [lo, hi] of rs) {
          assert.is(atomFirst(a, addressAtom(a, lo)), lo, 'a range starts an atom');
          if (hi < 0xffffffffn) assert.is(atomFirst(a, addressAtom(a, hi + 1n)), hi + 1n, 'and ends one');
        }
        for (const v of [...probes, ...ranges.map(([lo]) => lo)]) {
          const atom = addressAtom(a, BigInt(v));
          assert.ok(atomFirst(a, atom) <= BigInt(v) && BigInt(v) <= atomLast(a, atom));
          assert.is(addressAtomOf(a, ip(v)), atom, ip(v));
        }
      },
    ),
    { numRuns: 300 },
  );
});

A('texts that are not canonical dotted quads go to the full parser: the same atom, or its error', () => {
  const a = buildAddressAtoms('ipv4', [[10n << 24n, (10n << 24n) + 255n]]);
  for (const text of ['10.0.0.1', '0.0.0.0', '255.255.255.255', '10.0.0.255']) {
    assert.is(addressAtomOf(a, text), addressAtom(a, ipOf(text).value), text);
  }
  for (const text of [
    '010.0.0.1',
    '10.0.0',
    '10.0.0.1.2',
    '10.0.0.256',
    '10..0.1',
    '',
    'x',
    '10.0.0.1 ',
    '1.2.3.4/8',
  ]) {
    let expected: unknown;
    try {
      expected = addressAtom(a, ipOf(text).value);
    } catch (e) {
      expected = (e as Error).message;
    }
    let got: unknown;
    try {
      got = addressAtomOf(a, text);
    } catch (e) {
      got = (e as Error).message;
    }
    assert.is(got, expected, JSON.stringify(text));
  }
});

A('ipv4Number reads what ipOf reads as IPv4, and refuses what it refuses', () => {
  const quad = fc.array(fc.nat(300).map(String), { minLength: 4, maxLength: 4 }).map((p) => p.join('.'));
  const text = fc.oneof(
    fc.string({ unit: fc.constantFrom('0', '1', '2', '5', '9', '.', 'x', ' '), maxLength: 16 }),
    quad,
  );
  fc.assert(
    fc.property(text, (t) => {
      let expected: number | null = null;
      try {
        expected = Number(ipOf(t).value);
      } catch {
        // not an address: ipv4Number must refuse it too
      }
      assert.is(ipv4Number(t), expected, JSON.stringify(t));
    }),
    { numRuns: 3000 },
  );
});

A.run();
