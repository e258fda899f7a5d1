// Which items of a key index (compiled.ts: the rules of a long chain, the elements of a set or
// map) a packet class can meet, and when to split the class first: the lookups the evaluator
// (netfilter-eval.ts) and the shapes (shape.ts) make for every class and key context.
import { type KeyIndex, mayHave, portCode } from './compiled.ts';
import { fromRanges, type IntervalSet, point } from './intervals.ts';
import type { ClassQuery } from './query.ts';
import { DIM } from './space.ts';

const ranges = new Map<number, number[]>();
function allUpTo(count: number): readonly number[] {
  let r = ranges.get(count);
  if (!r) {
    r = Array.from({ length: count }, (_, i) => i);
    ranges.set(count, r);
  }
  return r;
}

const NONE: readonly number[] = [];

/** Item indices that can match this class, ascending. */
export function candidates(
  q: ClassQuery,
  index: KeyIndex | null,
  count: number,
  dnatPort: number | null,
  dnatAtom: number | null,
): readonly number[] {
  if (!index) return allUpTo(count);
  const proto = q.pinned(DIM.proto);
  const port = dnatPort ?? q.pinned(DIM.dport);
  const dst = dnatAtom ?? q.pinned(DIM.dst);
  const portPinned = proto !== undefined && port !== undefined;
  if (dst === undefined && proto !== undefined && !portPinned) {
    const ports = index.portsByProto.get(proto);
    if (ports === undefined || q.probe(DIM.dport, ports) === 0) {
      // no item filed under a protocol and port can match (another protocol, or only ports no
      // item names: the "other ports" shards): destination-only and general items remain
      if (index.allDstOnly.length <= PARTITION_AT) return destinationOnlyAndGeneral(index);
      const keyed = destinationKeys(index, true);
      if (q.probe(DIM.dst, keyed.set) === 0) return index.general;
      q.partition(DIM.dst, keyed.pieces(q.cls.core[DIM.dst]!));
    }
  }
  // (counted before merging: merging thousands of items per class is itself the cost)
  const open = portPinned ? index.allDstOnly.length : index.count - index.general.length - index.allPortOnly.length;
  if (dst !== undefined || open <= PARTITION_AT) return candidatesFor(index, proto, port, dst);
  // thousands of items keyed by a destination the class leaves open (a hairpin set seen by
  // established packets): split the class by those destinations at once, so each part looks up
  // its own few items, instead of peeling one destination per evaluation (quadratic)
  const keyed = destinationKeys(index, portPinned);
  const inKeys = q.probe(DIM.dst, keyed.set);
  if (inKeys === 0) return candidatesFor(index, proto, port, NO_DESTINATION);
  q.partition(DIM.dst, keyed.pieces(q.cls.core[DIM.dst]!));
}

const dstOnlyAndGeneral = new WeakMap<KeyIndex, readonly number[]>();
function destinationOnlyAndGeneral(index: KeyIndex): readonly number[] {
  let l = dstOnlyAndGeneral.get(index);
  if (!l) dstOnlyAndGeneral.set(index, (l = mergeAll(index.allDstOnly, index.general)));
  return l;
}

/** Above this many destination-keyed items an open destination is partitioned on the index's keys. */
const PARTITION_AT = 64;

/** Stands for "a destination no item of the index is filed under". */
const NO_DESTINATION = -1;

interface DestinationKeys {
  /** every destination atom items are filed under, as one set */
  set: IntervalSet;
  /** the keys inside `within`, one point each */
  pieces(within: IntervalSet): IntervalSet[];
}

const destinationKeyCache = new WeakMap<KeyIndex, [DestinationKeys | null, DestinationKeys | null]>();

/**
 * The destinations that narrow the candidates: with protocol and port pinned, those of the
 * destination-only items (the full items of that port are few); otherwise every filed destination.
 */
function destinationKeys(index: KeyIndex, portPinned: boolean): DestinationKeys {
  let cached = destinationKeyCache.get(index);
  if (!cached) {
    cached = [null, null];
    destinationKeyCache.set(index, cached);
  }
  const slot = portPinned ? 1 : 0;
  let keys = cached[slot];
  if (!keys) {
    const atoms = [...(portPinned ? index.dstOnly : index.byDst).keys()].sort((a, b) => a - b);
    keys = {
      set: fromRanges(atoms.map((a) => [a, a])),
      pieces(within) {
        const out: IntervalSet[] = [];
        for (let i = 0; i < within.length; i += 2) {
          for (let k = lowerBound(atoms, within[i]!); k < atoms.length && atoms[k]! <= within[i + 1]!; k++) {
            out.push(point(atoms[k]!));
          }
        }
        return out;
      },
    };
    cached[slot] = keys;
  }
  return keys;
}

