// Sets of non-negative integers as sorted, disjoint, non-adjacent inclusive ranges, stored flat:
// [lo0, hi0, lo1, hi1, …]. Every dimension of a packet class is one of these, over a small domain
// (atom indices, ports, mark values), so plain numbers suffice. Values are immutable: every
// operation returns a new set (or one of its inputs when nothing changes).

export type IntervalSet = readonly number[];

export const EMPTY: IntervalSet = [];

export const range = (lo: number, hi: number): IntervalSet => (lo > hi ? EMPTY : [lo, hi]);
export const point = (v: number): IntervalSet => [v, v];

export const isEmpty = (s: IntervalSet): boolean => s.length === 0;

/** Build from possibly overlapping, unsorted ranges (an empty range, lo > hi, adds nothing). */
export function fromRanges(ranges: Iterable<readonly [number, number]>): IntervalSet {
  const given = Array.isArray(ranges) ? (ranges as readonly (readonly [number, number])[]) : [...ranges];
  // Most lists come in order (often one range): sorting would copy them for nothing.
  let inOrder = true;
  for (let i = 1; i < given.length && inOrder; i++) inOrder = given[i - 1]![0] <= given[i]![0];
  const list = inOrder ? given : [...given].sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const lo = list[i]![0];
    const hi = list[i]![1];
    if (lo > hi) continue;
    const n = out.length;
    if (n > 0 && lo <= out[n - 1]! + 1) {
      if (hi > out[n - 1]!) out[n - 1] = hi;
    } else out.push(lo, hi);
  }
  return out;
}

/** fromRanges of the points `values` (unsorted, repeats allowed), without a range per value; sorts `values`. */
export function fromPoints(values: number[]): IntervalSet {
  values.sort((a, b) => a - b);
  const out: number[] = [];
  for (const v of values) {
    const n = out.length;
    if (n > 0 && v <= out[n - 1]! + 1) {
      if (v > out[n - 1]!) out[n - 1] = v;
    } else out.push(v, v);
  }
  return out;
}

export function intersect(a: IntervalSet, b: IntervalSet): IntervalSet {
  if (a.length === 0 || b.length === 0) return EMPTY;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i]!, b[j]!);
    const hi = Math.min(a[i + 1]!, b[j + 1]!);
    if (lo <= hi) out.push(lo, hi);
    if (a[i + 1]! < b[j + 1]!) i += 2;
    else j += 2;
  }
  return out;
}

/** a minus b */
export function subtract(a: IntervalSet, b: IntervalSet): IntervalSet {
  if (a.length === 0 || b.length === 0) return a;
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    let lo = a[i]!;
    const hi = a[i + 1]!;
    while (j < b.length && b[j + 1]! < lo) j += 2;
    let k = j;
    while (k < b.length && b[k]! <= hi) {
      if (b[k]! > lo) out.push(lo, b[k]! - 1);
      lo = Math.max(lo, b[k + 1]! + 1);
      if (b[k + 1]! >= hi) break;
      k += 2;
    }
    if (lo <= hi) out.push(lo, hi);
  }
  return out;
}

export function union(a: IntervalSet, b: IntervalSet): IntervalSet {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const pairs: [number, number][] = [];
  for (let i = 0; i < a.length; i += 2) pairs.push([a[i]!, a[i + 1]!]);
  for (let i = 0; i < b.length; i += 2) pairs.push([b[i]!, b[i + 1]!]);
  return fromRanges(pairs);
}

// Sizes differ by orders of magnitude in the check: a class's set can hold thousands of ranges
// (a port-only shard's destinations are every address but the port's exact destinations) while a
// rule tests one address. Past this ratio, isSubset and overlaps walk the smaller set and
// binary-search the larger one instead of merging both (at 10,000 services the merge made probing
// quadratic: docs/benchmarks.md).
const SEARCH_RATIO = 16;

/**
 * The index (even) of the first range of `s`, at or after index `from`, that ends at or after
 * `v`; s.length when there is none.
 */
function rangeEndingFrom(s: IntervalSet, v: number, from: number): number {
  let lo = from >> 1;
  let hi = s.length >> 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s[2 * mid + 1]! < v) lo = mid + 1;
    else hi = mid;
  }
  return 2 * lo;
}

/** Does s hold an element of [lo, hi]? (binary search) */
function meets(s: IntervalSet, lo: number, hi: number): boolean {
  const j = rangeEndingFrom(s, lo, 0);
  return j < s.length && s[j]! <= hi;
}

/** Is every element of a also in b? */
export function isSubset(a: IntervalSet, b: IntervalSet): boolean {
  if (a.length === 0) return true;
  if (b.length === 0) return false;
  if (a.length > SEARCH_RATIO * b.length) {
    // a is inside b iff it has nothing below b, above b, or in a gap between b's ranges
    if (a[0]! < b[0]! || a[a.length - 1]! > b[b.length - 1]!) return false;
    for (let k = 1; k + 1 < b.length; k += 2) {
      if (meets(a, b[k]! + 1, b[k + 1]! - 1)) return false;
    }
    return true;
  }
  const search = b.length > SEARCH_RATIO * a.length;
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    const lo = a[i]!;
    const hi = a[i + 1]!;
    if (search) j = rangeEndingFrom(b, lo, j);
    else while (j < b.length && b[j + 1]! < lo) j += 2;
    if (j >= b.length || b[j]! > lo || b[j + 1]! < hi) return false;
  }
  return true;
}

export function overlaps(a: IntervalSet, b: IntervalSet): boolean {
  if (a.length > SEARCH_RATIO * b.length) return overlapsBySearch(b, a);
  if (b.length > SEARCH_RATIO * a.length) return overlapsBySearch(a, b);
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (Math.max(a[i]!, b[j]!) <= Math.min(a[i + 1]!, b[j + 1]!)) return true;
    if (a[i + 1]! < b[j + 1]!) i += 2;
    else j += 2;
  }
  return false;
}

/** overlaps(small, large), walking `small` and searching `large`. */
function overlapsBySearch(small: IntervalSet, large: IntervalSet): boolean {
  let j = 0;
  for (let i = 0; i < small.length; i += 2) {
    j = rangeEndingFrom(large, small[i]!, j);
    if (j >= large.length) return false;
    if (large[j]! <= small[i + 1]!) return true;
  }
  return false;
}

export function contains(s: IntervalSet, v: number): boolean {
  let lo = 0;
  let hi = s.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (v < s[2 * mid]!) hi = mid - 1;
    else if (v > s[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

export const equals = (a: IntervalSet, b: IntervalSet): boolean =>
  a === b || (a.length === b.length && a.every((v, i) => v === b[i]));

/** Number of elements (as a bigint: the product over dimensions can be huge). */
export function size(s: IntervalSet): bigint {
  let n = 0n;
  for (let i = 0; i < s.length; i += 2) n += BigInt(s[i + 1]! - s[i]! + 1);
  return n;
}

/** The single element of a one-element set, else undefined. */
export const single = (s: IntervalSet): number | undefined => (s.length === 2 && s[0] === s[1] ? s[0] : undefined);

export const first = (s: IntervalSet): number | undefined => s[0];

export function* ranges(s: IntervalSet): Generator<[number, number]> {
  for (let i = 0; i < s.length; i += 2) yield [s[i]!, s[i + 1]!];
}
