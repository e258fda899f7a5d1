// A chain's rules gathered run by run as the lines are read: iptables-save writes each chain's
// rules together, so a run is stored at its exact length when it ends (a chain's array never grows
// by push, which would leave room for ~17 rules in each of ~200,000 chains). Apart from lines.ts,
// which reads the lines: this is only how their rules are stored.
import type { Rule } from '../model/program.ts';
import type { ChainName } from './chain-names.ts';
import type { ChainState } from './chains.ts';

/**
 * The rules read since the current run of one chain's rules began: the first `count` entries of
 * reused arrays (never shortened, which would free and regrow them per run).
 */
export interface RuleRun {
  chain: ChainState | null;
  count: number;
  rules: Rule[];
  jumps: (ChainName | undefined)[];
  anyJump: boolean;
}

export const newRuleRun = (): RuleRun => ({ chain: null, count: 0, rules: [], jumps: [], anyJump: false });

/**
 * Add a rule to a chain. iptables-save writes each chain's rules together,
 * so rules are gathered run by run and stored at their exact length when the run ends (a chain's
 * array never grows by push, which would leave room for ~17 rules in each of ~200,000 chains).
 */
export function addRule(run: RuleRun, chain: ChainState, rule: Rule, jump: ChainName | undefined): void {
  if (run.chain !== chain) {
    endRun(run);
    run.chain = chain;
  }
  run.rules[run.count] = rule;
  run.jumps[run.count] = jump;
  run.count++;
  if (jump !== undefined) run.anyJump = true;
}

/** The index the next rule of `chain` gets. */
export function nextRuleIndex(run: RuleRun, chain: ChainState): number {
  return chain.rules.length + (run.chain === chain ? run.count : 0);
}

/** Store the current run's rules (and jumps) in its chain: before anything reads a chain's rules. */
export function endRun(run: RuleRun): void {
  const chain = run.chain;
  if (chain === null) return;
  const before = chain.rules.length;
  const n = run.count;
  // The first run is copied at its exact length; later runs (rules of chains written interleaved,
  // as in kube-proxy's filter table) are appended, which grows the array in amortized time.
  if (before === 0) chain.rules = run.rules.slice(0, n);
  else for (let i = 0; i < n; i++) chain.rules.push(run.rules[i]!);
  if (run.anyJump || chain.jumpTo !== null) {
    if (before === 0) chain.jumpTo = run.jumps.slice(0, n);
    else {
      const jumpTo = chain.jumpTo ?? new Array<ChainName | undefined>(before).fill(undefined);
      for (let i = 0; i < n; i++) jumpTo.push(run.jumps[i]);
      chain.jumpTo = jumpTo;
    }
  }
  run.chain = null;
  run.count = 0;
  run.anyJump = false;
}
