// Exact probabilities with a power-of-two denominator: n / 2^s. Every probability the kernel uses
// is one (statistic thresholds over 2^31, numgen buckets over 2^32, products of them), so sums and
// products stay exact without general fractions.
import { type Rational, trailingZeros } from '../../compiler/ir/outcome.ts';

export interface Dyadic {
  readonly n: bigint;
  readonly s: number;
}

export const ONE: Dyadic = { n: 1n, s: 0 };
export const ZERO: Dyadic = { n: 0n, s: 0 };

export const mul = (a: Dyadic, b: Dyadic): Dyadic =>
  a.s === 0 && a.n === 1n ? b : b.s === 0 && b.n === 1n ? a : { n: a.n * b.n, s: a.s + b.s };

export function add(a: Dyadic, b: Dyadic): Dyadic {
  if (a.n === 0n) return b;
  if (b.n === 0n) return a;
  if (a.s === b.s) return { n: a.n + b.n, s: a.s };
  return a.s > b.s ? { n: a.n + (b.n << BigInt(a.s - b.s)), s: a.s } : { n: (a.n << BigInt(b.s - a.s)) + b.n, s: b.s };
}

/** 1 − p */
export const complement = (p: Dyadic): Dyadic => ({ n: (1n << BigInt(p.s)) - p.n, s: p.s });

export function normalize(a: Dyadic): Dyadic {
  if (a.n === 0n) return ZERO;
  const k = Math.min(a.s, trailingZeros(a.n));
  return k === 0 ? a : { n: a.n >> BigInt(k), s: a.s - k };
}

/** Exact equality without normalising (no shifting loops on the hot path). */
export function equal(a: Dyadic, b: Dyadic): boolean {
  if (a.s === b.s) return a.n === b.n;
  return a.s > b.s ? a.n === b.n << BigInt(a.s - b.s) : a.n << BigInt(b.s - a.s) === b.n;
}

export const toRational = (a: Dyadic): Rational => ({ num: a.n, den: 1n << BigInt(a.s) });

/** A Rational whose denominator is a power of two (as the readers produce), else an error. */
export function fromRational(r: Rational): Dyadic {
  let den = r.den;
  let s = 0;
  while (den > 1n && (den & 1n) === 0n) {
    den >>= 1n;
    s++;
  }
  if (den !== 1n) throw new Error(`probability ${r.num}/${r.den} is not dyadic`);
  return { n: r.num, s };
}
