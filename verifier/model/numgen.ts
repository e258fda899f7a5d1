// The kernel's `numgen random mod N offset O` (net/netfilter/nft_numgen.c): a uniform 32-bit
// random r scaled as (r · N) >> 32, plus O. Value O + k therefore has exactly
// c_k = ceil((k+1)·2^32/N) − ceil(k·2^32/N) of the 2^32 equally likely r: uniform only when N is
// a power of two. The one definition the nft reader's tests and the engine use.
import { type Rational, rational } from '../../compiler/ir/outcome.ts';
import type { NumberRange } from './program.ts';

const TWO32 = 1n << 32n;
const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/** c_k: how many of the 2^32 random values give bucket k (0 <= k < modulus). */
export function numgenBucketCount(modulus: number, k: number): bigint {
  const n = BigInt(modulus);
  return ceilDiv(BigInt(k + 1) * TWO32, n) - ceilDiv(BigInt(k) * TWO32, n);
}

/** How many of the 2^32 random values give a bucket in [first, last] (a telescoping sum of c_k). */
const bucketsCount = (modulus: bigint, first: bigint, last: bigint): bigint =>
  ceilDiv((last + 1n) * TWO32, modulus) - ceilDiv(first * TWO32, modulus);

/** The probability that `numgen random mod modulus offset offset` yields a value in `values`. */
export function numgenProbability(modulus: number, offset: number, values: readonly NumberRange[]): Rational {
  return rational(numgenCount(modulus, offset, values), TWO32);
}

/**
 * How many of the 2^32 random values make `numgen random mod modulus offset offset` yield a value
 * in `values` (ranges may overlap), by ranges of buckets: a modulus may be anything up to 2^32 − 1.
 */
export function numgenCount(modulus: number, offset: number, values: readonly NumberRange[]): bigint {
  const n = BigInt(modulus);
  const o = BigInt(offset);
  const sorted = [...values].sort((x, y) => x[0] - y[0]);
  let count = 0n;
  let next = 0n; // first bucket not yet counted (ranges may overlap)
  for (const [a, b] of sorted) {
    let first = BigInt(a) - o;
    let last = BigInt(b) - o;
    if (first < next) first = next;
    if (last > n - 1n) last = n - 1n;
    if (first > last) continue;
    count += bucketsCount(n, first, last);
    next = last + 1n;
  }
  return count;
}
