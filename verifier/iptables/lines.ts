// Reading the lines of one file into tables, chains and converted rules (the reader's first pass).
// Nothing here decides what is reachable: rules keep their problems until reached-chains.ts knows
// whether the rule is kept (a rule in an ignored chain may use anything).
//
// Built for 800,000-line dumps: lines are read in place (never sliced; a rule's origin is its
// place in the text's store, which keeps the text compressed once read), one Tokens buffer and one RuleContext are reused from line to line, token texts are made
// only for the values a converter needs, positions are computed only when a diagnostic needs one,
// and identical steps are shared.
import type { Diagnostic } from '../../common/diagnostics.ts';
import { lineStartsOf } from '../../common/source.ts';
import type { Origin, Rule } from '../model/program.ts';
import { newTextStore, storedLineOrigin, type TextStore } from '../model/text-store.ts';
import { findChainName, nameIs } from './chain-names.ts';
import {
  addExtra,
  BUILTIN_CHAINS,
  builtinChain,
  type ChainState,
  chainOf,
  NAT_BITS,
  spanWhere,
  type TableState,
} from './chains.ts';
import { iptCodes } from './codes.ts';
import { type FamilyState, newSharedSteps, type RuleContext, type Table, type Where } from './context.ts';
import { convertRule } from './convert.ts';
import { lineFailure } from './failure.ts';
import { commitWithBlanks, replacedName } from './line-refusals.ts';
import { addRule, endRun, newRuleRun, nextRuleIndex, type RuleRun } from './rule-runs.ts';
import { templateOfScan } from './skeletons.ts';
import { type ChainLine, declareChain, deleteChain } from './structure.ts';
import type { LineTemplate } from './template.ts';
import {
  completeTokens,
  isPlain,
  newTokens,
  rangeIs,
  scanLine,
  type Tokens,
  tokenizeLine,
  tokenText,
} from './tokenize.ts';

/** A table other than nat and filter: not read, its rules counted by chain (for the notes). */
export interface IgnoredTable {
  name: string;
  origin: Origin;
  rules: Map<string, number>;
}

/** The tables iptables knows: restore refuses any other name. */
const TABLES = new Set(['filter', 'nat', 'mangle', 'raw', 'security']);

/** iptables-nft-save's words for a table (or base chains) it cannot show, and for legacy tables beside. */
const UNLISTED_TABLE = /^# Table `([^']*)' (is incompatible|contains incompatible base-chains)/;
const LEGACY_TABLES = /^# Warning: iptables-legacy tables present/;
const RULE_ADDED = /^(?:-A|--append|-I|--insert)\s+(\S+)/;

/** The state of one read, line after line. */
export interface LineReader {
  file: string;
  diagnostics: Diagnostic[];
  family: FamilyState;
  tables: Map<Table, TableState>;
  /** The open table block: a kept table, an ignored one (by name), or none. */
  open:
    | { kind: 'kept'; table: TableState }
    | { kind: 'ignored'; name: string; line: number; rules: Map<string, number> }
    | null;
  ignoredTables: IgnoredTable[];
  /** Tables but nat and filter iptables-nft-save could not list ("# Table `X' is incompatible"). */
  unlistedTables: { name: string; line: number }[];
  /** iptables-nft-save warned that iptables-legacy tables are present (their rules run too). */
  legacyTablesPresent: boolean;
  /** The whole input, and where each line starts (computed when a message needs it). */
  text: string;
  /** The input again, for the origins: sealed (compressed) when the reading is done. */
  store: TextStore;
  lineStarts: Uint32Array | null;
  /** The chain of the previous rule line, and its name's index in the table's names (-1: not known). */
  lastChain: ChainState | null;
  lastName: number;
  /** Where the next U+FFFD in `text` is at or after the line being read (-1: none left); see readLine. */
  nextReplacement: number;
  /** The line being read: its number, and whether it is synthesized (its text is in `tokens`). */
  cur: { lineNo: number; assumed: boolean };
  tokens: Tokens;
  ctx: RuleContext;
  chainLine: ChainLine;
  /**
   * The rules read since the current run of one chain's rules began (rule-runs.ts).
   */
  run: RuleRun;
}

/** The position of token `at` of the current line (-1: its end). */
function whereInLine(r: LineReader, at: number): Where {
  const { lineNo, assumed } = r.cur;
  if (assumed) return { file: r.file, span: null };
  const tk = r.tokens;
  const s = at < 0 ? tk.lineEnd - tk.base : tk.starts[at]!;
  const e = at < 0 ? tk.lineEnd - tk.base : tk.ends[at]!;
  return spanWhere(r.file, lineNo, tk.base, s, e, r.text);
}

