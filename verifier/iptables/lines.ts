// Reading the lines of one file into tables, chains and converted rules (the reader's first pass).
// Nothing here decides what is reachable: rules keep their problems until read.ts knows whether
// the rule is kept (a rule in an ignored chain may use anything).
//
// Built for 800,000-line dumps: one Tokens buffer and one RuleContext are reused from line to
// line, positions are computed only when a diagnostic needs one, and identical steps are shared.
import type { Diagnostic } from '../../common/diagnostics.ts';
import type { Origin } from '../model/program.ts';
import {
  BUILTIN_CHAINS,
  builtinChain,
  type ChainState,
  type RuleRecord,
  spanWhere,
  type TableState,
} from './chains.ts';
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

export function newLineReader(file: string, family: FamilyState): LineReader {
  const r: LineReader = {
    file,
    diagnostics: [],
    family,
    tables: new Map(),
    open: null,
    ignoredTables: [],
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
  const origin: Origin = assumed
    ? { backend: 'iptables', file: r.file, text: lineText, assumed: true }
    : { backend: 'iptables', file: r.file, line: lineNo, text: lineText };
  const tpl = cachedTemplate(tokens);
  if (tpl.kind !== 'failure') {
    applyTemplate(r, tpl, origin);
    return;
  }
  const f = lineFailure(tpl, tokens);
  const diagnostic = f.diagnostic((at) => whereInLine(r, at));
  if (f.ruleChain < 0 || r.open?.kind !== 'kept') {
    r.diagnostics.push(diagnostic);
    return;
  }
  const chain = ruleChain(r, r.open.table, f.ruleChain);
  if (!chain) return;
  const t = f.targetName;
  chain.rules.push({
    rule: { origin, steps: [] },
    errors: [diagnostic],
    notes: null,
    jump: null,
    natTarget: null,
    target: null,
    targetName: t === null ? null : tokens.texts[t]!,
    lineStart,
    targetStart: t === null ? -1 : tokens.starts[t]!,
    targetEnd: t === null ? -1 : tokens.ends[t]!,
  });
}

function ruleChain(r: LineReader, table: TableState, at: number): ChainState | null {
  const name = r.tokens.texts[at]!;
  const c = table.chains.get(name) ?? (BUILTIN_CHAINS[table.name].includes(name) ? builtinChain(table, name) : null);
  if (!c) r.diagnostics.push(iptCodes['ipt-undeclared-chain'](whereInLine(r, at), name, table.name));
  return c;
}

const OUTSIDE = 'this line is outside a table; start one with *nat or *filter';

function structure(r: LineReader, at: number, detail: string): void {
  r.diagnostics.push(iptCodes['ipt-table-structure'](whereInLine(r, at), detail));
}

const isKeptTable = (name: string): name is Table => name === 'nat' || name === 'filter';

function applyTemplate(r: LineReader, tpl: LineTemplate, origin: Origin): void {
  const texts = r.tokens.texts;
  if (tpl.kind === 'rule') {
    if (r.open?.kind !== 'kept') {
      structure(r, 0, OUTSIDE);
      return;
    }
    const chain = ruleChain(r, r.open.table, tpl.chain);
    if (chain) chain.rules.push(convertLine(r, r.open.table.name, tpl, origin));
    return;
  }
  if (tpl.kind === 'table') {
    const name = texts[tpl.name]!;
    if (r.open) structure(r, 0, `table ${name} starts before the previous table's COMMIT`);
    if (!isKeptTable(name)) {
      r.ignoredTables.push({ name, origin });
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
  if (tpl.kind === 'chain') declareChain(r.open.table, tpl, texts, origin, where, r.diagnostics);
  else deleteChain(r.open.table, tpl, texts, where, r.diagnostics);
}

function convertLine(r: LineReader, table: Table, tpl: Extract<LineTemplate, { kind: 'rule' }>, origin: Origin) {
  const ctx = r.ctx;
  ctx.table = table;
  ctx.texts = r.tokens.texts;
  ctx.line = r.cur.lineNo;
  ctx.protocol = null;
  ctx.notes = null;
  const converted = convertRule(ctx, tpl);
  const errors = ctx.errors.length > 0 ? ctx.errors.splice(0) : null;
  const t = tpl.targets[0];
  const rec: RuleRecord = {
    rule: { origin, steps: converted.steps },
    errors,
    notes: ctx.notes,
    jump: errors === null && converted.jump ? converted.jump.chain : null,
    natTarget: converted.natTarget?.kind ?? null,
    target: null,
    targetName: t === undefined ? null : r.tokens.texts[t.name]!,
    lineStart: r.cur.lineStart,
    targetStart: t === undefined ? -1 : r.tokens.starts[t.name]!,
    targetEnd: t === undefined ? -1 : r.tokens.ends[t.name]!,
  };
  return rec;
}
