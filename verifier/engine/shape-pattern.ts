// The constants of a shard shape (shape.ts), numbered in first-seen order (shape-tables.ts): the
// membership pattern of those numbered sets — which combinations of them are non-empty, the
// boolean algebra they generate up to renaming the values. Two shards whose rules name different
// values but whose sets relate the same way have the same pattern.
import type { IntervalSet } from './intervals.ts';

/** Above this many numbers a set is walked by binary search, not cut into pieces. */
const LARGE = 64;

/**
 * Which combinations of the numbered sets are non-empty: the membership pattern of every
 * elementary piece between consecutive bounds (from the lowest bound to the highest), as a sorted
 * list of signatures, each the ascending numbers of the sets covering the piece.
 *
 * One set with hundreds of intervals (every NodePort of the cluster) would make every shard cut
 * hundreds of pieces. With one such set, the others are cut into regions and the large set is
 * only asked, per region, whether it covers all, part or none of it: the same signatures.
 */
export function pattern(sets: readonly IntervalSet[]): string {
  let large = -1;
  for (let j = 0; j < sets.length; j++) {
    if (sets[j]!.length <= LARGE) continue;
    if (large >= 0) return patternByPieces(sets);
    large = j;
  }
  if (large < 0) return patternByPieces(sets);
  const big = sets[large]!;
  const others = sets.filter((_, j) => j !== large);
  const index = (j: number) => (j < large ? j : j + 1);
  const { cuts, members } = pieces(others);
  // the regions: below the others' first bound, between their bounds, above their last bound
  const lo = Math.min(big[0]!, cuts.length > 0 ? cuts[0]! : Number.POSITIVE_INFINITY);
  const hi = Math.max(big[big.length - 1]! + 1, cuts.length > 0 ? cuts[cuts.length - 1]! : 0);
  const seen = new Set<string>();
  const add = (region: readonly number[], from: number, to: number) => {
    if (from >= to) return;
    const cover = coverage(big, from, to - 1);
    const outside = region.map(index);
    if (cover !== 'all') seen.add(outside.join(' '));
    if (cover !== 'none') {
      const inside = [...outside, large].sort((x, y) => x - y);
      seen.add(inside.join(' '));
    }
  };
  if (cuts.length === 0) add([], lo, hi);
  else {
    add([], lo, cuts[0]!);
    for (let p = 0; p < members.length; p++) add(members[p]!, cuts[p]!, cuts[p + 1]!);
    add([], cuts[cuts.length - 1]!, hi);
  }
  return [...seen].sort().join('.');
}

/** The reference form: cut every set at every bound. */
export function patternByPieces(sets: readonly IntervalSet[]): string {
  const cuts = cutsOf(sets);
  if (cuts.length < 2) return '';
  // each piece's signature, the ascending numbers of the sets covering it, written as they come
  const signatures: string[] = new Array<string>(cuts.length - 1).fill('');
  for (let j = 0; j < sets.length; j++) {
    forEachPiece(sets[j]!, cuts, (piece) => {
      const sig = signatures[piece]!;
      signatures[piece] = sig === '' ? `${j}` : `${sig} ${j}`;
    });
  }
  return [...new Set(signatures)].sort().join('.');
}

/** The sorted bounds of the sets, and the sets covering each piece between consecutive bounds. */
function pieces(sets: readonly IntervalSet[]): { cuts: Float64Array; members: number[][] } {
  const cuts = cutsOf(sets).slice();
  // the sets covering each piece, in ascending set order (most pieces lie in one or two sets)
  const members: number[][] = Array.from({ length: Math.max(0, cuts.length - 1) }, () => []);
  for (let j = 0; j < sets.length; j++) forEachPiece(sets[j]!, cuts, (piece) => members[piece]!.push(j));
  return { cuts, members };
}

/** Scratch space for the bounds (a shape cuts tens of them, ~100,000 times per check). */
let scratch = new Float64Array(256);

/**
 * Every interval's first value and one past its last, sorted, each once: a view on the scratch
 * space, valid until the next call (a numeric typed-array sort, no Set or comparator).
 */
function cutsOf(sets: readonly IntervalSet[]): Float64Array {
  let n = 0;
  for (const s of sets) n += s.length;
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  let k = 0;
  for (const s of sets) {
    for (let i = 0; i < s.length; i += 2) {
      scratch[k++] = s[i]!;
      scratch[k++] = s[i + 1]! + 1;
    }
  }
  const sorted = scratch.subarray(0, k).sort();
  let m = 0;
  for (let i = 0; i < k; i++) if (m === 0 || sorted[i] !== sorted[m - 1]) sorted[m++] = sorted[i]!;
  return sorted.subarray(0, m);
}

/** The position of `v` in `cuts` (it is one of them), searched from `from` on. */
function cutIndex(cuts: Float64Array, v: number, from: number): number {
  let a = from;
  let b = cuts.length - 1;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (cuts[mid]! < v) a = mid + 1;
    else b = mid;
  }
  return a;
}

/** Calls `visit` with each piece (between consecutive cuts) the set covers, ascending. */
function forEachPiece(set: IntervalSet, cuts: Float64Array, visit: (piece: number) => void): void {
  let from = 0;
  for (let i = 0; i < set.length; i += 2) {
    const lo = cutIndex(cuts, set[i]!, from);
    const hi = cutIndex(cuts, set[i + 1]! + 1, lo);
    for (let piece = lo; piece < hi; piece++) visit(piece);
    from = hi;
  }
}

/** Whether `set` holds every, some or none of the values from..to (inclusive). */
function coverage(set: IntervalSet, from: number, to: number): 'all' | 'some' | 'none' {
  // the first interval ending at or after `from`
  let a = 0;
  let b = set.length >> 1;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (set[2 * mid + 1]! < from) a = mid + 1;
    else b = mid;
  }
  if (a === set.length >> 1 || set[2 * a]! > to) return 'none';
  return set[2 * a]! <= from && set[2 * a + 1]! >= to ? 'all' : 'some';
}
