// The semantics of a compiled ruleset (docs/verifier.md §2): a packet's path through the hooks,
// base chains in priority order, rules, steps — yielding every way the packet can leave with its
// exact probability. It reads the packet only through a ClassQuery, so the same code evaluates one
// concrete packet (explain) or a whole class (verify: the class is split when a test divides it).
import type { Hook, Origin } from '../model/program.ts';
import type { CPart, CProgram, CStep, CTest, CVerdict, KeyIndex } from './compiled.ts';
import { type Dyadic, mul, ONE } from './dyadic.ts';
import { contains, type IntervalSet, isSubset, overlaps } from './intervals.ts';
import type { ClassQuery } from './query.ts';
import { CT_NEW, DIM, interfaceAtomOf, markAtoms, PORT_PROTOS } from './space.ts';

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

export function traceList(t: TraceNode | null): TraceEntry[] {
  const out: TraceEntry[] = [];
  for (let n = t; n; n = n.prev) out.push(n.entry);
  return out.reverse();
}

/** What a packet carries through the hooks besides its class. */
export interface FlowState {
  /** destination after DNAT (atom, text, port) */
  dnatAtom: number | null;
  dnatIp: string | null;
  dnatPort: number | null;
  /** mark = (initial & markKeep) ^ markXor */
  markKeep: number;
  markXor: number;
  masquerade: 'none' | 'masquerade' | 'masquerade-fully-random';
  affinityWrites: readonly string[];
  /** nat bindings initialised (per manip type) */
  dstNatDone: boolean;
  srcNatDone: boolean;
  /** re-entered through loopback (local path, local destination): input interface is lo */
  viaLoopback: boolean;
  trace: TraceNode | null;
}

export type FinalVerdict = 'accept' | 'drop' | 'reject' | `reject:${string}`;

export interface Leaf {
  verdict: FinalVerdict;
  state: FlowState;
  w: Dyadic;
}

type ChainExit = { verdict: 'accept' | 'return' | FinalVerdict; state: FlowState; w: Dyadic; natted: boolean };

export interface EvalOptions {
  trace: boolean;
}

const MAX_DEPTH = 64;

export class RulesetError extends Error {}

const T = 1;
const F = 0;
const AMBIG = 2;
const PORT_UNGUARDED = 3;

