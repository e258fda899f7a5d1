// What walking a steps list can reach, for shard bodies' reach (shape-program.ts): every body
// walks the chains it reaches, and most are walked by many bodies (the shared chains by all of
// them, a service's by each of its keys). What a walk does does not depend on the body — which
// chains it jumps or goes to, which DNAT targets it adds as key contexts, which dispatches it
// meets, in step order — so it is summarised once per check: a chain's rules (of a chain without
// a key index, all of which every walk reaches), a rule's, or a dispatch element's.
//
// A summary is a place in one pool of numbers: its count of actions, then each action's kind and
// two values.
import type { CProgram, CStep } from './compiled.ts';
import type { DispatchStep } from './shape-steps.ts';
import { keepPlace, keptPlace, type RuleSlots, ruleSlots, TokenBuffer } from './shape-tables.ts';

/** An action's kind. */
export const ACTION = {
  /** jump or goto: the chain */
  chain: 0,
  /** DNAT: the target's atom and port (-1: the shard's port), a dispatch's port taking precedence */
  dnat: 1,
  /** DNAT in a numgen branch: the target's atom and port (-1: the shard's port), as written */
  branchDnat: 2,
  /** a dispatch: its place in `dispatches` */
  dispatch: 3,
} as const;

/**
 * Per program, reused by every body's reach (shape-program.ts): which chains this body reached
 * (stamped with the body's count), their numbers, and how many contexts each was offered.
 */
export interface ChainMarks {
  body: number;
  stamp: Int32Array;
  number: Int32Array;
  offered: Int32Array;
}

/** The program's chain marks, for one more body. */
export function nextBodyMarks(all: Map<CProgram, ChainMarks>, program: CProgram): ChainMarks {
  let m = all.get(program);
  if (m === undefined) {
    const n = program.chains.length;
    m = { body: 0, stamp: new Int32Array(n), number: new Int32Array(n), offered: new Int32Array(n) };
    all.set(program, m);
  }
  m.body++;
  return m;
}

export interface ReachSummaries {
  pool: TokenBuffer;
  dispatches: DispatchStep[];
  /** per program: each chain's summary's place (keptPlace, shape-tables.ts) */
  chains: Map<CProgram, Int32Array>;
  /** per program: each rule's summary's place */
  rules: Map<CProgram, RuleSlots>;
  /** per dispatch's elements (shared by a map's ported dispatches): each element's summary's place */
  elements: Map<DispatchStep['elements'], Int32Array>;
}

export const reachSummaries = (): ReachSummaries => ({
  pool: new TokenBuffer(),
  dispatches: [],
  chains: new Map(),
  rules: new Map(),
  elements: new Map(),
});

function addActions(r: ReachSummaries, steps: readonly CStep[], inBranch: boolean, out: number[]): void {
  for (const s of steps) {
    if (s.kind === 'verdict') {
      const v = s.verdict;
      if (v.kind === 'jump' || v.kind === 'goto') out.push(ACTION.chain, v.chain, 0);
      else if (v.kind === 'dnat') out.push(inBranch ? ACTION.branchDnat : ACTION.dnat, v.atom, v.port ?? -1);
    } else if (s.kind === 'dispatch') {
      r.dispatches.push(s);
      out.push(ACTION.dispatch, r.dispatches.length - 1, 0);
    } else if (s.kind === 'numgen') for (const b of s.branches) addActions(r, b.steps, true, out);
  }
}

function pooled(r: ReachSummaries, out: readonly number[]): number {
  const place = r.pool.length;
  r.pool.push(out.length / 3);
  for (const n of out) r.pool.push(n);
  return place;
}

/** The place of the summary of every rule of a chain, in order. */
export function chainSummary(r: ReachSummaries, program: CProgram, chain: number): number {
  let slots = r.chains.get(program);
  if (slots === undefined) r.chains.set(program, (slots = new Int32Array(program.chains.length)));
  const kept = keptPlace(slots, chain);
  if (kept !== undefined) return kept;
  const out: number[] = [];
  for (const rule of program.chains[chain]!.rules) addActions(r, rule.steps, false, out);
  return keepPlace(slots, chain, pooled(r, out));
}

/** The place of the summary of one rule. */
export function ruleSummary(r: ReachSummaries, program: CProgram, chain: number, rule: number): number {
  const p = ruleSlots(r.rules, program);
  const i = p.start[chain]! + rule;
  const kept = keptPlace(p.slots, i);
  if (kept !== undefined) return kept;
  const out: number[] = [];
  addActions(r, program.chains[chain]!.rules[rule]!.steps, false, out);
  return keepPlace(p.slots, i, pooled(r, out));
}

/** The place of the summary of a dispatch element's steps. */
export function elementSummary(r: ReachSummaries, s: DispatchStep, item: number): number {
  let slots = r.elements.get(s.elements);
  if (slots === undefined) r.elements.set(s.elements, (slots = new Int32Array(s.elements.length)));
  const kept = keptPlace(slots, item);
  if (kept !== undefined) return kept;
  const out: number[] = [];
  addActions(r, s.elements[item]!.steps, false, out);
  return keepPlace(slots, item, pooled(r, out));
}
