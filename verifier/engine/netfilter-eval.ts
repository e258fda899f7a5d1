// The semantics of a compiled ruleset (docs/verifier.md §2): a packet's path through the hooks,
// base chains in priority order (each chain run by chain-eval.ts) — yielding every way the packet
// can leave with its exact probability. It reads the packet only through a ClassQuery, so the same
// code evaluates one concrete packet (explain) or a whole class (verify: the class is split when a
// test divides it).
import { appendAll } from '../../common/append.ts';
import type { Hook } from '../model/program.ts';
import { type ChainExit, type Ev, runChain } from './chain-eval.ts';
import type { CBaseChain, CProgram } from './compiled.ts';
import { mul, ONE } from './dyadic.ts';
import { type EvalMemo, insertMemo, lookupMemo, type QueryRecord, recordingQuery } from './eval-memo.ts';
import { derivedOf, type FlowState, flowWith, type Leaf } from './flow.ts';
import { contains, type IntervalSet, union } from './intervals.ts';
import { loopbackBroadcastAtoms, loopbackLocalAtoms } from './locality.ts';
import type { ClassQuery } from './query.ts';
import { CT_NEW, DIM, interfaceAtomOf, type PacketSpace } from './space.ts';

export interface EvalOptions {
  trace: boolean;
  /** reuse the rest of an evaluation after the first hook across classes (not with trace) */
  memo?: EvalMemo;
}

const isDstManip = (h: Hook) => h === 'prerouting' || h === 'output';

const natCoreOf = new WeakMap<CProgram, boolean>();

/**
 * Whether the program has a nat chain at any hook. The kernel's nat core then hooks all four nat
 * points at once (prerouting, output, input, postrouting), and at each one a new connection not
 * yet bound on that side gets a null binding after the hook's nat chains — none, if the hook has
 * none. So a node's packet that comes back through lo runs no prerouting nat chain (bound at
 * output) and no input nat chain (bound at postrouting), whichever hooks have nat chains
 * (a review measured both).
 */
function hasNatCore(p: CProgram): boolean {
  let has = natCoreOf.get(p);
  if (has === undefined) {
    has = Object.values(p.hooks).some((bases) => bases.some((b) => b.type === 'nat'));
    natCoreOf.set(p, has);
  }
  return has;
}

const NAT_CORE_HOOKS: ReadonlySet<Hook> = new Set(['prerouting', 'output', 'input', 'postrouting']);

/** `s` bound on one side, one object per state (see START_NEW). */
function natBound(s: FlowState, dstSide: boolean): FlowState {
  const d = derivedOf(s);
  if (dstSide) return (d.dstBound ??= flowWith(s, { dstNatDone: true }));
  return (d.srcBound ??= flowWith(s, { srcNatDone: true }));
}

/** The null binding of this hook's side, for a flow not bound on it yet. */
function bound(flows: Leaf[], dstSide: boolean): Leaf[] {
  return flows.map((f) =>
    (dstSide ? f.state.dstNatDone : f.state.srcNatDone) ? f : { ...f, state: natBound(f.state, dstSide) },
  );
}

/** Run every base chain of hook `h` over the live flows; drops and rejects go to `done`. */
function runHook(ev: Ev, h: Hook, live: Leaf[], done: Leaf[]): Leaf[] {
  const bases: readonly CBaseChain[] = ev.p.hooks[h];
  const dstSide = isDstManip(h);
  const natCore = NAT_CORE_HOOKS.has(h) && hasNatCore(ev.p);
  if (bases.length === 0) return natCore ? bound(live, dstSide) : live;
  let flows = live;
  for (const b of bases) {
    const next: Leaf[] = [];
    for (const f of flows) {
      if (b.type === 'nat' && (!ev.isNew || (dstSide ? f.state.dstNatDone : f.state.srcNatDone))) {
        next.push(f);
        continue;
      }
      const exits: ChainExit[] = [];
      runChain(ev, b.chain, 0, f.state, f.w, 0, exits);
      for (const e of exits) {
        let state = e.state;
        if (e.natted) state = natBound(state, dstSide);
        const verdict = e.verdict === 'return' ? b.policy : e.verdict;
        if (verdict === 'accept') next.push({ verdict: 'accept', state, w: e.w });
        else done.push({ verdict, state, w: e.w });
      }
    }
    flows = next;
  }
  // the nat core sets up a null binding once the hook's nat chains ran (or at once, with none)
  return natCore ? bound(flows, dstSide) : flows;
}

/** Whether routing sends the packet to input: a LOCAL destination, or lo's broadcast address. */
function destinationLocal(ev: Ev, s: FlowState): boolean {
  const broadcast = loopbackBroadcastAtoms(ev.space);
  if (ev.space.mode === 'universal') {
    // a DNAT target: local only in the loopback block (the node's own addresses are unknown); a DNAT
    // to the packet's own address is that address, local as the packet's destination is
    if (s.dnatAtom !== null && !s.dnatIdentity)
      return contains(loopbackLocalAtoms(ev.space), s.dnatAtom) || contains(broadcast, s.dnatAtom);
    return (broadcast.length > 0 && ev.q.ask(DIM.dst, broadcast)) || ev.q.ask(DIM.dstLocal, [1, 1]);
  }
  if (s.dnatAtom !== null) return contains(ev.space.local, s.dnatAtom) || contains(broadcast, s.dnatAtom);
  return ev.q.ask(DIM.dst, deliveredAtoms(ev.space));
}

