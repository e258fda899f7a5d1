// The region a difference covers: the classes that differ the same way (one finding's), merged
// into as few boxes as a pairwise merge finds. Two boxes that agree in every dimension but one are
// one box, with that dimension's union (the classes of a finding are disjoint, so the union is
// exact). What is left is the region as a short list of boxes, the witness's first.
import { dimSet, type PacketClass, withDim } from './box.ts';
import { equals, union } from './intervals.ts';
import { CORE_DIMS, type PacketSpace } from './space.ts';

/** Classes a finding keeps besides its witness's, to describe its region (the rest are counted). */
export const REGION_CLASSES_KEPT = 32;

/** The dimensions two classes may differ in: the core ones and every affinity dimension either narrows. */
function dimensionsOf(a: PacketClass, b: PacketClass): number[] {
  const dims: number[] = [];
  for (let d = 0; d < CORE_DIMS; d++) dims.push(d);
  for (const d of new Set([...a.affinity.keys(), ...b.affinity.keys()])) dims.push(d);
  return dims;
}

/** The one dimension `a` and `b` differ in; null when they differ in none or in more than one. */
function onlyDifference(space: PacketSpace, a: PacketClass, b: PacketClass): number | null {
  let found: number | null = null;
  for (const d of dimensionsOf(a, b)) {
    if (equals(dimSet(space, a, d), dimSet(space, b, d))) continue;
    if (found !== null) return null;
    found = d;
  }
  return found;
}

/**
 * `classes` (disjoint; the witness's first) merged pairwise while two boxes differ in one
 * dimension only; the box holding the witness's class comes first.
 */
export function mergedRegions(space: PacketSpace, classes: readonly PacketClass[]): PacketClass[] {
  const boxes = classes.map((cls, i) => ({ cls, witness: i === 0 }));
  for (let merged = true; merged; ) {
    merged = false;
    for (let i = 0; i < boxes.length && !merged; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const d = onlyDifference(space, boxes[i]!.cls, boxes[j]!.cls);
        if (d === null) continue;
        const a = boxes[i]!;
        const b = boxes[j]!;
        boxes[i] = {
          cls: withDim(a.cls, d, union(dimSet(space, a.cls, d), dimSet(space, b.cls, d))),
          witness: a.witness || b.witness,
        };
        boxes.splice(j, 1);
        merged = true;
        break;
      }
    }
  }
  boxes.sort((a, b) => Number(b.witness) - Number(a.witness));
  return boxes.map((b) => b.cls);
}
