// What happens to a packet — the observation both backends must agree on (docs/ir.md §7.5,
// docs/verifier.md): the verdict, the DNAT target, masquerade, the final mark and the affinity
// records written. An evaluation yields a distribution over outcomes with exact probabilities.
import type { IPText } from '../../common/ip.ts';
import type { AffinityListId } from './packet.ts';

/**
 * `reject` answers with ICMP (ICMPv6) port unreachable — iptables' REJECT default and nft's
 * `reject` in an ip/ip6 table. Any other kind is spelled `reject:<kind>` (e.g. `reject:tcp-reset`).
 */
export type Verdict = 'accept' | 'drop' | 'reject' | `reject:${string}`;

export interface Outcome {
  verdict: Verdict;
  /** The connection's destination after nat (null: not DNATed). */
  dnat: { ip: IPText; port: number } | null;
  /** Source NAT to the outgoing interface's address in nat POSTROUTING. */
  masquerade: 'none' | 'masquerade' | 'masquerade-fully-random';
  /**
   * The final value of the mark bits the program owns: `mark & masqueradeMark` when the packet
   * leaves the rules (0 or masqueradeMark), as the reference evaluator gives it. The other bits
   * pass through unchanged; a check that observes some of them adds their arriving values
   * (docs/ir.md §7.5; docs/verifier.md `owned-mark-bits`).
   */
  mark: number;
  /** Affinity lists in which this source's record was written or refreshed, sorted, no repeats. */
  affinityWrites: readonly AffinityListId[];
}

/** An exact non-negative rational (den > 0, not necessarily reduced). */
export interface Rational {
  num: bigint;
  den: bigint;
}

export interface WeightedOutcome {
  outcome: Outcome;
  p: Rational;
}

/** Outcomes with their probabilities; the probabilities sum to exactly 1. */
export type Distribution = readonly WeightedOutcome[];

/** A canonical one-line spelling; two outcomes are equal iff their keys are. */
export function outcomeKey(o: Outcome): string {
  const parts: string[] = [o.verdict];
  if (o.dnat) parts.push(`dnat ${o.dnat.ip.includes(':') ? `[${o.dnat.ip}]` : o.dnat.ip}:${o.dnat.port}`);
  if (o.masquerade !== 'none') parts.push(o.masquerade);
  parts.push(`mark 0x${(o.mark >>> 0).toString(16)}`);
  if (o.affinityWrites.length > 0) parts.push(`affinity ${o.affinityWrites.join(',')}`);
  return parts.join(' ');
}

/**
 * The outcome a key spells (the inverse of outcomeKey), or null for text that is no key: reports
 * carry outcomes as their keys, and a reader of a report (the diff's summary) asks what they say.
 */
export function outcomeFromKey(key: string): Outcome | null {
  const parts = key.split(' ');
  let i = 1;
  const verdict = parts[0]!;
  if (!/^(accept|drop|reject|reject:\S+)$/.test(verdict)) return null;
  let dnat: Outcome['dnat'] = null;
  if (parts[i] === 'dnat') {
    const m = /^(?:\[(.+)\]|([^:]+)):(\d+)$/.exec(parts[i + 1] ?? '');
    if (!m) return null;
    dnat = { ip: (m[1] ?? m[2]!) as IPText, port: Number(m[3]) };
    i += 2;
  }
  let masquerade: Outcome['masquerade'] = 'none';
  if (parts[i] === 'masquerade' || parts[i] === 'masquerade-fully-random') masquerade = parts[i++] as typeof masquerade;
  if (parts[i] !== 'mark' || !/^0x[0-9a-f]+$/.test(parts[i + 1] ?? '')) return null;
  const mark = Number.parseInt(parts[i + 1]!.slice(2), 16);
  i += 2;
  let affinityWrites: AffinityListId[] = [];
  if (parts[i] === 'affinity' && parts[i + 1] !== undefined) {
    affinityWrites = parts[i + 1]!.split(',');
    i += 2;
  }
  return i === parts.length ? { verdict: verdict as Verdict, dnat, masquerade, mark, affinityWrites } : null;
}

