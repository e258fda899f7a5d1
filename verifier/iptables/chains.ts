// The reader's working state for tables, chains and rules, before the program is built.
import type { Diagnostic } from '../../common/diagnostics.ts';
import type { Rule } from '../model/program.ts';
import type { Table, Where } from './context.ts';

export const BUILTIN_CHAINS: Record<Table, readonly string[]> = {
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** What a few rules need besides their steps (most rules have none: a sparse array per chain). */
export interface RuleExtra {
  /** What would make the rule unusable; reported only if the rule is kept. */
  errors: Diagnostic[] | null;
  /** Facts the rule relies on that the model leaves out. */
  notes: string[] | null;
  /** The -j/-g name as written, for a rule the grammar refused (its steps are empty). */
  targetName: string | null;
}

export interface ChainState {
  table: Table;
  name: string;
  id: string;
  builtin: boolean;
  policy: 'accept' | 'drop';
  /** The declaration line (null: a builtin chain the file does not declare). */
  decl: { line: number; text: string } | null;
  /** The rules as the program will hold them. */
  rules: Rule[];
  /** Extras by rule index (null: no rule of the chain has any). */
  extras: (RuleExtra | undefined)[] | null;
  /** The chain each rule jumps to, once the chain is kept and its jumps resolved (read.ts). */
  targets: (ChainState | null)[] | null;
  /** Reachability (read.ts): a bit per hook that reaches the chain (0: unreached). */
  hooks: number;
  /** Its kept rules were checked and their jumps resolved. */
  checked: boolean;
  /** Loop search state: 0 unseen, 1 on the current path, 2 done. */
  loop: number;
}

export const newChain = (table: Table, name: string, builtin: boolean, decl: ChainState['decl']): ChainState => ({
  table,
  name,
  id: `${table}/${name}`,
  builtin,
  policy: 'accept',
  decl,
  rules: [],
  extras: null,
  targets: null,
  hooks: 0,
  checked: false,
  loop: 0,
});

export interface TableState {
  name: Table;
  line: number;
  /** Chains by name, in declaration order (builtins the file does not declare are added at the end). */
  chains: Map<string, ChainState>;
}

export function spanWhere(file: string, line: number, lineStart: number, s: number, e: number): Where {
  return {
    file,
    span: {
      start: { line, column: s + 1, offset: lineStart + s },
      end: { line, column: e + 1, offset: lineStart + e },
    },
  };
}

/** The id of the chain a rule jumps or goes to (its last step), or null. */
export function jumpOf(rule: Rule): string | null {
  const last = rule.steps[rule.steps.length - 1];
  return last?.kind === 'verdict' && (last.verdict.kind === 'jump' || last.verdict.kind === 'goto')
    ? last.verdict.chain
    : null;
}

/** The rule's NAT target (DNAT, MASQUERADE), from its verdict. */
export function natTargetOf(rule: Rule): 'dnat' | 'masquerade' | null {
  const last = rule.steps[rule.steps.length - 1];
  if (last?.kind !== 'verdict') return null;
  return last.verdict.kind === 'dnat' || last.verdict.kind === 'masquerade' ? last.verdict.kind : null;
}

const VERDICT_WORDS: Record<string, string> = {
  accept: 'ACCEPT',
  drop: 'DROP',
  reject: 'REJECT',
  return: 'RETURN',
  dnat: 'DNAT',
  masquerade: 'MASQUERADE',
};

/** What a rule's -j/-g names (a chain name or a target), for classifying builtin-chain rules. */
export function targetNameOf(c: ChainState, i: number): string | null {
  const extra = c.extras?.[i];
  if (extra?.targetName) return extra.targetName;
  const rule = c.rules[i]!;
  const jump = jumpOf(rule);
  if (jump !== null) return jump.slice(jump.indexOf('/') + 1);
  const last = rule.steps[rule.steps.length - 1];
  if (last?.kind === 'verdict') return VERDICT_WORDS[last.verdict.kind] ?? null;
  return rule.steps.some((s) => s.kind === 'mark') ? 'MARK' : null;
}

export function addExtra(c: ChainState, i: number, extra: RuleExtra): void {
  c.extras ??= [];
  c.extras[i] = extra;
}

export function builtinChain(table: TableState, name: string): ChainState {
  let c = table.chains.get(name);
  if (!c) {
    c = newChain(table.name, name, true, null);
    table.chains.set(name, c);
  }
  return c;
}
