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
  // number keys and text keys never meet: one map each for sets, parts and lists
  const sets = new Map<number | string, IntervalSet>();
  const parts = new Map<number | string, CPart>();
  const partIds = new Map<CPart, number>();
  const lists = new Map<number | string, readonly CPart[]>();
  // three parts (a map element's address . protocol . port): by the first two's key, then the
  // third's id, not by a text made for each of a quarter million elements
  const triples = new Map<number, Map<number, readonly CPart[]>>();

  /** A list's key from its parts' ids: -1 - a for [a], a·FEW + b for [a, b], text otherwise (three parts: `triples` first); null for a part from elsewhere. */
  const listKey = (list: readonly CPart[]): number | string | null => {
    if (list.length === 0) return '';
    const a = partIds.get(list[0]!);
    if (a === undefined) return null;
    if (list.length === 1) return -1 - a;
    const b = partIds.get(list[1]!);
    if (b === undefined) return null;
    if (list.length === 2 && a < FEW && b < FEW) return a * FEW + b;
    let key = '';
    for (const p of list) {
      const id = partIds.get(p);
      if (id === undefined) return null;
      key += key === '' ? `${id}` : ` ${id}`;
    }
    return key;
  };

  // A point set [v, v] (an address atom, a port, a protocol: most parts) by dimension and value in
  // arrays of part numbers, not hashed: a Map keyed by a number past 2^31 hashed a heap number for
  // each of 320,000 parts at 10,000 services. Its set is shared by every dimension, as below.
  const pointParts: Int32Array[] = [];
  const pointSets = new Map<number, IntervalSet>();
  const made: CPart[] = [];
  const newPart = (dim: number, set: IntervalSet): CPart => {
    const p = { dim, set };
    partIds.set(p, partIds.size);
    made.push(p);
    return p;
  };
  const pointPart = (dim: number, set: IntervalSet, v: number): CPart => {
    let row = pointParts[dim];
    if (row === undefined || v >= row.length) {
      const grown = new Int32Array(Math.max(1024, 2 * (v + 1)));
      if (row !== undefined) grown.set(row);
      pointParts[dim] = row = grown;
    }
    const known = row[v]!;
    if (known !== 0) return made[known - 1]!;
    let s = pointSets.get(v);
    if (s === undefined) pointSets.set(v, (s = set));
    const p = newPart(dim, s);
    row[v] = made.length;
    return p;
  };

  return {
    part(dim, set) {
      if (set.length === 2 && set[0] === set[1] && set[0]! < SMALL && dim < 64) return pointPart(dim, set, set[0]!);
      const small = set.length === 2 && set[0]! < SMALL && set[1]! < SMALL && dim < 64;
      const setKey = small ? set[0]! * SMALL + set[1]! : set.join(',');
      const key = small ? dim * SMALL * SMALL + (setKey as number) : `${dim}|${setKey}`;
      let p = parts.get(key);
      if (p === undefined) {
        let s = sets.get(setKey);
        if (s === undefined) sets.set(setKey, (s = set));
        p = newPart(dim, s);
        parts.set(key, p);
      }
      return p;
    },
    parts(list) {
      if (list.length === 3) {
        const a = partIds.get(list[0]!);
        const b = partIds.get(list[1]!);
        const c = partIds.get(list[2]!);
        if (a !== undefined && b !== undefined && c !== undefined && a < FEW && b < FEW) {
          let byThird = triples.get(a * FEW + b);
          if (byThird === undefined) triples.set(a * FEW + b, (byThird = new Map()));
          const known = byThird.get(c);
          if (known !== undefined) return known;
          byThird.set(c, list);
          return list;
        }
      }
      const key = listKey(list);
      if (key === null) return list;
      const known = lists.get(key);
      if (known !== undefined) return known;
      lists.set(key, list);
      return list;
    },
  };
}