export function newLineReader(file: string, family: FamilyState, text: string): LineReader {
  const tokens = newTokens();
  const where = (at: number) => whereInLine(r, at);
  const diagnostics: Diagnostic[] = [];
  const r: LineReader = {
    file,
    diagnostics,
    family,
    tables: new Map(),
    open: null,
    ignoredTables: [],
    unlistedTables: [],
    legacyTablesPresent: false,
    text,
    store: newTextStore('iptables', file, text),
    lineStarts: null,
    lastChain: null,
    lastName: -1,
    nextReplacement: 0,
    cur: { lineNo: 0, assumed: false },
    tokens,
    ctx: {
      table: 'filter',
      texts: [],
      tokens,
      where,
      line: 0,
      errors: [],
      fileErrors: diagnostics,
      family,
      protocol: null,
      notes: null,
      shared: newSharedSteps(),
    },
    chainLine: { tokens, line: 0, where, diagnostics },
    run: newRuleRun(),
  };
  return r;
}

/** src[from, to) holds only whitespace (as String.prototype.trim sees it). */
export function isBlank(src: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9) continue;
    if (c > 32 && c < 127) return false;
    return src.slice(from, to).trim() === '';
  }
  return true;
}

/**
 * Read one line: src[from, to), no newline. `lineNo` is 1-based; `assumed` marks a synthesized
 * line (an assumed hook), which has no position in the file.
 */
export function readLine(r: LineReader, src: string, from: number, to: number, lineNo: number, assumed = false): void {
  const c0 = src.charCodeAt(from);
  if (c0 === 35 /* # */) {
    // iptables-nft-save's word for a table it cannot show: the kernel runs rules this text lacks
    const unlisted = src.startsWith('# Table `', from) ? UNLISTED_TABLE.exec(src.slice(from, to)) : null;
    const name = unlisted?.[1];
    if (name === 'nat' || name === 'filter') {
      const where = spanWhere(r.file, lineNo, from, 0, to - from, src);
      const what = unlisted![2] === 'is incompatible' ? 'its rules' : 'some of its base chains';
      r.diagnostics.push(iptCodes['ipt-table-unlisted'](where, name, what));
    } else if (name !== undefined) r.unlistedTables.push({ name, line: lineNo });
    else if (src.startsWith('# Warning: ', from) && LEGACY_TABLES.test(src.slice(from, to)))
      r.legacyTablesPresent = true;
    return;
  }
  if (isBlank(src, from, to)) return;
  if (r.open?.kind === 'ignored' && c0 !== 42 /* * */) {
    const line = src.slice(from, to).trim();
    if (line === 'COMMIT') {
      if (to - from !== 6) commitWithBlanks(r, src, from, to, lineNo);
      r.open = null;
    } else {
      // every way restore adds a rule: -A/--append, -I/--insert, any blank between
      const added = RULE_ADDED.exec(line);
      if (added !== null) r.open.rules.set(added[1]!, (r.open.rules.get(added[1]!) ?? 0) + 1);
    }
    return;
  }
  r.cur.lineNo = lineNo;
  r.cur.assumed = assumed;
  const tokens = scanLine(src, from, to, r.tokens);
  if (tokens.unterminatedQuoteAt >= 0) {
    let at = tokens.count - 1;
    while (at > 0 && tokens.starts[at]! > tokens.unterminatedQuoteAt) at--;
    r.diagnostics.push(iptCodes['ipt-unterminated-quote'](whereInLine(r, at)));
    return;
  }
  if (src === r.text && replacedName(r, tokens, from, to)) return;
  const tpl = templateOfScan(tokens);
  if (tpl.kind !== 'failure') {
    if (tpl.kind === 'commit' && to - from !== 6) commitWithBlanks(r, src, from, to, lineNo);
    applyTemplate(r, tpl);
    return;
  }
  completeTokens(tokens);
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
  addExtra(chain, nextRuleIndex(r.run, chain), {
    errors: [diagnostic],
    notes: null,
    targetName: t === null ? null : tokens.texts[t]!,
  });
  addRule(r.run, chain, { origin, steps: [] }, undefined);
}

