// The semantics of a compiled ruleset (docs/verifier.md §2): a packet's path through the hooks,
// base chains in priority order, rules, steps — yielding every way the packet can leave with its
// exact probability. It reads the packet only through a ClassQuery, so the same code evaluates one
// concrete packet (explain) or a whole class (verify: the class is split when a test divides it).
// Written for speed: one context object per evaluation, results pushed into arrays, no closures
// or generators on the hot path (an evaluation runs once per class, hundreds of thousands of times).
import type { Hook, Origin } from '../model/program.ts';
import { candidates, lowerBound } from './candidates.ts';
import type { CBaseChain, CPart, CProgram, CStep, CTest, CVerdict } from './compiled.ts';
import { type Dyadic, mul, ONE } from './dyadic.ts';
import { type EvalMemo, insertMemo, lookupMemo, type QueryRecord, recordingQuery } from './eval-memo.ts';
import { contains, isSubset, overlaps } from './intervals.ts';
import type { ClassQuery } from './query.ts';
import { CT_NEW, DIM, interfaceAtomOf, markSet, type PacketSpace, PORT_PROTOS } from './space.ts';

export { type EvalMemo, newEvalMemo } from './eval-memo.ts';

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
}

export type FinalVerdict = 'accept' | 'drop' | 'reject' | `reject:${string}`;

export interface Leaf {
  verdict: FinalVerdict;
  state: FlowState;
  w: Dyadic;
}

export interface EvalOptions {
  trace: boolean;
  /** reuse the rest of an evaluation after the first hook across classes (not with trace) */
  memo?: EvalMemo;
}

export class RulesetError extends Error {}

const MAX_DEPTH = 64;
const T = 1;
const F = 0;
const AMBIG = 2;
const PORT_UNGUARDED = 3;

/** A rule's remaining steps; `next` continues after a dispatch/numgen branch's own steps. */
interface Cursor {
  steps: readonly CStep[];
  at: number;
  next: Cursor | null;
}

interface Ev {
  p: CProgram;
  q: ClassQuery;
  space: PacketSpace;
  isNew: boolean;
  trace: boolean;
  loAtom: number;
  /** runChain's scratch arrays, by depth */
  results: RuleResult[][];
}

interface RuleResult {
  /** 0 no match (continue with the next rule), 1 fell through after effects, 2 verdict */
  kind: 0 | 1 | 2;
  verdict: CVerdict | null;
  state: FlowState;
  w: Dyadic;
}

interface ChainExit {
  verdict: 'accept' | 'return' | FinalVerdict;
  state: FlowState;
  w: Dyadic;
  natted: boolean;
}

function note(ev: Ev, s: FlowState, chain: string, rule: number, origin: Origin | null, what: string): FlowState {
  return ev.trace ? { ...s, trace: { entry: { chain, rule, origin, note: what }, prev: s.trace } } : s;
}

function partValue(ev: Ev, p: CPart, s: FlowState): number {
  const dim = p.dim;
  if (dim === DIM.dst && s.dnatAtom !== null) return contains(p.set, s.dnatAtom) ? T : F;
  if (dim === DIM.dstLocal && s.dnatAtom !== null) return contains(p.set, 0) ? T : F; // universal: targets not local
  if (dim === DIM.dport && s.dnatPort !== null) return contains(p.set, s.dnatPort) ? T : F;
  if (dim === DIM.iif && s.viaLoopback) return contains(p.set, ev.loAtom) ? T : F;
  if ((dim === DIM.dport || dim === DIM.sport) && !isSubset(ev.q.set(DIM.proto), PORT_PROTOS)) return PORT_UNGUARDED;
  const r = ev.q.probe(dim, p.set);
  return r === 1 ? T : r === 0 ? F : AMBIG;
}

/** Conjunction: false if any part is false for the whole class; split on the first undecided part. */
function conj(ev: Ev, parts: readonly CPart[], s: FlowState): boolean {
  let undecided = -1;
  let kind = T;
  for (let i = 0; i < parts.length; i++) {
    const v = partValue(ev, parts[i]!, s);
    if (v === F) return false;
    if (v !== T && undecided < 0) {
      undecided = i;
      kind = v;
    }
  }
  if (undecided < 0) return true;
  if (kind === PORT_UNGUARDED) {
    if (overlaps(ev.q.set(DIM.proto), PORT_PROTOS) && !ev.q.ask(DIM.proto, PORT_PROTOS)) return false;
    throw new RulesetError('a port is tested without a protocol test before it (closed world: refused)');
  }
  const p = parts[undecided]!;
  return ev.q.ask(p.dim, p.set);
}

