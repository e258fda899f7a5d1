// Lowest terms (compiler/ir/outcome.ts reduce) and dyadic normal form (verifier/engine/dyadic.ts
// normalize) take powers of two out first — kernel-level probabilities run to thousands of bits,
// and Euclid on two of them was most of a one-service verify — and must agree with plain Euclid.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reduce, trailingZeros } from '../../compiler/ir/outcome.ts';
import { normalize } from '../../verifier/engine/dyadic.ts';

const euclid = (a: bigint, b: bigint): bigint => {
  let [x, y] = [a < 0n ? -a : a, b];
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
};

const big = fc.bigInt({ min: 1n, max: (1n << 300n) - 1n });

test('reduce agrees with Euclid, on any fraction and on dyadic ones', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(1n << 300n), max: 1n << 300n }), big, fc.nat(200), (num, odd, s) => {
      for (const den of [odd, odd << BigInt(s), 1n << BigInt(s)]) {
        const g = num === 0n ? den : euclid(num, den);
        assert.equal(reduce({ num, den }), num === 0n ? { num: 0n, den: 1n } : { num: num / g, den: den / g });
      }
    }),
    { numRuns: 300 },
  );
});

test('trailingZeros and normalize: the lowest set bit, capped by the exponent', () => {
  assert.equal([1n, 2n, 12n, -8n, 1n << 4000n].map(trailingZeros), [0, 1, 2, 3, 4000]);
  assert.equal(normalize({ n: 12n, s: 5 }), { n: 3n, s: 3 });
  assert.equal(normalize({ n: 12n, s: 1 }), { n: 6n, s: 0 });
  assert.equal(normalize({ n: 0n, s: 9 }), { n: 0n, s: 0 });
  const odd = { n: 7n, s: 3 };
  assert.is(normalize(odd), odd);
});

test.run();
