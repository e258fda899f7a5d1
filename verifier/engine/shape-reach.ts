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
import { keepPlace, keptPlace, type RuleSlots, ruleSlots, slotsFor, TokenBuffer } from './shape-tables.ts';

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

function addActions(r: ReachSummaries, steps: readonly CStep[], inBranch: boolean, out: TokenBuffer): void {
  for (const s of steps) {
    if (s.kind === 'verdict') {
      const v = s.verdict;
      if (v.kind === 'jump' || v.kind === 'goto') action(out, ACTION.chain, v.chain, 0);
      else if (v.kind === 'dnat') action(out, inBranch ? ACTION.branchDnat : ACTION.dnat, v.atom, v.port ?? -1);
    } else if (s.kind === 'dispatch') {
      r.dispatches.push(s);
      action(out, ACTION.dispatch, r.dispatches.length - 1, 0);
    } else if (s.kind === 'numgen') for (const b of s.branches) addActions(r, b.steps, true, out);
  }
}

function action(out: TokenBuffer, kind: number, a: number, b: number): void {
  out.push(kind);
  out.push(a);
  out.push(b);
}

/** A summary of the steps lists `write` adds, in the pool: its place. */
function summary(r: ReachSummaries, write: (out: TokenBuffer) => void): number {
  const place = r.pool.length;
  r.pool.push(0);
  write(r.pool);
  r.pool.data[place] = (r.pool.length - place - 1) / 3;
  return place;
}

/** The place of the summary of every rule of a chain, in order. */
export function chainSummary(r: ReachSummaries, program: CProgram, chain: number): number {
  const slots = slotsFor(r.chains, program, program.chains.length);
  const kept = keptPlace(slots, chain);
  if (kept !== undefined) return kept;
  const { rules } = program.chains[chain]!;
  return keepPlace(
    slots,
    chain,
    summary(r, (out) => {
      for (const rule of rules) addActions(r, rule.steps, false, out);
    }),
  );
}

/** The place of the summary of one rule. */
export function ruleSummary(r: ReachSummaries, program: CProgram, chain: number, rule: number): number {
  const p = ruleSlots(r.rules, program);
  return stepsSummary(r, p.slots, p.start[chain]! + rule, program.chains[chain]!.rules[rule]!.steps);
}

/** The place of the summary of a dispatch element's steps. */
export function elementSummary(r: ReachSummaries, s: DispatchStep, item: number): number {
  return stepsSummary(r, slotsFor(r.elements, s.elements, s.elements.length), item, s.elements[item]!.steps);
}

/** The place of the summary of one steps list kept in slot `i`, made on first use. */
function stepsSummary(r: ReachSummaries, slots: Int32Array, i: number, steps: readonly CStep[]): number {
  const kept = keptPlace(slots, i);
  if (kept !== undefined) return kept;
  return keepPlace(
    slots,
    i,
    summary(r, (out) => addActions(r, steps, false, out)),
  );
}
