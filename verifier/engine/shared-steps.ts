// What the evaluator's steps make, shared between classes (chain-eval.ts). Flow states are never
// changed in place, so a step that meets the state (or weight) it met last gives what it gave then,
// kept on the compiled step itself (`last`, compiled.ts).
// The classes of a shard reach each step one after another from the same states (netfilter-eval.ts
// START_NEW): they share the states and weights they make, and what is kept on a state (the
// evaluation memo's key, a leaf's outcome: flow.ts derivedOf) is made once, not once per class.
import type { CStep, CVerdict, RandomWeights } from './compiled.ts';
import { type Dyadic, mul } from './dyadic.ts';
import { type FlowState, flowWith } from './flow.ts';

export type MarkStep = Extract<CStep, { kind: 'mark' }>;
export type DnatVerdict = Extract<CVerdict, { kind: 'dnat' }>;

/** A MARK step's state from `s`. */
export function markedState(step: MarkStep, s: FlowState): FlowState {
  const last = step.last;
  if (last !== null && last.from === s) return last.to;
  const to = flowWith(s, {
    markKeep: (s.markKeep & step.keep) >>> 0,
    markXor: ((s.markXor & step.keep) ^ step.xor) >>> 0,
  });
  step.last = { from: s, to };
  return to;
}

/**
 * A DNAT's state from `s`, with the port and identity the class gives it (a DNAT without a port
 * takes the class's).
 */
export function dnattedState(v: DnatVerdict, s: FlowState, port: number | null, identity: boolean): FlowState {
  const last = v.last;
  if (last !== null && last.from === s && last.port === port && last.identity === identity) return last.to;
  const to = flowWith(s, { dnatAtom: v.atom, dnatIp: v.ip, dnatPort: port, dnatIdentity: identity });
  v.last = { from: s, port, identity, to };
  return to;
}

export type PortedDispatch = Extract<CStep, { kind: 'dispatch' }> & { dnatPort: number };

/**
 * Element k's DNAT with the port the dispatch's statement gives, one object per dispatch (elements
 * and port) and element, kept on the dispatch: made only for the elements a class takes (at 10,000
 * services most dispatches are never evaluated, their shards counted by shape).
 */
export function portedDnat(step: PortedDispatch, k: number): DnatVerdict {
  const ported = (step.ported ??= new Array<DnatVerdict | undefined>(step.elements.length));
  let p = ported[k];
  if (p === undefined) {
    // the element's one step is a DNAT without a port (compile.ts)
    const v = (step.elements[k]!.steps[0] as Extract<CStep, { kind: 'verdict' }>).verdict as DnatVerdict;
    ported[k] = p = { ...v, port: step.dnatPort, last: null };
  }
  return p;
}

/**
 * A random step's weights from `w`, those of the last flow kept on the step. The classes of a shard
 * meet a service's statistic ladder one after another with the same weight, so each rule's two
 * products are made once and shared: a weight's numerator grows by 31 bits a rule, and one service
 * of N endpoints, whose classes grow with N, held N such weights per class.
 */
export function randomWeights(step: Extract<CStep, { kind: 'random' }>, w: Dyadic): RandomWeights {
  const last = step.last;
  if (last !== null && last.w === w) return last;
  const ws: RandomWeights = { w, taken: mul(w, step.p), rest: mul(w, step.q) };
  step.last = ws;
  return ws;
}