function ruleChain(r: LineReader, table: TableState, at: number): ChainState | null {
  const tk = r.tokens;
  // Rules of one chain usually come together (iptables-save groups them): compare in place.
  const last = r.lastChain;
  if (last !== null && last.table === table.name) {
    const s = tk.base + tk.starts[at]!;
    const e = tk.base + tk.ends[at]!;
    // against the name's characters kept by the index: startsWith with a name sliced from its id
    // (not a flat string) took V8's slow path on every rule line
    const same = !isPlain(tk, at)
      ? tokenText(tk, at) === last.name
      : r.lastName >= 0
        ? nameIs(table.names, r.lastName, tk.src, s, e)
        : rangeIs(tk.src, s, e, last.name);
    if (same) return last;
  }
  const text = isPlain(tk, at) ? null : tokenText(tk, at);
  const entry =
    text === null
      ? findChainName(table.names, tk.src, tk.base + tk.starts[at]!, tk.base + tk.ends[at]!)
      : findChainName(table.names, text, 0, text.length);
  let c = chainOf(table, entry);
  if (c === null) {
    const name = text ?? tokenText(tk, at);
    if (BUILTIN_CHAINS[table.name].includes(name)) c = builtinChain(table, name);
    else r.diagnostics.push(iptCodes['ipt-undeclared-chain'](whereInLine(r, at), name, table.name));
  }
  r.lastChain = c;
  r.lastName = c !== null && entry !== null && entry.chain === c ? entry.index : -1;
  return c;
}

const OUTSIDE = 'this line is outside a table; start one with *nat or *filter';

function structure(r: LineReader, at: number, detail: string): void {
  r.diagnostics.push(iptCodes['ipt-table-structure'](whereInLine(r, at), detail));
}

const isKeptTable = (name: string): name is Table => name === 'nat' || name === 'filter';

/** The current line's origin (made only for what keeps one: rules and table lines). */
function originOf(r: LineReader): Origin {
  const { lineNo, assumed } = r.cur;
  const tk = r.tokens;
  // an assumed hook's line is not in the input: a text of its own
  if (assumed) return { backend: 'iptables', file: r.file, text: tk.src.slice(tk.base, tk.lineEnd), assumed: true };
  return storedLineOrigin(r.store, tk.base, tk.lineEnd, lineNo);
}

function applyTemplate(r: LineReader, tpl: LineTemplate): void {
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
  endRun(r.run);
  if (tpl.kind === 'table') {
    const name = tokenText(r.tokens, tpl.name);
    if (r.open) structure(r, 0, `table ${name} starts before the previous table's COMMIT`);
    if (!isKeptTable(name)) {
      if (!TABLES.has(name)) structure(r, tpl.name, `there is no table '${name}' (iptables-restore refuses it)`);
      const rules = new Map<string, number>();
      r.ignoredTables.push({ name, origin: originOf(r), rules });
      r.open = { kind: 'ignored', name, line: r.cur.lineNo, rules };
      return;
    }
    if (r.tables.has(name)) {
      structure(r, tpl.name, `table ${name} appears twice; iptables-restore would flush it between the two`);
    }
    const table: TableState = { name, line: r.cur.lineNo, names: r.ctx.shared.names[name], order: [] };
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
  r.chainLine.line = r.cur.lineNo;
  const table = r.open.table;
  if (tpl.kind === 'chain') declareChain(table, tpl, r.chainLine);
  else deleteChain(table, tpl, r.chainLine);
}

function convertLine(r: LineReader, chain: ChainState, tpl: Extract<LineTemplate, { kind: 'rule' }>, origin: Origin) {
  const ctx = r.ctx;
  ctx.table = chain.table;
  ctx.line = r.cur.lineNo;
  ctx.protocol = null;
  ctx.notes = null;
  ctx.jumpTo = null;
  ctx.natTarget = null;
  const steps = convertRule(ctx, tpl);
  if (ctx.errors.length > 0 || ctx.notes !== null) {
    const errors = ctx.errors.length > 0 ? ctx.errors.splice(0) : null;
    addExtra(chain, nextRuleIndex(r.run, chain), { errors, notes: ctx.notes, targetName: null });
  }
  const rule: Rule = { origin, steps };
  if (ctx.natTarget) chain.natTargets |= NAT_BITS[ctx.natTarget];
  addRule(r.run, chain, rule, ctx.jumpTo ?? undefined);
}

/** Where the -j/-g name of a rule is, for messages about its jump (found again in its text). */
export function targetWhere(r: LineReader, rule: Rule): Where {
  const line = rule.origin.line;
  if (line === undefined) return { file: r.file, span: null };
  const tk = tokenizeLine(rule.origin.text);
  let at = -1;
  for (let k = 0; k + 1 < tk.count; k++) {
    const t = tk.texts[k];
    if (isPlain(tk, k) && (t === '-j' || t === '--jump' || t === '-g' || t === '--goto')) at = k + 1;
  }
  if (at < 0) return { file: r.file, span: null };
  r.lineStarts ??= lineStartsOf(r.text, true);
  return spanWhere(r.file, line, r.lineStarts[line - 1] ?? 0, tk.starts[at]!, tk.ends[at]!, r.text);
}
