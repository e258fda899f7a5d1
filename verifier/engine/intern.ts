// One object per distinct condition. Compiled rulesets name the same few conditions again and
// again (every service's protocol and port tests, the local-traffic detector, each cluster IP in
// both artifacts): at 3,000 services 325,000 field conditions hold 62,000 distinct (dimension,
// set) pairs and 32,000 distinct interval sets. Interning them shrinks the live heap the check
// runs beside, and lets the identity caches keyed by a set (shape numbering, set keys) hit across
// rules and artifacts. Sound because compiled values are immutable: equal content, equal meaning.
import type { CPart } from './compiled.ts';
import type { IntervalSet } from './intervals.ts';

export interface Interner {
  /** the one (dim, set) part with this content */
  part(dim: number, set: IntervalSet): CPart;
  /** the one list with these parts, in this order (parts from `part`; others leave the list as it is) */
  parts(list: readonly CPart[]): readonly CPart[];
}

// Most sets are one range of small numbers (atoms, ports), most lists one or two parts: those are
// keyed by one number (a million lookups at 10,000 services; text keys cost 1.5 s there).
const SMALL = 2 ** 20;
const FEW = 2 ** 26;

export function newInterner(): Interner {
  const sets = new Map<string, IntervalSet>();
  const ranges = new Map<number, IntervalSet>();
  const parts = new Map<string, CPart>();
  const rangeParts = new Map<number, CPart>();
  const partIds = new Map<CPart, number>();
  const lists = new Map<string, readonly CPart[]>();
  const singles = new Map<number, readonly CPart[]>();
  const pairs = new Map<number, readonly CPart[]>();

  const newPart = (dim: number, set: IntervalSet): CPart => {
    const p = { dim, set };
    partIds.set(p, partIds.size);
    return p;
  };
  const known = <K>(m: Map<K, readonly CPart[]>, key: K, list: readonly CPart[]): readonly CPart[] => {
    const l = m.get(key);
    if (l !== undefined) return l;
    m.set(key, list);
    return list;
  };

  return {
    part(dim, set) {
      if (set.length === 2 && set[0]! < SMALL && set[1]! < SMALL && dim < 64) {
        const range = set[0]! * SMALL + set[1]!;
        const key = dim * SMALL * SMALL + range;
        let p = rangeParts.get(key);
        if (p === undefined) {
          let s = ranges.get(range);
          if (s === undefined) ranges.set(range, (s = set));
          rangeParts.set(key, (p = newPart(dim, s)));
        }
        return p;
      }
      const setKey = set.join(',');
      const key = `${dim}|${setKey}`;
      let p = parts.get(key);
      if (p === undefined) {
        let s = sets.get(setKey);
        if (s === undefined) sets.set(setKey, (s = set));
        parts.set(key, (p = newPart(dim, s)));
      }
      return p;
    },
    parts(list) {
      const a = list.length > 0 ? partIds.get(list[0]!) : undefined;
      if (list.length === 1 && a !== undefined) return known(singles, a, list);
      const b = list.length > 1 ? partIds.get(list[1]!) : undefined;
      if (list.length === 2 && a !== undefined && b !== undefined && a < FEW && b < FEW) {
        return known(pairs, a * FEW + b, list);
      }
      let key = '';
      for (const p of list) {
        const id = partIds.get(p);
        if (id === undefined) return list;
        key += `${id} `;
      }
      return known(lists, key, list);
    },
  };
}
