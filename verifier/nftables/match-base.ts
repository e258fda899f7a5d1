// What the nft match readers share (match.ts: payload fields and sets; meta-match.ts: marks,
// conntrack, random numbers): a match's form, the test step, a test no packet passes, and the
// report of an operator a reader does not define.
import type { Step, Test } from '../model/program.ts';
import type { RuleContext } from './context.ts';
import { describe, type Reader } from './keys.ts';
import { child } from './pointer.ts';

export interface Match {
  op: string;
  left: unknown;
  right: unknown;
}

export const test = (t: Test, negate = false): Step => ({ kind: 'test', test: t, negate });
/** A test no packet passes (an empty membership). */
export const NEVER: Step = test({ kind: 'member', elements: [] });

export function unsupportedOp(m: Match, r: Reader, ctx: RuleContext, pointer: string): null {
  ctx.sink.report('nft-unsupported', child(pointer, 'op'), `operator '${m.op}' on ${describe(r)}`);
  return null;
}

/** The values `x op bound` admits in [0, max], or null when none. */
export function orderedRange(op: string, bound: bigint, max: bigint): [bigint, bigint] | null {
  const [lo, hi] =
    op === '<' ? [0n, bound - 1n] : op === '<=' ? [0n, bound] : op === '>' ? [bound + 1n, max] : [bound, max];
  const h = hi > max ? max : hi;
  return lo > h ? null : [lo, h];
}
