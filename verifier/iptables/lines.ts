// Reading the lines of one file into tables, chains and converted rules (the reader's first pass).
// Nothing here decides what is reachable: rules keep their problems until read.ts knows whether
// the rule is kept (a rule in an ignored chain may use anything).
//
// Built for 800,000-line dumps: one Tokens buffer and one RuleContext are reused from line to
// line, positions are computed only when a diagnostic needs one, and identical steps are shared.
import type { Diagnostic } from '../../common/diagnostics.ts';
import type { Origin, Rule } from '../model/program.ts';
import { addExtra, BUILTIN_CHAINS, builtinChain, type ChainState, spanWhere, type TableState } from './chains.ts';
import { iptCodes } from './codes.ts';
import { type FamilyState, newSharedSteps, type RuleContext, type Table, type Where } from './context.ts';
import { convertRule } from './convert.ts';
import { lineFailure } from './failure.ts';
import { declareChain, deleteChain } from './structure.ts';
import { cachedTemplate, type LineTemplate } from './template.ts';
import { newTokens, type Tokens, tokenizeLine } from './tokenize.ts';

/** The state of one read, line after line. */
export interface LineReader {
  file: string;
  diagnostics: Diagnostic[];
  family: FamilyState;
  tables: Map<Table, TableState>;
  /** The open table block: a kept table, an ignored one (by name), or none. */
  open: { kind: 'kept'; table: TableState } | { kind: 'ignored'; name: string; line: number } | null;
  ignoredTables: { name: string; origin: Origin }[];
  /** The whole input, and where each line starts (computed when a message needs it). */
  text: string;
  lineStarts: number[] | null;
  /** The chain of the previous rule line. */
  lastChain: ChainState | null;
  /** The line being read (positions are computed from it on demand). */
  cur: { lineNo: number; lineStart: number; lineText: string; assumed: boolean };
  tokens: Tokens;
  ctx: RuleContext;
}

/** The position of token `at` of the current line (-1: its end). */
function whereInLine(r: LineReader, at: number): Where {
  const { lineNo, lineStart, lineText, assumed } = r.cur;
  if (assumed) return { file: r.file, span: null };
  const s = at < 0 ? lineText.length : r.tokens.starts[at]!;
  const e = at < 0 ? lineText.length : r.tokens.ends[at]!;
  return spanWhere(r.file, lineNo, lineStart, s, e);
}

export function newLineReader(file: string, family: FamilyState, text: string): LineReader {
  const r: LineReader = {
    file,
    diagnostics: [],
    family,
    tables: new Map(),
    open: null,
    ignoredTables: [],
    text,
    lineStarts: null,
    lastChain: null,
    cur: { lineNo: 0, lineStart: 0, lineText: '', assumed: false },
    tokens: newTokens(),
    ctx: {
      table: 'filter',
      texts: [],
      where: (at) => whereInLine(r, at),
      line: 0,
      errors: [],
      fileErrors: [],
      family,
      protocol: null,
      notes: null,
      shared: newSharedSteps(),
    },
  };
  r.ctx.fileErrors = r.diagnostics;
  return r;
}

/**
 * Read one line. `lineNo` is 1-based; `assumed` marks a synthesized line (an assumed hook), which
 * has no position in the file.
 */
export function readLine(r: LineReader, lineText: string, lineNo: number, lineStart: number, assumed = false): void {
  const c0 = lineText.charCodeAt(0);
  if (c0 === 35 /* # */ || lineText.trim() === '') return;
  if (r.open?.kind === 'ignored' && c0 !== 42 /* * */) {
    if (lineText.trim() === 'COMMIT') r.open = null;
    return;
  }
  r.cur.lineNo = lineNo;
  r.cur.lineStart = lineStart;
  r.cur.lineText = lineText;
  r.cur.assumed = assumed;
  const tokens = tokenizeLine(lineText, r.tokens);
  if (tokens.unterminatedQuoteAt >= 0) {
    let at = tokens.count - 1;
    while (at > 0 && tokens.starts[at]! > tokens.unterminatedQuoteAt) at--;
    r.diagnostics.push(iptCodes['ipt-unterminated-quote'](whereInLine(r, at)));
    return;
  }
  const tpl = cachedTemplate(tokens);
  if (tpl.kind !== 'failure') {
    applyTemplate(r, tpl);
    return;
  }
  const origin = originOf(r);
  const f = lineFailure(tpl, tokens);
  const diagnostic = f.diagnostic((at) => whereInLine(r, at));
  if (f.ruleChain < 0 || r.open?.kind !== 'kept') {
    r.diagnostics.push(diagnostic);
    return;
  }
  const chain = ruleChain(r, r.open.table, f.ruleChain);
  if (!chain) return;
  const t = f.targetName;
  addExtra(chain, chain.rules.length, {
    errors: [diagnostic],
    notes: null,
    targetName: t === null ? null : tokens.texts[t]!,
  });
  chain.rules.push({ origin, steps: [] });
}

