// The reader's working state for tables, chains and rules, before the program is built.
import type { Diagnostic } from '../../common/diagnostics.ts';
import type { Rule } from '../model/program.ts';
import { type ChainName, type ChainNames, chainNameAt, findChainName } from './chain-names.ts';
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
  /** The table block it was declared in (a table read twice gets new chains). */
  owner: TableState;
  /** Not deleted (-X). */
  live: boolean;
  name: string;
  id: string;
  builtin: boolean;
  policy: 'accept' | 'drop';
  /** The declaration's line number (0: a builtin chain the file does not declare), start and end in the input. */
  declLine: number;
  declStart: number;
  declEnd: number;
  /** The rules as the program will hold them. */
  rules: Rule[];
  /** Extras by rule index (null: no rule of the chain has any). */
  extras: (RuleExtra | undefined)[] | null;
  /** The name each rule jumps or goes to, by rule index (null: no rule jumps). */
  jumpTo: (ChainName | undefined)[] | null;
  /** The NAT targets its rules use (NAT_BITS), which reached-chains.ts checks against the hooks that reach it. */
  natTargets: number;
  /** The chain each rule jumps to, once the chain is kept and its jumps resolved (reached-chains.ts; null: none). */
  targets: (ChainState | null)[] | null;
  /** Reachability (reached-chains.ts): a bit per hook that reaches the chain (0: unreached). */
  hooks: number;
  /** Its kept rules were checked and their jumps resolved. */
  checked: boolean;
  /** Loop search state: 0 unseen, 1 on the current path, 2 done. */
  loop: number;
}

/** Add a chain to the table under the name `entry` (a new declaration, or a builtin). */
export function addChain(table: TableState, entry: ChainName, builtin: boolean): ChainState {
  const c: ChainState = {
    table: table.name,
    owner: table,
    live: true,
    name: entry.name,
    id: entry.id,
    builtin,
    policy: 'accept',
    declLine: 0,
    declStart: 0,
    declEnd: 0,
    rules: [],
    extras: null,
    jumpTo: null,
    natTargets: 0,
    targets: null,
    hooks: 0,
    checked: false,
    loop: 0,
  };
  entry.chain = c;
  table.order.push(c);
  return c;
}

export interface TableState {
  name: Table;
  line: number;
  /** The table's chain names (shared by every block of this table in the file). */
  names: ChainNames;
  /**
   * Chains in declaration order (builtins the file does not declare are added at the end),
   * deleted ones included (not live): use liveChains.
   */
  order: ChainState[];
}

/** The live chain of the table that has this name entry, or null. */
export function chainOf(table: TableState, entry: ChainName | null): ChainState | null {
  const c = entry?.chain ?? null;
  return c !== null && c.owner === table && c.live ? c : null;
}

/** The live chain named `name`, or null. */
export const findChain = (table: TableState, name: string): ChainState | null =>
  chainOf(table, findChainName(table.names, name, 0, name.length));

/** The table's live chains, in order. */
export const liveChains = (table: TableState): ChainState[] => table.order.filter((c) => c.live);

/**
 * The place of [s, e) on the line starting at `lineStart` (offsets in UTF-16 units from the line's
 * start). Columns count code points, as every span's do: given the text, a character outside the
 * BMP before them counts once (an emoji in a comment would otherwise push the caret right).
 */
export function spanWhere(file: string, line: number, lineStart: number, s: number, e: number, text?: string): Where {
  const column = (k: number): number => {
    let c = k + 1;
    if (text !== undefined)
      for (let i = lineStart; i < lineStart + k; i++) {
        const u = text.charCodeAt(i);
        if (u >= 0xdc00 && u <= 0xdfff) c--;
      }
    return c;
  };
  return {
    file,
    span: {
      start: { line, column: column(s), offset: lineStart + s },
      end: { line, column: column(e), offset: lineStart + e },
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

/** A bit per NAT target, for ChainState.natTargets. */
export const NAT_BITS = { dnat: 1, masquerade: 2 } as const;

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
  const entry = chainNameAt(table.names, name, 0, name.length);
  return chainOf(table, entry) ?? addChain(table, entry, true);
}

/**
 * Rule errors for which iptables-restore (or the kernel, for REJECT tcp-reset) refuses the whole
 * text wherever the rule stands (measured with iptables 1.8.9). A chain no hook reaches is not
 * judged, so its other errors — what the verifier cannot model, a value iptables reads otherwise,
 * a target it does not know — are not reported; these are: the text could never be loaded.
 */
const REFUSED_ANYWHERE: ReadonlySet<string> = new Set([
  'ipt-protocol-required',
  'ipt-duplicate-option',
  'ipt-intrapositioned-negation',
]);

/** The errors of a chain's rules for which iptables-restore refuses the text, reached or not. */
export function refusedAnywhere(c: ChainState): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (c.extras === null) return out;
  for (const extra of c.extras) for (const d of extra?.errors ?? []) if (REFUSED_ANYWHERE.has(d.code)) out.push(d);
  return out;
}