export function evaluateProgram(program: CProgram, q: ClassQuery, opts: EvalOptions): Leaf[] {
  const space = q.space;
  const loAtom = interfaceAtomOf(space.interfaces, 'lo');
  const isNew = q.ask(DIM.ct, CT_NEW);
  const viaInterface = q.ask(DIM.path, [0, 0]);

  const note = (s: FlowState, chain: string, rule: number, origin: Origin | null, what: string): FlowState =>
    opts.trace ? { ...s, trace: { entry: { chain, rule, origin, note: what }, prev: s.trace } } : s;

  const partValue = (p: CPart, s: FlowState): number => {
    if (p.dim === DIM.dst && s.dnatAtom !== null) return contains(p.set, s.dnatAtom) ? T : F;
    if (p.dim === DIM.dstLocal && s.dnatAtom !== null) return contains(p.set, 0) ? T : F; // universal: targets not local
    if (p.dim === DIM.dport && s.dnatPort !== null) return contains(p.set, s.dnatPort) ? T : F;
    if (p.dim === DIM.iif && s.viaLoopback) return contains(p.set, loAtom) ? T : F;
    if ((p.dim === DIM.dport || p.dim === DIM.sport) && !isSubset(q.set(DIM.proto), PORT_PROTOS)) {
      return overlaps(q.set(DIM.proto), PORT_PROTOS) ? PORT_UNGUARDED : PORT_UNGUARDED;
    }
    const r = q.probe(p.dim, p.set);
    return r === 1 ? T : r === 0 ? F : AMBIG;
  };

  /** Conjunction: false if any part is false for the whole class; split on the first undecided part. */
  const conj = (parts: readonly CPart[], s: FlowState): boolean => {
    let undecided = -1;
    let kind = T;
    for (let i = 0; i < parts.length; i++) {
      const v = partValue(parts[i]!, s);
      if (v === F) return false;
      if (v !== T && undecided < 0) {
        undecided = i;
        kind = v;
      }
    }
    if (undecided < 0) return true;
    if (kind === PORT_UNGUARDED) {
      if (overlaps(q.set(DIM.proto), PORT_PROTOS)) q.ask(DIM.proto, PORT_PROTOS); // splits
      throw new RulesetError('a port is tested without a protocol test before it (closed world: refused)');
    }
    const p = parts[undecided]!;
    q.ask(p.dim, p.set); // throws the split
    return true;
  };

  const markValue = (s: FlowState, mask: number, value: number): boolean => {
    const fixed = mask & ~s.markKeep;
    if (((s.markXor ^ value) & fixed) !== 0) return false;
    const free = (mask & s.markKeep) >>> 0;
    if (free === 0) return true;
    const want = ((value ^ s.markXor) & free) >>> 0;
    return q.ask(DIM.mark, markSet(free, want));
  };

  const markCache = new Map<string, IntervalSet>();
  const markSet = (mask: number, value: number): IntervalSet => {
    const k = `${mask} ${value}`;
    let v = markCache.get(k);
    if (!v) {
      v = markAtoms(space.marks, mask, value).flatMap((a) => [a, a]);
      markCache.set(k, v);
    }
    return v;
  };

  const testValue = (t: CTest, s: FlowState): boolean => {
    switch (t.kind) {
      case 'parts':
        return conj(t.parts, s);
      case 'mark':
        return markValue(s, t.mask, t.value);
      case 'ct':
        return isNew ? t.matchesNew || (t.dnat && s.dnatAtom !== null) : q.ask(DIM.ct, t.atoms);
      case 'affinity':
        return q.ask(t.dim, t.set);
      case 'member':
        return firstMatch(t.elements, t.index, s) >= 0;
    }
  };

  /** Index of the first element all of whose parts hold, or −1 (splitting when undecided). */
  const firstMatch = (elements: readonly (readonly CPart[])[], index: KeyIndex | null, s: FlowState): number => {
    for (const i of candidates(index, elements.length, s, 0)) if (conj(elements[i]!, s)) return i;
    return -1;
  };

  /** Item indices ≥ from that can match this class, ascending. */
  function* candidates(index: KeyIndex | null, count: number, s: FlowState, from: number): Generator<number> {
    if (!index) return yield* allFrom(from, count);
    const proto = q.pinned(DIM.proto);
    const port = s.dnatPort ?? q.pinned(DIM.dport);
    if (proto === undefined || port === undefined) return yield* allFrom(from, count);
    const pk = `${proto} ${port}`;
    const dst = s.dnatAtom ?? q.pinned(DIM.dst);
    const lists =
      dst === undefined
        ? [index.byPort.get(pk), index.general]
        : [index.full.get(`${dst} ${pk}`), index.portOnly.get(pk), index.general];
    yield* mergeFrom(lists, from);
  }

  const evalSteps = (
    chainName: string,
    ruleIndex: number,
    origin: Origin,
    steps: readonly CStep[],
    at: number,
    s: FlowState,
    w: Dyadic,
    depth: number,
  ): RuleResult[] => {
    let state = s;
    for (let i = at; i < steps.length; i++) {
      const step = steps[i]!;
      switch (step.kind) {
        case 'test':
          // effects already applied stay applied (an nft statement before a failing match has run)
          if (testValue(step.test, state) === step.negate) return [{ kind: 'nomatch', state, w }];
          break;
        case 'random': {
          const pick = note(state, chainName, ruleIndex, origin, `random choice taken (p = ${step.p.n}/2^${step.p.s})`);
          const taken = evalSteps(chainName, ruleIndex, origin, steps, i + 1, pick, mul(w, step.p), depth);
          return [...taken, { kind: 'nomatch', state, w: mul(w, step.q) }];
        }
        case 'numgen': {
          const out: RuleResult[] = [];
          for (const [k, b] of step.branches.entries()) {
            if (b.w.n === 0n) continue;
            const pick = note(state, chainName, ruleIndex, origin, `numgen branch ${k} (p = ${b.w.n}/2^${b.w.s})`);
            const rest = [...b.steps, ...steps.slice(i + 1)];
            out.push(...evalSteps(chainName, ruleIndex, origin, rest, 0, pick, mul(w, b.w), depth));
          }
          if (step.miss.n !== 0n) out.push({ kind: 'nomatch', state, w: mul(w, step.miss) });
          return out;
        }
        case 'dispatch': {
          const k = firstMatchElement(step, state);
          if (k < 0) return [{ kind: 'nomatch', state, w }];
          return evalSteps(
            chainName,
            ruleIndex,
            origin,
            [...step.elements[k]!.steps, ...steps.slice(i + 1)],
            0,
            state,
            w,
            depth,
          );
        }
        case 'mark':
          state = {
            ...state,
            markKeep: (state.markKeep & step.keep) >>> 0,
            markXor: ((state.markXor & step.keep) ^ step.xor) >>> 0,
          };
          break;
        case 'affinityWrite':
          state = state.affinityWrites.includes(step.list)
            ? state
            : { ...state, affinityWrites: [...state.affinityWrites, step.list] };
          break;
        case 'noop':
          break;
        case 'verdict':
          return [
            {
              kind: 'verdict',
              verdict: step.verdict,
              state: note(state, chainName, ruleIndex, origin, verdictText(step.verdict)),
              w,
            },
          ];
      }
    }
    return [{ kind: 'continue', state: note(state, chainName, ruleIndex, origin, 'matched'), w }];
  };

  const firstMatchElement = (step: Extract<CStep, { kind: 'dispatch' }>, s: FlowState): number => {
    for (const i of candidates(step.index, step.elements.length, s, 0)) if (conj(step.elements[i]!.parts, s)) return i;
    return -1;
  };

  /** Run chain `c` from rule `from`; 'return' = fell off the end or RETURN. */
  const runChain = (c: number, from: number, s: FlowState, w: Dyadic, depth: number): ChainExit[] => {
    if (depth > MAX_DEPTH) throw new RulesetError(`chain nesting deeper than ${MAX_DEPTH} (a jump cycle?)`);
    const chain = program.chains[c]!;
    const out: ChainExit[] = [];
    let state = s;
    let weight = w;
    const it = candidates(chain.index, chain.rules.length, state, from);
    for (let next = it.next(); !next.done; next = it.next()) {
      const r = next.value;
      const rule = chain.rules[r]!;
      const results = evalSteps(chain.name, r, rule.origin, rule.steps, 0, state, weight, depth);
      // the common case: one result that falls through to the next rule
      if (results.length === 1 && results[0]!.kind !== 'verdict') {
        state = results[0]!.state;
        weight = results[0]!.w;
        continue;
      }
      for (const res of results) {
        if (res.kind !== 'verdict') out.push(...runChain(c, r + 1, res.state, res.w, depth));
        else out.push(...applyVerdict(c, r, res.verdict, res.state, res.w, depth));
      }
      return out;
    }
    out.push({ verdict: 'return', state, w: weight, natted: false });
    return out;
  };

  const applyVerdict = (c: number, r: number, v: CVerdict, s: FlowState, w: Dyadic, depth: number): ChainExit[] => {
    switch (v.kind) {
      case 'accept':
      case 'drop':
        return [{ verdict: v.kind, state: s, w, natted: false }];
      case 'reject':
        return [{ verdict: v.with === 'port-unreachable' ? 'reject' : `reject:${v.with}`, state: s, w, natted: false }];
      case 'return':
        return [{ verdict: 'return', state: s, w, natted: false }];
      case 'jump':
        return runChain(v.chain, 0, s, w, depth + 1).flatMap((e) =>
          e.verdict === 'return' ? runChain(c, r + 1, e.state, e.w, depth) : [e],
        );
      case 'goto':
        return runChain(v.chain, 0, s, w, depth + 1);
      case 'dnat':
        return [
          {
            verdict: 'accept',
            state: { ...s, dnatAtom: v.atom, dnatIp: v.ip, dnatPort: v.port ?? q.pinned(DIM.dport) ?? null },
            w,
            natted: true,
          },
        ];
      case 'masquerade':
        return [
          {
            verdict: 'accept',
            state: { ...s, masquerade: v.fullyRandom ? 'masquerade-fully-random' : 'masquerade' },
            w,
            natted: true,
          },
        ];
    }
  };

  const manip = (h: Hook): 'dst' | 'src' => (h === 'prerouting' || h === 'output' ? 'dst' : 'src');

  /** Run every base chain of hook `h` over the live flows; drops and rejects are collected in `done`. */
  const runHook = (h: Hook, live: Leaf[], done: Leaf[]): Leaf[] => {
    const bases = program.hooks[h];
    let flows = live;
    const m = manip(h);
    for (const b of bases) {
      const next: Leaf[] = [];
      for (const f of flows) {
        const natDone = m === 'dst' ? f.state.dstNatDone : f.state.srcNatDone;
        if (b.type === 'nat' && (!isNew || natDone)) {
          next.push(f);
          continue;
        }
        for (const e of runChain(b.chain, 0, f.state, f.w, 0)) {
          let state = e.state;
          if (e.natted) state = m === 'dst' ? { ...state, dstNatDone: true } : { ...state, srcNatDone: true };
          const verdict = e.verdict === 'return' ? b.policy : e.verdict;
          if (verdict === 'accept') next.push({ verdict: 'accept', state, w: e.w });
          else done.push({ verdict, state, w: e.w });
        }
      }
      flows = next;
    }
    // the nat core sets up a null binding once the hook's nat chains ran
    if (isNew && bases.some((b) => b.type === 'nat')) {
      flows = flows.map((f) => ({
        ...f,
        state: m === 'dst' ? { ...f.state, dstNatDone: true } : { ...f.state, srcNatDone: true },
      }));
    }
    return flows;
  };

  const destinationLocal = (s: FlowState): boolean => {
    if (space.mode === 'universal') return s.dnatAtom !== null ? false : q.ask(DIM.dstLocal, [1, 1]);
    if (s.dnatAtom !== null) return contains(space.local, s.dnatAtom);
    return q.ask(DIM.dst, space.local);
  };

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
  const done: Leaf[] = [];
  const init: Leaf[] = [{ verdict: 'accept', state: start, w: ONE }];
  let accepted: Leaf[] = [];
  if (viaInterface) {
    for (const f of runHook('prerouting', init, done)) {
      if (destinationLocal(f.state)) accepted.push(...runHook('input', [f], done));
      else accepted.push(...runHook('postrouting', runHook('forward', [f], done), done));
    }
  } else {
    for (const f of runHook('postrouting', runHook('output', init, done), done)) {
      if (!destinationLocal(f.state)) {
        accepted.push(f);
        continue;
      }
      const back = { ...f, state: { ...f.state, viaLoopback: true } };
      accepted = accepted.concat(runHook('input', runHook('prerouting', [back], done), done));
    }
  }
  return [...accepted, ...done];
}

type RuleResult =
  | { kind: 'nomatch' | 'continue'; state: FlowState; w: Dyadic }
  | { kind: 'verdict'; verdict: CVerdict; state: FlowState; w: Dyadic };

function* allFrom(from: number, count: number): Generator<number> {
  for (let i = from; i < count; i++) yield i;
}

function* mergeFrom(lists: readonly (readonly number[] | undefined)[], from: number): Generator<number> {
  const pos = lists.map((l) => (l ? lowerBound(l, from) : 0));
  for (;;) {
    let best = -1;
    let bestValue = Number.POSITIVE_INFINITY;
    lists.forEach((l, i) => {
      if (l && pos[i]! < l.length && l[pos[i]!]! < bestValue) {
        bestValue = l[pos[i]!]!;
        best = i;
      }
    });
    if (best < 0) return;
    pos[best]!++;
    yield bestValue;
  }
}

function lowerBound(l: readonly number[], v: number): number {
  let lo = 0;
  let hi = l.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (l[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
