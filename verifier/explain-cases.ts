// The cases of one explained packet. A packet's fields do not fix everything a rule can test: the
// locality of its addresses when no model says which addresses are the node's, a record keyed by
// the destination address in an affinity list. Where the rules test such a thing, the packet's
// class splits, and each part is one case: the condition that selects it, and every evaluator's
// outcomes on it. Parts with the same outcomes and paths that differ in one dimension are merged.
import { dimSet, type PacketClass, withDim } from './engine/box.ts';
import { affinityAtomText, describeClass } from './engine/class-text.ts';
import { equals, type IntervalSet, ranges, union } from './engine/intervals.ts';
import { AFFINITY_BASE, CORE_DIMS, DIM, type PacketSpace } from './engine/space.ts';

/** A part of the packet's class with every evaluator's result on it. */
export interface CaseCell<R> {
  cls: PacketClass;
  results: Record<string, R>;
}

const atomsOf = (set: IntervalSet): number[] =>
  [...ranges(set)].flatMap(([lo, hi]) => Array.from({ length: hi - lo + 1 }, (_, k) => lo + k));

/** Dimensions of `cell` narrower than `start` (core, then affinity). */
function narrowed(space: PacketSpace, cell: PacketClass, start: PacketClass): number[] {
  const dims: number[] = [];
  for (let d = 0; d < CORE_DIMS; d++) if (!equals(cell.core[d]!, start.core[d]!)) dims.push(d);
  for (const d of [...cell.affinity.keys()].sort((a, b) => a - b)) {
    if (!equals(dimSet(space, cell, d), dimSet(space, start, d))) dims.push(d);
  }
  return dims;
}

/**
 * The conditions that select `cell` within the packet's class `start`, in words: "the destination
 * 192.168.0.10 is a local address of the node", "the destination 10.0.0.1 has a record 0–10800 s
 * old in affinity list L".
 */
export function caseConditions(
  space: PacketSpace,
  cell: PacketClass,
  start: PacketClass,
  addresses: { src: string; dst: string },
): string[] {
  const out: string[] = [];
  let other = false;
  for (const d of narrowed(space, cell, start)) {
    const set = dimSet(space, cell, d);
    if (d === DIM.srcLocal || d === DIM.dstLocal) {
      const who = d === DIM.srcLocal ? `the source ${addresses.src}` : `the destination ${addresses.dst}`;
      const local = set[0] === 1;
      out.push(
        `${who} is ${local ? 'a local address of the node' : 'not a local address of the node'}${d === DIM.srcLocal ? sourceCase(space, cell, local) : ''}`,
      );
    } else if (d >= AFFINITY_BASE) {
      const dd = space.affinity[d - AFFINITY_BASE]!;
      const who = dd.key === 'saddr' ? `the source ${addresses.src}` : `the destination ${addresses.dst}`;
      const what = atomsOf(set).map((a) => affinityAtomText(dd, a));
      out.push(`${who} has ${what.join(' or ')} in affinity list ${dd.id}`);
    } else other = true;
  }
  if (other) {
    // not expected (a packet fixes every other dimension), but never hidden
    const base = new Set(describeClass(space, start, start));
    out.push(...describeClass(space, cell, start).filter((l) => !base.has(l)));
  }
  return out;
}

/**
 * What makes a source's locality unusual on its path (the proof covers it all the same, assumption
 * `martians`): an IPv4 packet arriving from a node address, a packet generated on the node from
 * another one; null when it is usual. Said by a case (without a model) and by a note (with one).
 */
export function unusualSource(
  family: PacketSpace['family'],
  generated: boolean,
  local: boolean,
): 'martian' | 'raw' | null {
  if (generated && !local) return 'raw';
  if (!generated && local && family === 'ipv4') return 'martian';
  return null;
}

const sourceCase = (space: PacketSpace, cell: PacketClass, local: boolean): string => {
  const unusual = unusualSource(space.family, cell.core[DIM.path]![0] === 1, local);
  return unusual === null ? '' : UNUSUAL_SOURCE_CASE[unusual];
};

const UNUSUAL_SOURCE_CASE = {
  martian: ' (a martian: routing drops it after nat prerouting, where what it writes stays)',
  raw: " (a raw socket's: unusual)",
} as const;

/** The one dimension two classes differ in, or -1 (none, or more than one). */
function onlyDifference(space: PacketSpace, a: PacketClass, b: PacketClass): number {
  let found = -1;
  for (let d = 0; d < CORE_DIMS; d++) {
    if (equals(a.core[d]!, b.core[d]!)) continue;
    if (found >= 0) return -1;
    found = d;
  }
  for (const d of new Set([...a.affinity.keys(), ...b.affinity.keys()])) {
    if (equals(dimSet(space, a, d), dimSet(space, b, d))) continue;
    if (found >= 0) return -1;
    found = d;
  }
  return found;
}

/** Merge cells whose results have the same signature and whose classes differ in one dimension. */
export function mergeCells<R>(
  space: PacketSpace,
  cells: readonly CaseCell<R>[],
  signature: (results: Record<string, R>) => string,
): CaseCell<R>[] {
  const out = cells.map((c) => ({ ...c, sig: signature(c.results) }));
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < out.length && !merged; i++) {
      for (let j = i + 1; j < out.length && !merged; j++) {
        const a = out[i]!;
        const b = out[j]!;
        if (a.sig !== b.sig) continue;
        const d = onlyDifference(space, a.cls, b.cls);
        if (d < 0) continue;
        out[i] = { ...a, cls: withDim(a.cls, d, union(dimSet(space, a.cls, d), dimSet(space, b.cls, d))) };
        out.splice(j, 1);
        merged = true;
      }
    }
  }
  return out.map(({ cls, results }) => ({ cls, results }));
}
