// What a packet carries through a ruleset besides its class (the flow state), the ways it can leave
// (leaves), and the trace of the rules it met — shared by the chain and hook evaluators
// (chain-eval.ts, netfilter-eval.ts) and by the readers of their results.
import type { Outcome } from '../../compiler/ir/outcome.ts';
import type { Origin } from '../model/program.ts';
import type { Dyadic } from './dyadic.ts';

/** One rule that took part in a packet's path (for explain and counterexamples). */
export interface TraceEntry {
  chain: string;
  rule: number;
  origin: Origin | null;
  note: string;
}

export interface TraceNode {
  entry: TraceEntry;
  prev: TraceNode | null;
}

/**
 * The rules of a path, first to last. One rule evaluation can note twice (a random draw or numgen
 * branch taken, then the rule's verdict): such consecutive notes of the same rule are one entry.
 */
export function traceList(t: TraceNode | null): TraceEntry[] {
  const out: TraceEntry[] = [];
  for (let n = t; n; n = n.prev) {
    const later = out[out.length - 1];
    const e = n.entry;
    if (later && later.chain === e.chain && later.rule === e.rule && later.origin === e.origin) {
      out[out.length - 1] = { ...e, note: `${e.note}; ${later.note}` };
    } else out.push(e);
  }
  return out.reverse();
}

/** What a packet carries through the hooks besides its class. */
export interface FlowState {
  /** destination after DNAT (atom, text, port) */
  readonly dnatAtom: number | null;
  readonly dnatIp: string | null;
  readonly dnatPort: number | null;
  /** the DNAT left the tuple as it was (to the packet's own address and port): no DNAT status */
  readonly dnatIdentity: boolean;
  /** mark = (initial & markKeep) ^ markXor */
  readonly markKeep: number;
  readonly markXor: number;
  readonly masquerade: 'none' | 'masquerade' | 'masquerade-fully-random';
  readonly affinityWrites: readonly string[];
  /** nat bindings initialised (per manip type) */
  readonly dstNatDone: boolean;
  readonly srcNatDone: boolean;
  /** re-entered through loopback (local path, local destination): input interface is lo */
  readonly viaLoopback: boolean;
  readonly trace: TraceNode | null;
  /**
   * What is made from this state, kept on it (flowWith starts a state without): states are never
   * changed otherwise, and the classes of a shard share them (shared-steps.ts), so each is made once.
   */
  derived: DerivedFromState | null;
}

export interface DerivedFromState {
  /** the state bound by the nat core on the destination and on the source side (netfilter-eval.ts) */
  dstBound: FlowState | null;
  srcBound: FlowState | null;
  /** the evaluation memo's keys, arriving through an interface and from a local process */
  memoKeyInterface: string | null;
  memoKeyLocal: string | null;
  /** leaf outcomes by verdict and what the class adds, for one observed mark mask (observe.ts) */
  outcomes: { markMask: number; byKey: Map<number, { outcome: Outcome; key: string }> } | null;
}

/** The derived-values record of `s`, made on first use. */
export const derivedOf = (s: FlowState): DerivedFromState =>
  (s.derived ??= { dstBound: null, srcBound: null, memoKeyInterface: null, memoKeyLocal: null, outcomes: null });

/**
 * `s` with the fields of `change` replaced, written as one object literal of every field in one
 * order. The evaluator makes millions of flow states at 10,000 services (a DNAT per endpoint per
 * class, a nat binding per hook): a literal is one hidden class and cheaper than a spread copy.
 */
export function flowWith(s: FlowState, change: Partial<FlowState>): FlowState {
  return {
    dnatAtom: change.dnatAtom === undefined ? s.dnatAtom : change.dnatAtom,
    dnatIp: change.dnatIp === undefined ? s.dnatIp : change.dnatIp,
    dnatPort: change.dnatPort === undefined ? s.dnatPort : change.dnatPort,
    dnatIdentity: change.dnatIdentity === undefined ? s.dnatIdentity : change.dnatIdentity,
    markKeep: change.markKeep === undefined ? s.markKeep : change.markKeep,
    markXor: change.markXor === undefined ? s.markXor : change.markXor,
    masquerade: change.masquerade === undefined ? s.masquerade : change.masquerade,
    affinityWrites: change.affinityWrites === undefined ? s.affinityWrites : change.affinityWrites,
    dstNatDone: change.dstNatDone === undefined ? s.dstNatDone : change.dstNatDone,
    srcNatDone: change.srcNatDone === undefined ? s.srcNatDone : change.srcNatDone,
    viaLoopback: change.viaLoopback === undefined ? s.viaLoopback : change.viaLoopback,
    trace: change.trace === undefined ? s.trace : change.trace,
    derived: null,
  };
}

export type FinalVerdict = 'accept' | 'drop' | 'reject' | `reject:${string}`;

export interface Leaf {
  verdict: FinalVerdict;
  state: FlowState;
  w: Dyadic;
}