function ruleChain(r: LineReader, table: TableState, at: number): ChainState | null {
  const name = r.tokens.texts[at]!;
  // Rules of one chain usually come together (iptables-save groups them): skip the map lookup.
  const last = r.lastChain;
  if (last !== null && last.table === table.name && last.name === name) return last;
  const c = table.chains.get(name) ?? (BUILTIN_CHAINS[table.name].includes(name) ? builtinChain(table, name) : null);
  r.lastChain = c;
  if (!c) r.diagnostics.push(iptCodes['ipt-undeclared-chain'](whereInLine(r, at), name, table.name));
  return c;
}

const OUTSIDE = 'this line is outside a table; start one with *nat or *filter';

function structure(r: LineReader, at: number, detail: string): void {
  r.diagnostics.push(iptCodes['ipt-table-structure'](whereInLine(r, at), detail));
}

const isKeptTable = (name: string): name is Table => name === 'nat' || name === 'filter';

/** The current line's origin (made only for what keeps one: rules and table lines). */
function originOf(r: LineReader): Origin {
  const { lineNo, lineText, assumed } = r.cur;
  return assumed
    ? { backend: 'iptables', file: r.file, text: lineText, assumed: true }
    : { backend: 'iptables', file: r.file, line: lineNo, text: lineText };
}

function applyTemplate(r: LineReader, tpl: LineTemplate): void {
  const texts = r.tokens.texts;
  if (tpl.kind === 'rule') {
    if (r.open?.kind !== 'kept') {
      structure(r, 0, OUTSIDE);
      return;
    }
    const chain = ruleChain(r, r.open.table, tpl.chain);
    if (chain) convertLine(r, chain, tpl, originOf(r));
    return;
  }
  r.lastChain = null; // a new table or a deleted chain: the previous rule's chain may be gone
  if (tpl.kind === 'table') {
    const name = texts[tpl.name]!;
    if (r.open) structure(r, 0, `table ${name} starts before the previous table's COMMIT`);
    if (!isKeptTable(name)) {
      r.ignoredTables.push({ name, origin: originOf(r) });
      r.open = { kind: 'ignored', name, line: r.cur.lineNo };
      return;
    }
    if (r.tables.has(name)) {
      structure(r, tpl.name, `table ${name} appears twice; iptables-restore would flush it between the two`);
    }
    const table: TableState = { name, line: r.cur.lineNo, chains: new Map() };
    r.tables.set(name, table);
    r.open = { kind: 'kept', table };
    return;
  }
  if (tpl.kind === 'commit') {
    if (!r.open) structure(r, 0, 'COMMIT without a table (*nat, *filter, ...) before it');
    r.open = null;
    return;
  }
  if (r.open?.kind !== 'kept') {
    structure(r, 0, OUTSIDE);
    return;
  }
  const where = (at: number) => whereInLine(r, at);
  if (tpl.kind === 'chain') {
    declareChain(r.open.table, tpl, texts, { line: r.cur.lineNo, text: r.cur.lineText }, where, r.diagnostics);
  } else deleteChain(r.open.table, tpl, texts, where, r.diagnostics);
}

function convertLine(r: LineReader, chain: ChainState, tpl: Extract<LineTemplate, { kind: 'rule' }>, origin: Origin) {
  const ctx = r.ctx;
  ctx.table = chain.table;
  ctx.texts = r.tokens.texts;
  ctx.line = r.cur.lineNo;
  ctx.protocol = null;
  ctx.notes = null;
  const steps = convertRule(ctx, tpl);
  if (ctx.errors.length > 0 || ctx.notes !== null) {
    const errors = ctx.errors.length > 0 ? ctx.errors.splice(0) : null;
    addExtra(chain, chain.rules.length, { errors, notes: ctx.notes, targetName: null });
  }
  chain.rules.push({ origin, steps });
}

/** Where the -j/-g name of a rule is, for messages about its jump (found again in its text). */
export function targetWhere(r: LineReader, rule: Rule): Where {
  const line = rule.origin.line;
  if (line === undefined) return { file: r.file, span: null };
  const tk = tokenizeLine(rule.origin.text);
  let at = -1;
  for (let k = 0; k + 1 < tk.count; k++) {
    const t = tk.texts[k];
    if (tk.plain[k] && (t === '-j' || t === '--jump' || t === '-g' || t === '--goto')) at = k + 1;
  }
  if (at < 0) return { file: r.file, span: null };
  if (r.lineStarts === null) {
    r.lineStarts = [0];
    for (let i = r.text.indexOf('\n'); i >= 0; i = r.text.indexOf('\n', i + 1)) r.lineStarts.push(i + 1);
  }
  return spanWhere(r.file, line, r.lineStarts[line - 1] ?? 0, tk.starts[at]!, tk.ends[at]!);
}