function markTest(ev: Ev, s: FlowState, mask: number, value: number): boolean {
  const fixed = mask & ~s.markKeep;
  if (((s.markXor ^ value) & fixed) !== 0) return false;
  const free = (mask & s.markKeep) >>> 0;
  if (free === 0) return true;
  return ev.q.ask(DIM.mark, markSet(ev.space, free, ((value ^ s.markXor) & free) >>> 0));
}

function testValue(ev: Ev, t: CTest, s: FlowState): boolean {
  switch (t.kind) {
    case 'parts':
      return conj(ev, t.parts, s);
    case 'mark':
      return markTest(ev, s, t.mask, t.value);
    case 'ct':
      return ev.isNew ? t.matchesNew || (t.dnat && s.dnatAtom !== null) : ev.q.ask(DIM.ct, t.atoms);
    case 'affinity':
      return ev.q.ask(t.dim, t.set);
    case 'member': {
      const c = candidates(ev.q, t.index, t.elements.length, s.dnatPort, s.dnatAtom);
      for (let i = 0; i < c.length; i++) if (conj(ev, t.elements[c[i]!]!, s)) return true;
      return false;
    }
  }
}

function dispatchElement(ev: Ev, step: Extract<CStep, { kind: 'dispatch' }>, s: FlowState): number {
  const c = candidates(ev.q, step.index, step.elements.length, s.dnatPort, s.dnatAtom);
  for (let i = 0; i < c.length; i++) if (conj(ev, step.elements[c[i]!]!.parts, s)) return c[i]!;
  return -1;
}

/**
 * Run `firstSteps` from `firstAt`, then the cursors after them; results are pushed to `out`. (The
 * first steps come unwrapped: a rule's own steps need no cursor object, and this runs for every
 * rule a class meets.)
 */
function evalSteps(
  ev: Ev,
  chain: string,
  rule: number,
  origin: Origin,
  firstSteps: readonly CStep[],
  firstAt: number,
  then: Cursor | null,
  s0: FlowState,
  w: Dyadic,
  out: RuleResult[],
): void {
  let state = s0;
  let steps = firstSteps;
  let at = firstAt;
  let next = then;
  for (;;) {
    for (let i = at; i < steps.length; i++) {
      const step = steps[i]!;
      switch (step.kind) {
        case 'test':
          // effects already applied stay applied (an nft statement before a failing match has run)
          if (testValue(ev, step.test, state) === step.negate) {
            out.push({ kind: 0, verdict: null, state, w });
            return;
          }
          break;
        case 'random': {
          const pick = ev.trace
            ? note(ev, state, chain, rule, origin, `random choice taken (p = ${step.p.n}/2^${step.p.s})`)
            : state;
          evalSteps(ev, chain, rule, origin, steps, i + 1, next, pick, mul(w, step.p), out);
          out.push({ kind: 0, verdict: null, state, w: mul(w, step.q) });
          return;
        }
        case 'numgen': {
          const after: Cursor = { steps, at: i + 1, next };
          for (let k = 0; k < step.branches.length; k++) {
            const b = step.branches[k]!;
            if (b.w.n === 0n) continue;
            const pick = ev.trace
              ? note(ev, state, chain, rule, origin, `numgen branch ${k} (p = ${b.w.n}/2^${b.w.s})`)
              : state;
            evalSteps(ev, chain, rule, origin, b.steps, 0, after, pick, mul(w, b.w), out);
          }
          if (step.miss.n !== 0n) out.push({ kind: 0, verdict: null, state, w: mul(w, step.miss) });
          return;
        }
        case 'dispatch': {
          const k = dispatchElement(ev, step, state);
          if (k < 0) {
            out.push({ kind: 0, verdict: null, state, w });
            return;
          }
          if (step.dnatPort !== null) {
            // the element's one step is a DNAT without a port (compile.ts): the statement gives it
            const v = (step.elements[k]!.steps[0] as Extract<CStep, { kind: 'verdict' }>).verdict;
            const verdict: CVerdict = { ...(v as Extract<CVerdict, { kind: 'dnat' }>), port: step.dnatPort };
            const s = ev.trace ? note(ev, state, chain, rule, origin, verdictText(verdict)) : state;
            out.push({ kind: 2, verdict, state: s, w });
            return;
          }
          evalSteps(ev, chain, rule, origin, step.elements[k]!.steps, 0, { steps, at: i + 1, next }, state, w, out);
          return;
        }
        case 'mark':
          state = {
            ...state,
            markKeep: (state.markKeep & step.keep) >>> 0,
            markXor: ((state.markXor & step.keep) ^ step.xor) >>> 0,
          };
          break;
        case 'affinityWrite':
          if (!state.affinityWrites.includes(step.list)) {
            state = { ...state, affinityWrites: [...state.affinityWrites, step.list] };
          }
          break;
        case 'noop':
          break;
        case 'verdict':
          out.push({
            kind: 2,
            verdict: step.verdict,
            state: ev.trace ? note(ev, state, chain, rule, origin, verdictText(step.verdict)) : state,
            w,
          });
          return;
      }
    }
    if (next === null) break;
    steps = next.steps;
    at = next.at;
    next = next.next;
  }
  out.push({ kind: 1, verdict: null, state: ev.trace ? note(ev, state, chain, rule, origin, 'matched') : state, w });
}

