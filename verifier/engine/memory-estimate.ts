// A check's memory grows with the square of one service port's endpoint count: each of its
// classes (a few per endpoint) holds a distribution over every endpoint. The distributions share
// their exact weights (chain-eval.ts, shared-steps.ts), so it is N² entries, no longer N² weights of
// 31·N bits each: 1,200 endpoints take 598 MiB, where they filled the default 4 GB heap until V8
// ended the process. Still refused first, with a reason, past what the heap can hold.
import { heapBudget, memoryText } from '../../common/heap-budget.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import type { Backend, NetfilterProgram, Step } from '../model/program.ts';
import { UnsupportedRuleset } from './unsupported.ts';

/**
 * Heap per endpoint squared of the largest service port, under what peak memory grows by (one
 * LoadBalancer with eTP=Local, 400 → 1,200 endpoints: 229 → 598 MiB peak, 303 B; a ClusterIP, 400 →
 * 800: 205 → 365 MiB, 349 B): refused only when it cannot fit (3,300 endpoints at the default heap).
 */
export const CHECK_BYTES_PER_ENDPOINT_SQUARED = 300;

/** What the largest choice among endpoints is found in: a model's service port, or an artifact's chain. */
export type LargestChoice =
  | { kind: 'service-port'; name: string; endpoints: number }
  | { kind: 'chain'; backend: Backend; chain: string; endpoints: number };

/** The choice as a refusal names it: "service port a/b:http has 1,200 endpoints". */
export function largestChoiceText(l: LargestChoice): string {
  const endpoints = `${l.endpoints.toLocaleString('en-US')} endpoints`;
  return l.kind === 'service-port'
    ? `service port ${l.name} has ${endpoints}`
    : `the ${l.backend} chain ${l.chain} chooses among ${endpoints}`;
}

/** What a check would take, beyond what the process may use (api/checked.ts says it as verify-too-large). */
export class CheckTooLarge extends UnsupportedRuleset {
  constructor(
    readonly largest: LargestChoice,
    readonly need: string,
    readonly budget: string,
  ) {
    super(`${largestChoiceText(largest)}: checking it would take about ${need}, more than ${budget}`);
  }
}

function refuseBeyond(largest: LargestChoice | null, budget: number): void {
  if (largest === null) return;
  const n = largest.endpoints;
  const need = n * n * CHECK_BYTES_PER_ENDPOINT_SQUARED;
  if (need <= budget) return;
  throw new CheckTooLarge(largest, memoryText(need), memoryText(budget));
}

/** Throws CheckTooLarge when `ir`'s largest service port cannot be checked in `budget` bytes. */
export function refuseOversizedCheck(ir: IRProgram, budget = heapBudget()): void {
  let largest: IRProgram['servicePorts'][number] | null = null;
  for (const sp of ir.servicePorts)
    if (largest === null || sp.endpoints.length > largest.endpoints.length) largest = sp;
  refuseBeyond(
    largest && { kind: 'service-port', name: largest.servicePortName, endpoints: largest.endpoints.length },
    budget,
  );
}

/**
 * The most endpoints one random choice of a ruleset picks among: a chain's statistic rules and the
 * rule that takes what they leave (iptables), or a numgen's branches (nft) — what a service port's
 * endpoints become in either backend.
 */
export function largestChoice(program: NetfilterProgram): LargestChoice | null {
  let largest: LargestChoice | null = null;
  const consider = (chain: string, endpoints: number) => {
    if (endpoints > (largest?.endpoints ?? 1)) largest = { kind: 'chain', backend: program.backend, chain, endpoints };
  };
  // Each numgen and each dispatch's elements once: the nft reader shares them among the rules that
  // read one map (hundreds of rules, 5.6 million visits at 10,000 services). A second visit, from
  // a later chain, finds no more endpoints than the first, which `consider` already kept.
  const walked = new Set<object>();
  const numgens = (chain: string, steps: readonly Step[]) => {
    for (const s of steps) {
      if (s.kind === 'numgen') {
        if (walked.has(s)) continue;
        walked.add(s);
        consider(chain, s.branches.length);
        for (const b of s.branches) numgens(chain, b.steps);
      } else if (s.kind === 'dispatch') {
        if (walked.has(s.elements)) continue;
        walked.add(s.elements);
        for (const e of s.elements) numgens(chain, e.steps);
      }
    }
  };
  for (const chain of program.chains.values()) {
    let randoms = 0;
    for (const rule of chain.rules) {
      if (rule.steps.some((s) => s.kind === 'random')) randoms++;
      numgens(chain.name, rule.steps);
    }
    if (randoms > 0) consider(chain.name, randoms + 1);
  }
  return largest;
}

/**
 * Throws CheckTooLarge when the rulesets make a random choice among more endpoints than `budget`
 * bytes can check: every check counts them, as a ruleset from a node may choose among more
 * endpoints than the model it is checked against has (or there is no model).
 */
export function refuseOversizedArtifacts(programs: readonly NetfilterProgram[], budget = heapBudget()): void {
  let largest: LargestChoice | null = null;
  for (const p of programs) {
    const l = largestChoice(p);
    if (l !== null && (largest === null || l.endpoints > largest.endpoints)) largest = l;
  }
  refuseBeyond(largest, budget);
}