const gcd = (a: bigint, b: bigint): bigint => {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
};

/** The number of trailing zero bits of n (n ≠ 0): its lowest set bit, in O(size of n). */
export function trailingZeros(n: bigint): number {
  const low = n & -n;
  return low.toString(2).length - 1;
}

/**
 * Lowest terms. Kernel-level probabilities are dyadic, and their products run to thousands of
 * bits (31 per statistic rule a packet passes): Euclid on two such numbers is quadratic in their
 * size, and a verify of one service with 100 endpoints spent most of its time here. The
 * denominator's power of two is taken out first (gcd(n, 2^a·m) = gcd(n, 2^a)·gcd(n, m) for odd m),
 * so Euclid runs against the small odd part.
 */
export function reduce(r: Rational): Rational {
  if (r.num === 0n) return { num: 0n, den: 1n };
  const twos = trailingZeros(r.den);
  const odd = r.den >> BigInt(twos);
  const g = gcd(r.num, odd) << BigInt(Math.min(twos, trailingZeros(r.num)));
  return g === 1n ? r : { num: r.num / g, den: r.den / g };
}

export const rational = (num: bigint | number, den: bigint | number = 1n): Rational =>
  reduce({ num: BigInt(num), den: BigInt(den) });
export const addRational = (a: Rational, b: Rational): Rational =>
  reduce({ num: a.num * b.den + b.num * a.den, den: a.den * b.den });
export const mulRational = (a: Rational, b: Rational): Rational => reduce({ num: a.num * b.num, den: a.den * b.den });
export const subRational = (a: Rational, b: Rational): Rational =>
  reduce({ num: a.num * b.den - b.num * a.den, den: a.den * b.den });
export const compareRational = (a: Rational, b: Rational): number => {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
};

/** Merge equal outcomes and sort by key: the canonical form two distributions are compared in. */
export function normalizeDistribution(d: Distribution): Distribution {
  const byKey = new Map<string, WeightedOutcome>();
  for (const w of d) {
    const k = outcomeKey(w.outcome);
    const prev = byKey.get(k);
    byKey.set(
      k,
      prev ? { outcome: prev.outcome, p: addRational(prev.p, w.p) } : { outcome: w.outcome, p: reduce(w.p) },
    );
  }
  return [...byKey.entries()]
    .filter(([, w]) => w.p.num !== 0n)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, w]) => w);
}

/** An outcome with its outcomeKey, computed once. */
export interface KeyedOutcome {
  outcome: Outcome;
  key: string;
}

/** A rational already in lowest terms when its numerator is 1 (the common 1/N share): no gcd. */
const lowest = (r: Rational): Rational => (r.num === 1n ? r : reduce(r));

/**
 * normalizeDistribution for outcomes whose keys are known (`key` = outcomeKey(outcome)): the same
 * result — equal outcomes merged, zero probabilities dropped, sorted by key — without spelling a
 * key per entry. A probability with numerator 1 is returned as the same object.
 */
export function normalizeKeyed(d: readonly (KeyedOutcome & { p: Rational })[]): Distribution {
  if (d.length === 1) {
    const w = d[0]!;
    return w.p.num === 0n ? [] : [{ outcome: w.outcome, p: lowest(w.p) }];
  }
  const sorted = [...d].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const out: WeightedOutcome[] = [];
  let last = '';
  for (const w of sorted) {
    const prev = out.length > 0 && w.key === last ? out[out.length - 1]! : null;
    if (prev) out[out.length - 1] = { outcome: prev.outcome, p: addRational(prev.p, w.p) };
    else out.push({ outcome: w.outcome, p: lowest(w.p) });
    last = w.key;
  }
  return out.some((w) => w.p.num === 0n) ? out.filter((w) => w.p.num !== 0n) : out;
}