const deliveredCache = new WeakMap<PacketSpace, IntervalSet>();

/** LOCAL atoms and lo's broadcast address: what routing delivers to input (concrete mode). */
function deliveredAtoms(space: PacketSpace): IntervalSet {
  let atoms = deliveredCache.get(space);
  if (atoms === undefined) deliveredCache.set(space, (atoms = union(space.local, loopbackBroadcastAtoms(space))));
  return atoms;
}

const loAtoms = new WeakMap<PacketSpace, number>();

const stateKey = (s: FlowState): string =>
  `${s.dnatIp}|${s.dnatPort}|${s.dnatIdentity}|${s.markKeep}|${s.markXor}|${s.masquerade}|${s.affinityWrites.join(',')}|${s.dstNatDone}|${s.srcNatDone}|${s.viaLoopback}`;

/** Everything after the first hook for one flow: routing and the remaining hooks. */
function afterFirstHook(ev: Ev, f: Leaf, viaInterface: boolean, out: Leaf[]): void {
  const done: Leaf[] = [];
  if (viaInterface) {
    if (destinationLocal(ev, f.state)) appendAll(out, runHook(ev, 'input', [f], done));
    else appendAll(out, runHook(ev, 'postrouting', runHook(ev, 'forward', [f], done), done));
  } else {
    for (const g of runHook(ev, 'postrouting', [f], done)) {
      if (!destinationLocal(ev, g.state)) {
        out.push(g);
        continue;
      }
      const back = { ...g, state: flowWith(g.state, { viaLoopback: true }) };
      appendAll(out, runHook(ev, 'input', runHook(ev, 'prerouting', [back], done), done));
    }
  }
  for (const d of done) out.push(d);
}

/** The memo's key of a state (made once per state: a string made once hashes once). */
function memoKey(s: FlowState, viaInterface: boolean): string {
  const d = derivedOf(s);
  return viaInterface ? (d.memoKeyInterface ??= `a|${stateKey(s)}`) : (d.memoKeyLocal ??= `l|${stateKey(s)}`);
}

function afterFirstHookMemo(ev: Ev, memo: EvalMemo, f: Leaf, viaInterface: boolean, out: Leaf[]): void {
  const key = memoKey(f.state, viaInterface);
  let leaves = lookupMemo(ev.q, memo.roots.get(key));
  if (!leaves) {
    const log: QueryRecord[] = [];
    const recording: Ev = { ...ev, q: recordingQuery(ev.q, log) };
    leaves = [];
    afterFirstHook(recording, { verdict: f.verdict, state: f.state, w: ONE }, viaInterface, leaves);
    insertMemo(memo, key, log, leaves);
  }
  for (const l of leaves) out.push({ verdict: l.verdict, state: l.state, w: mul(f.w, l.w) });
}

/**
 * The state a packet arrives with, one object per ct state: states are never changed in place, and
 * flows that start from one object and take the same steps share their states (shared-steps.ts keeps
 * a step's last result), which the memo below keys by identity.
 */
const startState = (isNew: boolean): FlowState => ({
  dnatAtom: null,
  dnatIp: null,
  dnatPort: null,
  markKeep: 0xffffffff,
  markXor: 0,
  masquerade: 'none',
  affinityWrites: [],
  dnatIdentity: false,
  dstNatDone: !isNew,
  srcNatDone: !isNew,
  viaLoopback: false,
  trace: null,
  derived: null,
});
const START_NEW = startState(true);
const START_ESTABLISHED = startState(false);

export function evaluateProgram(program: CProgram, q: ClassQuery, opts: EvalOptions): Leaf[] {
  const space = q.space;
  let loAtom = loAtoms.get(space);
  if (loAtom === undefined) {
    loAtom = interfaceAtomOf(space.interfaces, 'lo');
    loAtoms.set(space, loAtom);
  }
  const isNew = q.ask(DIM.ct, CT_NEW);
  const viaInterface = q.ask(DIM.path, [0, 0]);
  const ev: Ev = { p: program, q, space, isNew, trace: opts.trace, loAtom };
  const start = isNew ? START_NEW : START_ESTABLISHED;
  const out: Leaf[] = [];
  const init: Leaf[] = [{ verdict: 'accept', state: start, w: ONE }];
  const first = runHook(ev, viaInterface ? 'prerouting' : 'output', init, out);
  const memo = opts.trace ? undefined : opts.memo;
  for (const f of first) {
    if (memo) afterFirstHookMemo(ev, memo, f, viaInterface, out);
    else afterFirstHook(ev, f, viaInterface, out);
  }
  return out;
}