/** Run chain `c` from rule `from`; 'return' = fell off the end or RETURN. */
function runChain(ev: Ev, c: number, from: number, s: FlowState, w: Dyadic, depth: number, out: ChainExit[]): void {
  if (depth > MAX_DEPTH) throw new RulesetError(`chain nesting deeper than ${MAX_DEPTH} (a jump cycle?)`);
  const chain = ev.p.chains[c]!;
  let state = s;
  let weight = w;
  const cands = candidates(ev.q, chain.index, chain.rules.length, state.dnatPort, state.dnatAtom);
  // one results array per depth, reused: a fork below copies what it keeps before recursing
  const results = (ev.results[depth] ??= []);
  for (let ci = lowerBound(cands, from); ci < cands.length; ci++) {
    const r = cands[ci]!;
    const rule = chain.rules[r]!;
    // most rules a class meets fail their first test: decided here, without a result object
    const first = rule.steps[0];
    let at = 0;
    if (first !== undefined && first.kind === 'test') {
      if (testValue(ev, first.test, state) === first.negate) continue;
      at = 1;
    }
    results.length = 0;
    evalSteps(ev, chain.name, r, rule.origin, rule.steps, at, null, state, weight, results);
    // the common case: one result that falls through to the next rule
    if (results.length === 1 && results[0]!.kind !== 2) {
      state = results[0]!.state;
      weight = results[0]!.w;
      continue;
    }
    const forks = results.slice();
    for (const res of forks) {
      if (res.kind !== 2) runChain(ev, c, r + 1, res.state, res.w, depth, out);
      else applyVerdict(ev, c, r, res.verdict!, res.state, res.w, depth, out);
    }
    return;
  }
  out.push({ verdict: 'return', state, w: weight, natted: false });
}

function applyVerdict(
  ev: Ev,
  c: number,
  r: number,
  v: CVerdict,
  s: FlowState,
  w: Dyadic,
  depth: number,
  out: ChainExit[],
): void {
  switch (v.kind) {
    case 'accept':
    case 'drop':
      out.push({ verdict: v.kind, state: s, w, natted: false });
      return;
    case 'reject':
      out.push({ verdict: v.with === 'port-unreachable' ? 'reject' : `reject:${v.with}`, state: s, w, natted: false });
      return;
    case 'return':
      out.push({ verdict: 'return', state: s, w, natted: false });
      return;
    case 'jump': {
      const sub: ChainExit[] = [];
      runChain(ev, v.chain, 0, s, w, depth + 1, sub);
      for (const e of sub) {
        if (e.verdict === 'return') runChain(ev, c, r + 1, e.state, e.w, depth, out);
        else out.push(e);
      }
      return;
    }
    case 'goto':
      runChain(ev, v.chain, 0, s, w, depth + 1, out);
      return;
    case 'dnat': {
      const port = v.port ?? ev.q.pinned(DIM.dport) ?? null;
      out.push({ verdict: 'accept', state: { ...s, dnatAtom: v.atom, dnatIp: v.ip, dnatPort: port }, w, natted: true });
      return;
    }
    case 'masquerade':
      out.push({
        verdict: 'accept',
        state: { ...s, masquerade: v.fullyRandom ? 'masquerade-fully-random' : 'masquerade' },
        w,
        natted: true,
      });
      return;
  }
}

const isDstManip = (h: Hook) => h === 'prerouting' || h === 'output';

