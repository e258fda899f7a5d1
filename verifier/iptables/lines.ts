// Reading the lines of one file into tables, chains and converted rules (the reader's first pass).
// Nothing here decides what is reachable: rules keep their problems until read.ts knows whether
// the rule is kept (a rule in an ignored chain may use anything).
import type { Diagnostic } from '../../common/diagnostics.ts';
import type { Origin, Step } from '../model/program.ts';
import { iptCodes } from './codes.ts';
import type { FamilyState, RuleContext, Table, Where } from './context.ts';
import { convertRule } from './convert.ts';
import { lineFailure } from './failure.ts';
import type { TargetResult } from './targets.ts';
import { cachedTemplate, type LineTemplate } from './template.ts';
import { type Tokens, tokenizeLine } from './tokenize.ts';
import { isBracketCounters } from './values.ts';

export const BUILTIN_CHAINS: Record<Table, readonly string[]> = {
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export interface RuleRecord extends TargetResult {
  origin: Origin;
  steps: Step[];
  /** What would make the rule unusable; reported only if the rule is kept. */
  errors: Diagnostic[];
  notes: string[] | null;
  /** The -j/-g name as written (also for a rule the grammar refused), for classifying builtin-chain rules. */
  targetName: string | null;
  /** The position of the target name (for messages about the jump). */
  targetWhere: Where | null;
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
}

export interface TableState {
  name: Table;
  line: number;
  /** Chains by name, in declaration order (builtins the file does not declare are added at the end). */
  chains: Map<string, ChainState>;
}

/** The state of one read, line after line. */
export interface LineReader {
  file: string;
  diagnostics: Diagnostic[];
  family: FamilyState;
  tables: Map<Table, TableState>;
  /** The open table block: a kept table, an ignored one (by name), or none. */
  open: { kind: 'kept'; table: TableState } | { kind: 'ignored'; name: string; line: number } | null;
  ignoredTables: { name: string; origin: Origin }[];
}

export function newLineReader(file: string, family: FamilyState): LineReader {
  return { file, diagnostics: [], family, tables: new Map(), open: null, ignoredTables: [] };
}

/** Positions of the tokens of one line (at = -1: the end of the line). */
function positions(file: string, line: number, lineStart: number, lineText: string, tokens: Tokens) {
  return (at: number): Where => {
    const s = at < 0 ? lineText.length : tokens.starts[at]!;
    const e = at < 0 ? lineText.length : tokens.ends[at]!;
    return {
      file,
      span: {
        start: { line, column: s + 1, offset: lineStart + s },
        end: { line, column: e + 1, offset: lineStart + e },
      },
    };
  };
}

const isKeptTable = (name: string): name is Table => name === 'nat' || name === 'filter';

const chainId = (table: Table, name: string): string => `${table}/${name}`;

export function builtinChain(table: TableState, name: string): ChainState {
  let c = table.chains.get(name);
  if (!c) {
    c = {
      table: table.name,
      name,
      id: chainId(table.name, name),
      builtin: true,
      policy: 'accept',
      decl: null,
      rules: [],
    };
    table.chains.set(name, c);
  }
  return c;
}

/**
 * Read one line. `lineNo` is 1-based; `assumed` marks a synthesized line (an assumed hook), which
 * has no position in the file.
 */
export function readLine(r: LineReader, lineText: string, lineNo: number, lineStart: number, assumed = false): void {
  if (lineText.trim() === '' || lineText.startsWith('#')) return;
  const origin: Origin = assumed
    ? { backend: 'iptables', file: r.file, text: lineText, assumed: true }
    : { backend: 'iptables', file: r.file, line: lineNo, text: lineText };
  if (r.open?.kind === 'ignored' && !lineText.startsWith('*')) {
    if (lineText.trim() === 'COMMIT') r.open = null;
    return;
  }
  const tokens = tokenizeLine(lineText);
  const pos = assumed ? () => ({ file: r.file, span: null }) : positions(r.file, lineNo, lineStart, lineText, tokens);
  if (tokens.unterminatedQuoteAt !== undefined) {
    const at = tokens.starts.findIndex(
      (s, i) => s <= tokens.unterminatedQuoteAt! && tokens.ends[i]! > tokens.unterminatedQuoteAt!,
    );
    r.diagnostics.push(iptCodes['ipt-unterminated-quote'](pos(at)));
    return;
  }
  const tpl = cachedTemplate(tokens);
  if (tpl.kind === 'failure') {
    const f = lineFailure(tpl, tokens);
    if (f.ruleChain >= 0 && r.open?.kind === 'kept') {
      const chain = ruleChain(r, r.open.table, tokens.texts[f.ruleChain]!, pos(f.ruleChain));
      if (chain) {
        chain.rules.push({
          origin,
          steps: [],
          errors: [f.diagnostic(pos)],
          notes: null,
          targetName: f.targetName === null ? null : tokens.texts[f.targetName]!,
          targetWhere: f.targetName === null ? null : pos(f.targetName),
          jump: null,
          natTarget: null,
        });
      }
      return;
    }
    r.diagnostics.push(f.diagnostic(pos));
    return;
  }
  applyTemplate(r, tpl, tokens, origin, lineNo, pos);
}

function ruleChain(r: LineReader, table: TableState, name: string, where: Where): ChainState | null {
  const c = table.chains.get(name) ?? (BUILTIN_CHAINS[table.name].includes(name) ? builtinChain(table, name) : null);
  if (!c) r.diagnostics.push(iptCodes['ipt-undeclared-chain'](where, name, table.name));
  return c;
}

function applyTemplate(
  r: LineReader,
  tpl: LineTemplate,
  tokens: Tokens,
  origin: Origin,
  lineNo: number,
  pos: (at: number) => Where,
): void {
  const text = (at: number) => tokens.texts[at]!;
  const structure = (at: number, detail: string) =>
    r.diagnostics.push(iptCodes['ipt-table-structure'](pos(at), detail));
  if (tpl.kind === 'table') {
    const name = text(tpl.name);
    if (r.open) structure(0, `table ${name} starts before the previous table's COMMIT`);
    if (!isKeptTable(name)) {
      r.ignoredTables.push({ name, origin });
      r.open = { kind: 'ignored', name, line: lineNo };
      return;
    }
    if (r.tables.has(name)) {
      structure(tpl.name, `table ${name} appears twice; iptables-restore would flush it between the two`);
    }
    const table: TableState = { name, line: lineNo, chains: new Map() };
    r.tables.set(name, table);
    r.open = { kind: 'kept', table };
    return;
  }
  if (tpl.kind === 'commit') {
    if (!r.open) structure(0, 'COMMIT without a table (*nat, *filter, ...) before it');
    r.open = null;
    return;
  }
  if (r.open?.kind !== 'kept') {
    structure(0, 'this line is outside a table; start one with *nat or *filter');
    return;
  }
  const table = r.open.table;
  if (tpl.kind === 'chain') {
    declareChain(r, table, tpl, tokens, origin, pos);
    return;
  }
  if (tpl.kind === 'delete-chain') {
    const name = text(tpl.chain);
    const c = table.chains.get(name);
    const problem =
      c === undefined
        ? `-X ${name}: no such chain in table ${table.name}`
        : c.builtin
          ? `-X ${name}: a builtin chain cannot be deleted`
          : c.rules.length > 0
            ? `-X ${name}: the chain still has rules (iptables deletes only empty chains)`
            : null;
    if (problem) r.diagnostics.push(iptCodes['ipt-delete-chain'](pos(tpl.chain), problem));
    else table.chains.delete(name);
    return;
  }
  const chain = ruleChain(r, table, text(tpl.chain), pos(tpl.chain));
  if (!chain) return;
  const ctx: RuleContext = {
    table: table.name,
    texts: tokens.texts,
    where: pos,
    line: lineNo,
    errors: [],
    fileErrors: r.diagnostics,
    family: r.family,
    protocol: null,
    notes: null,
  };
  const converted = convertRule(ctx, tpl);
  const t = tpl.targets[0];
  chain.rules.push({
    origin,
    steps: converted.steps,
    errors: ctx.errors,
    notes: ctx.notes,
    jump: converted.jump,
    natTarget: converted.natTarget,
    targetName: t === undefined ? null : text(t.name),
    targetWhere: t === undefined ? null : pos(t.name),
  });
}

function declareChain(
  r: LineReader,
  table: TableState,
  tpl: Extract<LineTemplate, { kind: 'chain' }>,
  tokens: Tokens,
  origin: Origin,
  pos: (at: number) => Where,
): void {
  const name = tokens.texts[tpl.name]!;
  const policy = tokens.texts[tpl.policy]!;
  const builtin = BUILTIN_CHAINS[table.name].includes(name);
  const existing = table.chains.get(name);
  if (existing?.decl) {
    r.diagnostics.push(iptCodes['ipt-duplicate-chain'](pos(tpl.name), name, table.name, existing.decl.line ?? 0));
    return;
  }
  if (tpl.counters !== null && !isBracketCounters(tokens.texts[tpl.counters]!)) {
    r.diagnostics.push(
      iptCodes['ipt-invalid-value'](
        pos(tpl.counters),
        'counters',
        tokens.texts[tpl.counters]!,
        'write [PACKETS:BYTES]',
      ),
    );
  }
  if (builtin) {
    if (policy !== 'ACCEPT' && policy !== 'DROP') {
      r.diagnostics.push(
        iptCodes['ipt-bad-policy'](
          pos(tpl.policy),
          `the policy of builtin chain ${name} must be ACCEPT or DROP, not '${policy}'`,
        ),
      );
    }
    const c = builtinChain(table, name);
    c.policy = policy === 'DROP' ? 'drop' : 'accept';
    c.decl = origin;
    return;
  }
  if (policy !== '-') {
    r.diagnostics.push(
      iptCodes['ipt-bad-policy'](
        pos(tpl.policy),
        `user chain ${name} has no policy: write ':${name} - [0:0]', not '${policy}'`,
      ),
    );
  }
  if (/^[-!]/.test(name)) {
    r.diagnostics.push(
      iptCodes['ipt-invalid-value'](pos(tpl.name), 'chain name', name, "must not start with '-' or '!'"),
    );
  }
  table.chains.set(name, {
    table: table.name,
    name,
    id: chainId(table.name, name),
    builtin: false,
    policy: 'accept',
    decl: origin,
    rules: [],
  });
}
