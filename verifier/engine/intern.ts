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

export function newInterner(): Interner {
  const sets = new Map<string, IntervalSet>();
  const parts = new Map<string, CPart>();
  const partIds = new Map<CPart, number>();
  const lists = new Map<string, readonly CPart[]>();
  return {
    part(dim, set) {
      const setKey = set.join(',');
      const key = `${dim}|${setKey}`;
      let p = parts.get(key);
      if (p === undefined) {
        let s = sets.get(setKey);
        if (s === undefined) sets.set(setKey, (s = set));
        p = { dim, set: s };
        parts.set(key, p);
        partIds.set(p, partIds.size);
      }
      return p;
    },
    parts(list) {
      let key = '';
      for (const p of list) {
        const id = partIds.get(p);
        if (id === undefined) return list;
        key += `${id} `;
      }
      let known = lists.get(key);
      if (known === undefined) lists.set(key, (known = list));
      return known;
    },
  };
}
