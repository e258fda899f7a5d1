// Comparing outcome distributions: exactly (artifact against artifact, kernel-level dyadic
// probabilities) or within a total-variation bound (an artifact against the IR's intended 1/N).
import {
  addRational,
  compareRational,
  type Distribution,
  outcomeKey,
  type Rational,
  rational,
  reduce,
  subRational,
} from '../../compiler/ir/outcome.ts';
import { type Dyadic, equal, toRational } from './dyadic.ts';
import type { ArtifactDistribution } from './observe.ts';

/** A distribution as key → exact probability, for comparison and printing. */
export type KeyedDistribution = ReadonlyMap<string, Rational>;

export function keyedArtifact(d: ArtifactDistribution): KeyedDistribution {
  return new Map(d.map((e) => [e.key, reduce(toRational(e.w))]));
}

export function keyedIR(
  d: Distribution,
  observe: (o: Distribution[number]['outcome']) => Distribution[number]['outcome'],
): KeyedDistribution {
  const m = new Map<string, Rational>();
  for (const w of d) {
    const k = outcomeKey(observe(w.outcome));
    const prev = m.get(k);
    m.set(k, prev ? addRational(prev, w.p) : reduce(w.p));
  }
  for (const [k, p] of m) if (p.num === 0n) m.delete(k);
  return m;
}

export function exactlyEqual(a: ArtifactDistribution, b: ArtifactDistribution): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.key !== b[i]!.key || !equal(a[i]!.w as Dyadic, b[i]!.w as Dyadic)) return false;
  }
  return true;
}

export const sameSupport = (a: KeyedDistribution, b: KeyedDistribution): boolean =>
  a.size === b.size && [...a.keys()].every((k) => b.has(k));

/** Total-variation distance ½ Σ |a(o) − b(o)|, exact. */
export function totalVariation(a: KeyedDistribution, b: KeyedDistribution): Rational {
  let sum = rational(0);
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const d = subRational(a.get(k) ?? rational(0), b.get(k) ?? rational(0));
    sum = addRational(sum, d.num < 0n ? { num: -d.num, den: d.den } : d);
  }
  return reduce({ num: sum.num, den: sum.den * 2n });
}

export const withinBound = (tv: Rational, bound: Rational): boolean => compareRational(tv, bound) <= 0;

/** An IR distribution keyed by observed outcome (probabilities as given: k/N, not reduced). */
export type IntendedDistribution = ReadonlyMap<string, Rational>;

export function intendedOf(
  d: Distribution,
  observedKey: (o: Distribution[number]['outcome']) => string,
): IntendedDistribution {
  const m = new Map<string, Rational>();
  for (const w of d) {
    if (w.p.num === 0n) continue;
    const k = observedKey(w.outcome);
    const prev = m.get(k);
    m.set(k, prev ? { num: prev.num * w.p.den + w.p.num * prev.den, den: prev.den * w.p.den } : w.p);
  }
  return m;
}

export interface IntendedComparison {
  sameSupport: boolean;
  /** not reduced; one object for comparisons memoised alike (check.ts compares maxima by identity first) */
  tv: Rational;
}

/**
 * Weights this deep (in bits of exponent) are compared through a memo. A service of N endpoints
 * gives weights of 31·N bits, and classes that grow with N whose weights are the same objects
 * (shared-steps.ts randomWeights): bringing each to the common denominator was N² bits per class.
 * Shallower weights (10 endpoints: 310 bits) cost less to compare than to look up.
 */
const MEMO_EXPONENT = 1024;
const MEMO_ENTRIES = 4096;
const memo = new Map<string, IntendedComparison>();
const weightIds = new WeakMap<Dyadic, number>();
let nextWeightId = 0;

function weightId(w: Dyadic): number {
  let id = weightIds.get(w);
  if (id === undefined) weightIds.set(w, (id = nextWeightId++));
  return id;
}

/**
 * Support equality and the total-variation distance of an artifact's distribution from the IR's,
 * without a single gcd: every probability is brought to one common denominator L·2^S (L: the
 * product of the IR's distinct denominators, S: the largest artifact exponent). `tv` is not reduced.
 */
export function compareToIntended(intended: IntendedDistribution, actual: ArtifactDistribution): IntendedComparison {
  let S = 0;
  for (const a of actual) if (a.w.s > S) S = a.w.s;
  if (S <= MEMO_EXPONENT) return comparison(intended, actual, S);
  // What the result depends on, and nothing coarser: each artifact weight (by identity: one
  // object is one value) with the IR's probability for its outcome or none, then the IR's
  // probabilities no artifact outcome has (those and the former give L).
  const parts: string[] = [];
  const seen = new Set<string>();
  for (const a of actual) {
    seen.add(a.key);
    const p = intended.get(a.key);
    parts.push(p ? `${weightId(a.w)}:${p.num}/${p.den}` : `${weightId(a.w)}:-`);
  }
  parts.push('|');
  for (const [k, p] of intended) if (!seen.has(k)) parts.push(`${p.num}/${p.den}`);
  const key = parts.join(' ');
  let hit = memo.get(key);
  if (hit === undefined) {
    if (memo.size >= MEMO_ENTRIES) memo.clear();
    memo.set(key, (hit = comparison(intended, actual, S)));
  }
  return hit;
}

function comparison(intended: IntendedDistribution, actual: ArtifactDistribution, S: number): IntendedComparison {
  let sameSupport = intended.size === actual.length;
  let L = 1n;
  const dens = new Set<bigint>();
  for (const p of intended.values())
    if (!dens.has(p.den)) {
      dens.add(p.den);
      L *= p.den;
    }
  const scale = (p: Rational): bigint => ((p.num * L) / p.den) << BigInt(S);
  const scaleA = (w: Dyadic): bigint => (w.n * L) << BigInt(S - w.s);
  let sum = 0n;
  const seen = new Set<string>();
  for (const a of actual) {
    seen.add(a.key);
    const p = intended.get(a.key);
    if (!p) sameSupport = false;
    const d = (p ? scale(p) : 0n) - scaleA(a.w);
    sum += d < 0n ? -d : d;
  }
  for (const [k, p] of intended) {
    if (seen.has(k)) continue;
    sameSupport = false;
    sum += scale(p);
  }
  return { sameSupport, tv: { num: sum, den: (L << BigInt(S)) * 2n } };
}

/** "1/3", "0.3333333333 (1/3)": exact, with a decimal for reading. */
export function formatProbability(p: Rational): string {
  const r = reduce(p);
  if (r.den === 1n) return `${r.num}`;
  const digits = 10n ** 10n;
  const scaled = (r.num * digits * 2n + r.den) / (r.den * 2n);
  const whole = scaled / digits;
  const frac = (scaled % digits).toString().padStart(10, '0');
  const den = r.den.toString();
  const pow2 = (r.den & (r.den - 1n)) === 0n ? `2^${den.length > 0 ? r.den.toString(2).length - 1 : 0}` : den;
  return `${whole}.${frac} (${r.num}/${pow2})`;
}
