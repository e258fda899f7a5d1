// A packet class: one set of values per dimension; the class is every packet whose every field
// lies in its dimension's set (a box). Affinity dimensions are sparse: an absent one is its full
// domain, so a class does not carry thousands of untouched affinity lists.
import { type IntervalSet, intersect, isEmpty, size, subtract } from './intervals.ts';
import { CORE_DIMS, domainOf, type PacketSpace } from './space.ts';

export interface PacketClass {
  readonly core: readonly IntervalSet[];
  /** affinity dimension index → its set, only where narrowed */
  readonly affinity: ReadonlyMap<number, IntervalSet>;
}

export function universe(space: PacketSpace): PacketClass {
  const core: IntervalSet[] = [];
  for (let d = 0; d < CORE_DIMS; d++) core.push(domainOf(space, d));
  return { core, affinity: new Map() };
}

export function dimSet(space: PacketSpace, c: PacketClass, dim: number): IntervalSet {
  if (dim < CORE_DIMS) return c.core[dim]!;
  return c.affinity.get(dim) ?? domainOf(space, dim);
}

export function withDim(c: PacketClass, dim: number, set: IntervalSet): PacketClass {
  if (dim < CORE_DIMS) {
    const core = c.core.slice();
    core[dim] = set;
    return { core, affinity: c.affinity };
  }
  const affinity = new Map(c.affinity);
  affinity.set(dim, set);
  return { core: c.core, affinity };
}

/** Narrow one dimension; null when the class becomes empty. */
export function restrict(space: PacketSpace, c: PacketClass, dim: number, set: IntervalSet): PacketClass | null {
  const next = intersect(dimSet(space, c, dim), set);
  return isEmpty(next) ? null : withDim(c, dim, next);
}

export function exclude(space: PacketSpace, c: PacketClass, dim: number, set: IntervalSet): PacketClass | null {
  const next = subtract(dimSet(space, c, dim), set);
  return isEmpty(next) ? null : withDim(c, dim, next);
}

/** Intersection of two classes (null when empty). */
export function meet(space: PacketSpace, a: PacketClass, b: PacketClass): PacketClass | null {
  const core: IntervalSet[] = [];
  for (let d = 0; d < CORE_DIMS; d++) {
    const s = intersect(a.core[d]!, b.core[d]!);
    if (isEmpty(s)) return null;
    core.push(s);
  }
  const affinity = new Map(a.affinity);
  for (const [d, s] of b.affinity) {
    const t = intersect(affinity.get(d) ?? domainOf(space, d), s);
    if (isEmpty(t)) return null;
    affinity.set(d, t);
  }
  return { core, affinity };
}

/**
 * How many packets the class holds (address atoms count the addresses they cover). Affinity state
 * is not a packet field but a condition: a class narrowed to part of an affinity dimension counts
 * that part's share of the packets, so the classes of a partition add up to the universe.
 */
export function classSize(
  space: PacketSpace,
  c: PacketClass,
  addressCount: (atoms: IntervalSet) => bigint,
): { num: bigint; den: bigint } {
  let num = 1n;
  let den = 1n;
  // the other dimensions' sizes are small: multiplied as numbers while exact (below 2^53)
  let small = 1;
  for (let d = 0; d < CORE_DIMS; d++) {
    const s = c.core[d]!;
    if (d === 2 || d === 3) {
      num *= addressCount(s);
      continue;
    }
    const k = smallSize(s);
    if (small * k > Number.MAX_SAFE_INTEGER) {
      num *= BigInt(small);
      small = k;
    } else small *= k;
  }
  num *= BigInt(small);
  for (const [dim, s] of c.affinity) {
    num *= size(s);
    den *= size(domainOf(space, dim));
  }
  return { num, den };
}

/** How many values a set holds, as a number: for dimensions of small domains (atoms, ports, marks). */
function smallSize(s: IntervalSet): number {
  let n = 0;
  for (let i = 0; i < s.length; i += 2) n += s[i + 1]! - s[i]! + 1;
  return n;
}
