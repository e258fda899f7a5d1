// The reader's working state for tables, chains and rules, before the program is built.
import type { Diagnostic } from '../../common/diagnostics.ts';
import type { Origin, Rule } from '../model/program.ts';
import type { Table, Where } from './context.ts';

export const BUILTIN_CHAINS: Record<Table, readonly string[]> = {
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export interface RuleRecord {
  /** The rule as the program will hold it. */
  rule: Rule;
  /** What would make the rule unusable; reported only if the rule is kept (null: nothing). */
  errors: Diagnostic[] | null;
  notes: string[] | null;
  /** -j/-g to a user chain of the same table, by name (null: none, or the rule has errors). */
  jump: string | null;
  natTarget: 'dnat' | 'masquerade' | null;
  /** The chain `jump` names, once the rule is kept and the jump resolved (read.ts). */
  target: ChainState | null;
  /** The -j/-g name as written (also for a rule the grammar refused), for classifying builtin-chain rules. */
  targetName: string | null;
  /** Where the target name is: line offset and the token's columns (0-based; -1: unknown). */
  lineStart: number;
  targetStart: number;
  targetEnd: number;
}

export interface ChainState {
  table: Table;
  name: string;
  id: string;
  builtin: boolean;
  policy: 'accept' | 'drop';
  /** The declaration line (null: a builtin chain the file does not declare). */
  decl: Origin | null;
  rules: RuleRecord[];
  /** Reachability (read.ts): a bit per hook that reaches the chain (0: unreached). */
  hooks: number;
  /** Its kept rules were checked and their jumps resolved. */
  checked: boolean;
  /** Loop search state: 0 unseen, 1 on the current path, 2 done. */
  loop: number;
}

export const newChain = (table: Table, name: string, builtin: boolean, decl: Origin | null): ChainState => ({
  table,
  name,
  id: `${table}/${name}`,
  builtin,
  policy: 'accept',
  decl,
  rules: [],
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

/** Where a rule's target name is (for messages about its jump). */
export function targetWhere(file: string, rec: RuleRecord): Where {
  const line = rec.rule.origin.line;
  if (line === undefined || rec.targetStart < 0) return { file, span: null };
  return spanWhere(file, line, rec.lineStart, rec.targetStart, rec.targetEnd);
}

export function builtinChain(table: TableState, name: string): ChainState {
  let c = table.chains.get(name);
  if (!c) {
    c = newChain(table.name, name, true, null);
    table.chains.set(name, c);
  }
  return c;
}