/** Per index, the last candidate list of a pinned destination, protocol and port. */
const lastExact = new WeakMap<KeyIndex, { dst: number; code: number; hit: readonly number[] }>();

/** Candidate lists per index and pinned key (destination, then protocol·port), merged once. */
const merged = new WeakMap<KeyIndex, Map<number, Map<number, readonly number[]>>>();

/**
 * The items of an index that can match a class pinning these values (undefined: not pinned):
 * those filed under the pinned key, plus every item that does not pin what the class leaves open.
 */
export function candidatesFor(
  index: KeyIndex,
  proto: number | undefined,
  port: number | undefined,
  dst: number | undefined,
): readonly number[] {
  const code = proto !== undefined && port !== undefined ? portCode(proto, port) : undefined;
  if (code === undefined && dst === undefined) return allUpTo(index.count);
  if (code !== undefined && dst !== undefined && dst !== NO_DESTINATION) {
    // the common case, and destinations rarely repeat across shards: look up, do not memoise —
    // but every class of a shard asks again for the same key: the last answer per index is kept
    const last = lastExact.get(index);
    if (last !== undefined && last.dst === dst && last.code === code) return last.hit;
    const hit = exactCandidates(index, code, dst);
    if (last === undefined) lastExact.set(index, { dst, code, hit });
    else {
      last.dst = dst;
      last.code = code;
      last.hit = hit;
    }
    return hit;
  }
  // numeric memo keys: this runs millions of times (once per index and key context of a shard)
  const dk = dst ?? -2;
  const ck = code ?? -1;
  let byDst = merged.get(index);
  if (!byDst) {
    byDst = new Map();
    merged.set(index, byDst);
  }
  let byCode = byDst.get(dk);
  if (!byCode) {
    byCode = new Map();
    byDst.set(dk, byCode);
  }
  let hit = byCode.get(ck);
  if (!hit) {
    if (dst === NO_DESTINATION) {
      hit = mergeAll(code === undefined ? index.allPortOnly : index.byPort.get(code), index.general);
    } else if (dst === undefined) hit = mergeAll(index.byPort.get(code!), index.allDstOnly, index.general);
    else hit = mergeAll(index.byDst.get(dst), index.allPortOnly, index.general);
    byCode.set(ck, hit);
  }
  return hit;
}

/** The items filed under one exact destination and protocol·port, or that pin neither. */
function exactCandidates(index: KeyIndex, code: number, dst: number): readonly number[] {
  const byDst = mayHave(index.dstBits, dst);
  const byPort = mayHave(index.portOnlyBits, code);
  if (!byDst && !byPort) return index.general;
  return mergeAll(
    byDst ? index.full.get(dst)?.get(code) : undefined,
    byPort ? index.portOnly.get(code) : undefined,
    byDst ? index.dstOnly.get(dst) : undefined,
    index.general,
  );
}

/**
 * candidatesFor for a caller that asks each key once (a shard's shape, per index and key
 * context): an exact key skips the last-answer memo, which only the evaluator's repeated
 * questions hit (a shape's millions of lookups never did, and paid for keeping it).
 */
export function keyCandidates(
  index: KeyIndex,
  proto: number | undefined,
  port: number | undefined,
  dst: number | undefined,
): readonly number[] {
  if (proto !== undefined && port !== undefined && dst !== undefined && dst !== NO_DESTINATION)
    return exactCandidates(index, portCode(proto, port), dst);
  return candidatesFor(index, proto, port, dst);
}

type List = readonly number[] | undefined;

/**
 * The ascending union of up to four ascending lists (their items are disjoint: each item is filed
 * once). Lists are arguments, not an array, and the merge is linear: this runs for every shard's
 * key contexts, and at most one list has items in the usual case (no allocation then).
 */
function mergeAll(a: List, b: List, c?: List, d?: List): readonly number[] {
  return union(union(union(union(NONE, a), b), c), d);
}

const union = (x: readonly number[], y: List): readonly number[] =>
  y === undefined || y.length === 0 ? x : x.length === 0 ? y : mergeTwo(x, y);

function mergeTwo(x: readonly number[], y: readonly number[]): number[] {
  const out = new Array<number>(x.length + y.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < x.length && j < y.length) out[k++] = x[i]! <= y[j]! ? x[i++]! : y[j++]!;
  while (i < x.length) out[k++] = x[i++]!;
  while (j < y.length) out[k++] = y[j++]!;
  return out;
}

/** The first position in ascending `l` whose value is at least `v`. */
export function lowerBound(l: readonly number[], v: number): number {
  if (v === 0) return 0;
  let lo = 0;
  let hi = l.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (l[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
