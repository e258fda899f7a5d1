// Lazy refinement: evaluate a class; when the evaluation asks a question the class does not answer
// uniformly, split the class on that question and evaluate both halves. The result is a partition
// of the starting class into classes on which the evaluation is uniform, each with its result.
import { appendAll } from '../../common/append.ts';
import { exclude, type PacketClass, restrict } from './box.ts';
import { fromRanges, type IntervalSet } from './intervals.ts';
import { type ClassQuery, classQuery, isSplitRequest } from './query.ts';
import type { PacketSpace } from './space.ts';
import { UnsupportedRuleset } from './unsupported.ts';

export interface Cell<R> {
  cls: PacketClass;
  value: R;
}

export class ExplorationLimit extends UnsupportedRuleset {}

export function explore<R>(
  space: PacketSpace,
  start: PacketClass,
  evaluate: (q: ClassQuery) => R,
  limit = 1_000_000,
): Cell<R>[] {
  const out: Cell<R>[] = [];
  const stack: PacketClass[] = [start];
  let runs = 0;
  while (stack.length > 0) {
    const cls = stack.pop()!;
    if (++runs > limit) throw new ExplorationLimit(`more than ${limit} evaluations for one class`);
    try {
      out.push({ cls, value: evaluate(classQuery(space, cls)) });
    } catch (e) {
      if (!isSplitRequest(e)) throw e;
      if (e.pieces) {
        appendAll(stack, partitionOf(space, cls, e.dim, e.pieces));
        continue;
      }
      const outside = exclude(space, cls, e.dim, e.set);
      const inside = restrict(space, cls, e.dim, e.set);
      if (!inside || !outside) throw new Error('internal: a split request that does not split the class');
      stack.push(outside, inside);
    }
  }
  return out;
}

/** The non-empty parts of `cls` in each piece, then the rest (the pieces are disjoint). */
function partitionOf(space: PacketSpace, cls: PacketClass, dim: number, pieces: readonly IntervalSet[]): PacketClass[] {
  const out: PacketClass[] = [];
  const covered: [number, number][] = [];
  for (const piece of pieces) {
    const part = restrict(space, cls, dim, piece);
    if (part) out.push(part);
    for (let i = 0; i < piece.length; i += 2) covered.push([piece[i]!, piece[i + 1]!]);
  }
  const rest = exclude(space, cls, dim, fromRanges(covered));
  if (rest) out.push(rest);
  if (out.length < 2) throw new Error('internal: a partition that does not split the class');
  // evaluated in piece order (the stack pops the last first)
  return out.reverse();
}
