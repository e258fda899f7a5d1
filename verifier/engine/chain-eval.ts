// The semantics of one chain of a compiled ruleset (docs/verifier.md §2): its rules in order, each
// rule's steps left to right (tests, random draws, lookups that branch, mark and affinity effects,
// verdicts), jumps and gotos into other chains. Every way a flow can leave the chain is pushed with
// its exact probability; a test that divides the class splits it (ClassQuery; what a test answers
// is rule-tests.ts). The hooks and the routing between them are netfilter-eval.ts. Written for
// speed: one context object per evaluation, results pushed into arrays, no closures or generators
// on the hot path (a chain runs for every class).
import type { Origin } from '../model/program.ts';
import { candidates, lowerBound } from './candidates.ts';
import { BY_DESTINATION, type CProgram, type CStep, type CVerdict } from './compiled.ts';
import { type Dyadic, mul } from './dyadic.ts';
import { type FinalVerdict, type FlowState, flowWith } from './flow.ts';
import { point } from './intervals.ts';
import { sourceMasqueraded } from './masqueraded-source.ts';
import type { ClassQuery } from './query.ts';
import { dispatchElement, RulesetError, testValue } from './rule-tests.ts';
import { dnattedState, markedState, type PortedDispatch, portedDnat, randomWeights } from './shared-steps.ts';
import { DIM, type PacketSpace } from './space.ts';

const MAX_DEPTH = 64;

/** A rule's remaining steps; `next` continues after a dispatch/numgen branch's own steps. */
interface Cursor {
  steps: readonly CStep[];
  at: number;
  next: Cursor | null;
}

export interface Ev {
  p: CProgram;
  q: ClassQuery;
  space: PacketSpace;
  isNew: boolean;
  trace: boolean;
  loAtom: number;
}

interface RuleResult {
  /** 0 no match (continue with the next rule), 1 fell through after effects, 2 verdict */
  kind: 0 | 1 | 2;
  verdict: CVerdict | null;
  state: FlowState;
  w: Dyadic;
}

/**
 * runChain's scratch arrays, by depth, for every evaluation: one evaluation runs at a time, and a
 * run reads its array only between filling it and taking its forks out (an evaluation's own arrays
 * were most of what a class allocated that did not outlive it).
 */
const RESULTS_BY_DEPTH: RuleResult[][] = [];

/** runChain's placeholder at the head of its results array (see there). */
const NO_RESULT: RuleResult = { kind: 0, verdict: null, state: null as unknown as FlowState, w: { n: 0n, s: 0 } };

export interface ChainExit {
  verdict: 'accept' | 'return' | FinalVerdict;
  state: FlowState;
  w: Dyadic;
  natted: boolean;
}

function note(ev: Ev, s: FlowState, chain: string, rule: number, origin: Origin | null, what: string): FlowState {
  return ev.trace ? flowWith(s, { trace: { entry: { chain, rule, origin, note: what }, prev: s.trace } }) : s;
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
          const ws = randomWeights(step, w);
          evalSteps(ev, chain, rule, origin, steps, i + 1, next, pick, ws.taken, out);
          out.push({ kind: 0, verdict: null, state, w: ws.rest });
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
            // the element's DNAT takes the port the statement gives
            const verdict = portedDnat(step as PortedDispatch, k);
            const s = ev.trace ? note(ev, state, chain, rule, origin, verdictText(verdict)) : state;
            out.push({ kind: 2, verdict, state: s, w });
            return;
          }
          evalSteps(ev, chain, rule, origin, step.elements[k]!.steps, 0, { steps, at: i + 1, next }, state, w, out);
          return;
        }
        case 'mark':
          state = markedState(step, state);
          break;
        case 'affinityWrite':
          if (sourceMasqueraded(state)) {
            throw new RulesetError('an affinity record written after MASQUERADE rewrote the source (not modelled)');
          }
          if (state.dnatAtom !== null && step.list.endsWith(BY_DESTINATION)) {
            throw new RulesetError(
              'an affinity record of the destination written after DNAT changed it (not modelled)',
            );
          }
          if (!state.affinityWrites.includes(step.list)) {
            state = flowWith(state, { affinityWrites: [...state.affinityWrites, step.list] });
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
export function runChain(
  ev: Ev,
  c: number,
  from: number,
  s: FlowState,
  w: Dyadic,
  depth: number,
  out: ChainExit[],
): void {
  if (depth > MAX_DEPTH) throw new RulesetError(`chain nesting deeper than ${MAX_DEPTH} (a jump cycle?)`);
  const chain = ev.p.chains[c]!;
  let state = s;
  let weight = w;
  const cands = candidates(ev.q, chain.index, chain.rules.length, state.dnatPort, state.dnatAtom);
  // one results array per depth, reused: a fork below copies what it keeps before recursing. Its
  // first element is a placeholder that is never read: V8 gives an array cut to length 0 a fresh,
  // empty store, so every rule's first push allocated a new one (most of the evaluation's arrays).
  const results = (RESULTS_BY_DEPTH[depth] ??= [NO_RESULT]);
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
    results.length = 1;
    evalSteps(ev, chain.name, r, rule.origin, rule.steps, at, null, state, weight, results);
    // the common case: one result that falls through to the next rule
    if (results.length === 2 && results[1]!.kind !== 2) {
      state = results[1]!.state;
      weight = results[1]!.w;
      continue;
    }
    // the forks run chains at this depth, which reuse the array: what they need is taken first
    // (two results, a random draw's, without an array of their own)
    const tail = results[results.length - 1]!;
    if (results.length === 3) {
      forkOn(ev, c, r, results[1]!, depth, out);
    } else {
      const forks = results.slice(1, -1);
      for (let k = 0; k < forks.length; k++) forkOn(ev, c, r, forks[k]!, depth, out);
    }
    if (tail.kind === 2) {
      applyVerdict(ev, c, r, tail.verdict!, tail.state, tail.w, depth, out);
      return;
    }
    // A last fork that falls through (a statistic rule not taken) goes on here rather than in a
    // call of its own: a service's chain of 4,000 statistic rules nested 4,000 calls and overflowed
    // the stack. The candidates stay those of this state (no DNAT happened in a rule that falls through).
    if (tail.state.dnatPort !== state.dnatPort || tail.state.dnatAtom !== state.dnatAtom) {
      runChain(ev, c, r + 1, tail.state, tail.w, depth, out);
      return;
    }
    state = tail.state;
    weight = tail.w;
  }
  out.push({ verdict: 'return', state, w: weight, natted: false });
}

/** A fork of a rule that is not the rule's last result: its own way through the rest of the chain. */
function forkOn(ev: Ev, c: number, r: number, res: RuleResult, depth: number, out: ChainExit[]): void {
  if (res.kind !== 2) runChain(ev, c, r + 1, res.state, res.w, depth, out);
  else applyVerdict(ev, c, r, res.verdict!, res.state, res.w, depth, out);
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
      // to the packet's own address and port: the tuple stays, and so does the DNAT status (none)
      const identity = ev.q.ask(DIM.dst, point(v.atom)) && (v.port === null || ev.q.ask(DIM.dport, [v.port, v.port]));
      out.push({ verdict: 'accept', state: dnattedState(v, s, port, identity), w, natted: true });
      return;
    }
    case 'masquerade':
      out.push({
        verdict: 'accept',
        state: flowWith(s, { masquerade: v.fullyRandom ? 'masquerade-fully-random' : 'masquerade' }),
        w,
        natted: true,
      });
      return;
  }
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
