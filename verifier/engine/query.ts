// Asking a packet class a question. The answer is yes when every packet of the class satisfies
// the condition, no when none does; otherwise the class must be split first, which is signalled
// by throwing a SplitRequest (the explorer splits the class in two and evaluates both halves).
import { dimSet, type PacketClass } from './box.ts';
import { type IntervalSet, isSubset, overlaps, single } from './intervals.ts';
import type { PacketSpace } from './space.ts';

export interface SplitRequest {
  readonly kind: 'split';
  readonly dim: number;
  readonly set: IntervalSet;
  /** a many-way split: these disjoint pieces of `set`, each a class of its own (the rest is one more) */
  readonly pieces?: readonly IntervalSet[];
}

export const isSplitRequest = (e: unknown): e is SplitRequest =>
  typeof e === 'object' && e !== null && (e as { kind?: unknown }).kind === 'split';

export interface ClassQuery {
  readonly space: PacketSpace;
  readonly cls: PacketClass;
  /** yes/no for the whole class, or throws a SplitRequest */
  ask(dim: number, set: IntervalSet): boolean;
  /** 1 all in, 0 none in, 2 some in */
  probe(dim: number, set: IntervalSet): 0 | 1 | 2;
  /** the dimension's only value, when the class has one */
  pinned(dim: number): number | undefined;
  set(dim: number): IntervalSet;
  /**
   * Split the class into its parts in each of these disjoint sets and the rest, at once: cheaper
   * than one two-way split per piece when a lookup has thousands of keys. Always throws.
   */
  partition(dim: number, pieces: readonly IntervalSet[]): never;
}

export function classQuery(space: PacketSpace, cls: PacketClass): ClassQuery {
  const probe = (dim: number, set: IntervalSet): 0 | 1 | 2 => {
    const have = dimSet(space, cls, dim);
    if (isSubset(have, set)) return 1;
    return overlaps(have, set) ? 2 : 0;
  };
  return {
    space,
    cls,
    probe,
    ask(dim, set) {
      const r = probe(dim, set);
      if (r === 2) throw { kind: 'split', dim, set } satisfies SplitRequest;
      return r === 1;
    },
    pinned: (dim) => single(dimSet(space, cls, dim)),
    set: (dim) => dimSet(space, cls, dim),
    partition(dim, pieces) {
      throw { kind: 'split', dim, set: pieces[0]!, pieces } satisfies SplitRequest;
    },
  };
}