/** Run every base chain of hook `h` over the live flows; drops and rejects go to `done`. */
function runHook(ev: Ev, h: Hook, live: Leaf[], done: Leaf[]): Leaf[] {
  const bases: readonly CBaseChain[] = ev.p.hooks[h];
  if (bases.length === 0) return live;
  const dstSide = isDstManip(h);
  let flows = live;
  let natRan = false;
  for (const b of bases) {
    const next: Leaf[] = [];
    for (const f of flows) {
      if (b.type === 'nat' && (!ev.isNew || (dstSide ? f.state.dstNatDone : f.state.srcNatDone))) {
        next.push(f);
        continue;
      }
      if (b.type === 'nat') natRan = true;
      const exits: ChainExit[] = [];
      runChain(ev, b.chain, 0, f.state, f.w, 0, exits);
      for (const e of exits) {
        let state = e.state;
        if (e.natted) state = dstSide ? { ...state, dstNatDone: true } : { ...state, srcNatDone: true };
        const verdict = e.verdict === 'return' ? b.policy : e.verdict;
        if (verdict === 'accept') next.push({ verdict: 'accept', state, w: e.w });
        else done.push({ verdict, state, w: e.w });
      }
    }
    flows = next;
  }
  // the nat core sets up a null binding once the hook's nat chains ran
  if (natRan) {
    flows = flows.map((f) =>
      (dstSide ? f.state.dstNatDone : f.state.srcNatDone)
        ? f
        : { ...f, state: dstSide ? { ...f.state, dstNatDone: true } : { ...f.state, srcNatDone: true } },
    );
  }
  return flows;
}

function destinationLocal(ev: Ev, s: FlowState): boolean {
  if (ev.space.mode === 'universal') return s.dnatAtom !== null ? false : ev.q.ask(DIM.dstLocal, [1, 1]);
  if (s.dnatAtom !== null) return contains(ev.space.local, s.dnatAtom);
  return ev.q.ask(DIM.dst, ev.space.local);
}

const loAtoms = new WeakMap<PacketSpace, number>();

const stateKey = (s: FlowState): string =>
  `${s.dnatIp}|${s.dnatPort}|${s.markKeep}|${s.markXor}|${s.masquerade}|${s.affinityWrites.join(',')}|${s.dstNatDone}|${s.srcNatDone}|${s.viaLoopback}`;

/** Everything after the first hook for one flow: routing and the remaining hooks. */
function afterFirstHook(ev: Ev, f: Leaf, viaInterface: boolean, out: Leaf[]): void {
  const done: Leaf[] = [];
  if (viaInterface) {
    if (destinationLocal(ev, f.state)) out.push(...runHook(ev, 'input', [f], done));
    else out.push(...runHook(ev, 'postrouting', runHook(ev, 'forward', [f], done), done));
  } else {
    for (const g of runHook(ev, 'postrouting', [f], done)) {
      if (!destinationLocal(ev, g.state)) {
        out.push(g);
        continue;
      }
      const back = { ...g, state: { ...g.state, viaLoopback: true } };
      out.push(...runHook(ev, 'input', runHook(ev, 'prerouting', [back], done), done));
    }
  }
  for (const d of done) out.push(d);
}

function afterFirstHookMemo(ev: Ev, memo: EvalMemo, f: Leaf, viaInterface: boolean, out: Leaf[]): void {
  const key = `${viaInterface ? 'a' : 'l'}|${stateKey(f.state)}`;
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

export function evaluateProgram(program: CProgram, q: ClassQuery, opts: EvalOptions): Leaf[] {
  const space = q.space;
  let loAtom = loAtoms.get(space);
  if (loAtom === undefined) {
    loAtom = interfaceAtomOf(space.interfaces, 'lo');
    loAtoms.set(space, loAtom);
  }
  const isNew = q.ask(DIM.ct, CT_NEW);
  const viaInterface = q.ask(DIM.path, [0, 0]);
  const ev: Ev = { p: program, q, space, isNew, trace: opts.trace, loAtom, results: [] };
  const start: FlowState = {
    dnatAtom: null,
    dnatIp: null,
    dnatPort: null,
    markKeep: 0xffffffff,
    markXor: 0,
    masquerade: 'none',
    affinityWrites: [],
    dstNatDone: !isNew,
    srcNatDone: !isNew,
    viaLoopback: false,
    trace: null,
  };
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

function verdictText(v: CVerdict): string {
  switch (v.kind) {
    case 'jump':
    case 'goto':
      return v.kind;
    case 'dnat':
      return `dnat to ${v.ip.includes(':') ? `[${v.ip}]` : v.ip}${v.port === null ? '' : `:${v.port}`}`;
    case 'masquerade':
      return v.fullyRandom ? 'masquerade (fully random)' : 'masquerade';
    case 'reject':
      return `reject (${v.with})`;
    default:
      return v.kind;
  }
}
