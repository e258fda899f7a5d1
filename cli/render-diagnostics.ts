// Render diagnostics for people (caret frames), machines (--output json) and GitHub Actions
// (--output github annotations). The data comes from common/diagnostics.ts; nothing here decides
// what is an error.
import { createColors } from 'picocolors';
import type { Diagnostic } from '../common/diagnostics.ts';
import { escapeJsonUnsafe, sortDiagnostics, TERMINAL_UNSAFE } from '../common/diagnostics.ts';
import { lineText, makeSourceFile, type SourceFile, type Span } from '../common/source.ts';
import { escapeForTerminal } from './terminal-text.ts';

export type OutputFormat = 'text' | 'json' | 'github';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'github'];

export function renderDiagnostics(
  diags: readonly Diagnostic[],
  sources: ReadonlyMap<string, SourceFile>,
  format: OutputFormat,
  color: boolean,
): string {
  const sorted = sortDiagnostics(diags);
  if (format === 'json') return renderJson(sorted);
  if (format === 'github') return sorted.map(renderGithub).join('');
  return sorted.map((d) => renderText(d, sources.get(d.file), color)).join('');
}

/**
 * SOURCES with the artifacts (rulesets read back) that a diagnostic points into, so their errors
 * get the source frame a .ksvc error gets. Only those: the line table of a 100 MB ruleset is made
 * when something in it is shown.
 */
export function withArtifactSources(
  sources: ReadonlyMap<string, SourceFile>,
  artifacts: readonly ({ text: string; file: string } | undefined)[],
  diags: readonly Diagnostic[],
): Map<string, SourceFile> {
  const out = new Map(sources);
  for (const a of artifacts) {
    if (a === undefined || out.has(a.file)) continue;
    if (diags.some((d) => d.span !== null && d.file === a.file)) out.set(a.file, makeSourceFile(a.file, a.text));
  }
  return out;
}

export function renderSummary(diags: readonly Diagnostic[], color: boolean): string {
  const c = createColors(color);
  const errors = diags.filter((d) => d.severity === 'error').length;
  const warnings = diags.length - errors;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  const text = `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
  return `${errors > 0 ? c.red(text) : warnings > 0 ? c.yellow(text) : c.green(text)}\n`;
}

function renderText(d: Diagnostic, source: SourceFile | undefined, color: boolean): string {
  const c = createColors(color);
  const sev = d.severity === 'error' ? c.red(c.bold('error')) : c.yellow(c.bold('warning'));
  let out = `${sev}${c.dim(`[${d.code}]`)}: ${c.bold(d.message)}\n`;
  // a file name is input too (a planted name can hold an ESC)
  const file = escapeForTerminal(d.file);
  const where = d.span ? `${file}:${d.span.start.line}:${d.span.start.column}` : file;
  if (where) out += `  ${c.cyan('-->')} ${where}${d.path ? ` (${d.path})` : ''}\n`;
  if (d.span && source) out += frame(source, d, c);
  // '=' lines align with the frame's '|' gutter (as wide as the line number).
  const gutter = ' '.repeat((d.span && source ? String(d.span.start.line).length : 2) + 1);
  if (d.hint) out += `${gutter}${c.cyan('=')} hint: ${d.hint}\n`;
  for (const r of d.related ?? []) {
    const at = `${escapeForTerminal(r.file)}${r.span ? `:${r.span.start.line}:${r.span.start.column}` : ''}`;
    out += `${gutter}${c.cyan('=')} note: ${r.message}${at ? ` (${at})` : ''}\n`;
  }
  return `${out}\n`;
}

const MAX_FRAME_WIDTH = 160;

/** One whole character the terminal must not see raw (TERMINAL_UNSAFE, anchored). */
const UNSAFE_CHAR = new RegExp(`^(?:${TERMINAL_UNSAFE.source})$`);

/**
 * Columns a character takes in a terminal: 2 for East Asian wide and fullwidth characters and
 * emoji (so the caret stays under what it points at after them), else 1.
 */
function charWidth(ch: string): number {
  const cp = ch.codePointAt(0)!;
  const wide =
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f680 && cp <= 0x1f6ff) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x1fa70 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd);
  return wide ? 2 : 1;
}

/** Lines up to this many UTF-16 units are taken whole; longer ones are cut around the caret first. */
const WHOLE_LINE = 4096;

/**
 * The characters of a line to frame: the whole line when short; else a piece around the caret
 * (at UTF-16 offset `at` of the line), cut by offset before any character is counted, so a frame
 * at column 20 million of a one-line 100 MB ruleset copies a few hundred characters, not the line.
 * `column`: the caret's column in `chars` (1-based), when the line was cut.
 */
function lineAround(text: string, at: number): { chars: string[]; column?: number; before: boolean; after: boolean } {
  if (text.length <= WHOLE_LINE || at < 0 || at > text.length) {
    return { chars: Array.from(text), before: false, after: false };
  }
  let from = Math.max(0, at - 4 * 40);
  let to = Math.min(text.length, at + 4 * MAX_FRAME_WIDTH);
  // never half a surrogate pair
  if (from > 0 && isLowSurrogate(text.charCodeAt(from))) from--;
  if (to < text.length && isLowSurrogate(text.charCodeAt(to))) to++;
  return {
    chars: Array.from(text.slice(from, to)),
    column: Array.from(text.slice(from, at)).length + 1,
    before: from > 0,
    after: to < text.length,
  };
}

const isLowSurrogate = (u: number): boolean => u >= 0xdc00 && u <= 0xdfff;

function frame(source: SourceFile, d: Diagnostic, c: ReturnType<typeof createColors>): string {
  const span = d.span!;
  const line = span.start.line;
  // columns count characters (code points), as spans do: the line as characters, not UTF-16 units
  const cut = lineAround(lineText(source, line), span.start.offset - (source.lineStarts[line - 1] ?? 0));
  let chars = cut.chars;
  let col = cut.column ?? span.start.column;
  let width =
    span.end.line === line ? Math.max(1, span.end.column - span.start.column) : Math.max(1, chars.length - col + 1);
  // Enormous lines: show a window around the caret instead of the whole line.
  if (chars.length > MAX_FRAME_WIDTH || cut.before || cut.after) {
    const from = Math.max(0, col - 1 - 40);
    const window = chars.slice(from, from + MAX_FRAME_WIDTH);
    const before = from > 0 || cut.before;
    const after = from + MAX_FRAME_WIDTH < chars.length || cut.after;
    chars = [...(before ? ['…'] : []), ...window, ...(after ? ['…'] : [])];
    col = col - from + (before ? 1 : 0);
  }
  width = Math.min(width, Math.max(1, chars.length - col + 1));
  // a tab as one space and an unsafe character as one '�', so each keeps its column
  const shown = chars.map((ch) => (ch === '\t' ? ' ' : UNSAFE_CHAR.test(ch) ? '�' : ch));
  const columns = (from: number, to: number) => shown.slice(from, to).reduce((n, ch) => n + charWidth(ch), 0);
  const num = String(line);
  const pad = ' '.repeat(num.length);
  const caretWidth = Math.max(1, columns(col - 1, col - 1 + width));
  const caret = (d.severity === 'error' ? c.red : c.yellow)('^'.repeat(caretWidth));
  return `${pad} ${c.cyan('|')}\n${c.cyan(num)} ${c.cyan('|')} ${shown.join('')}\n${pad} ${c.cyan('|')} ${' '.repeat(columns(0, col - 1))}${caret}\n`;
}

/**
 * A diagnostic as every JSON output gives it (the diagnostics document, and verify's and diff's
 * reports): 1-based ranges, no internal offsets.
 */
export const diagnosticJson = (d: Diagnostic) => ({
  code: d.code,
  severity: d.severity,
  message: d.message,
  file: d.file,
  range: rangeOf(d.span),
  ...(d.hint !== undefined ? { hint: d.hint } : {}),
  ...(d.path !== undefined ? { path: d.path } : {}),
  // the same shape as the diagnostic's own place
  ...(d.related !== undefined
    ? { related: d.related.map((r) => ({ message: r.message, file: r.file, range: rangeOf(r.span) })) }
    : {}),
});

function renderJson(diags: readonly Diagnostic[]): string {
  const errors = diags.filter((d) => d.severity === 'error').length;
  const doc = {
    schemaVersion: 1,
    summary: { errors, warnings: diags.length - errors },
    diagnostics: diags.map(diagnosticJson),
  };
  return `${escapeJsonUnsafe(JSON.stringify(doc, null, 2))}\n`;
}

/** A place as JSON output gives it: 1-based lines and columns, start and end. */
const rangeOf = (span: Span | null) =>
  span
    ? {
        start: { line: span.start.line, column: span.start.column },
        end: { line: span.end.line, column: span.end.column },
      }
    : null;

// GitHub workflow commands: properties and data have their own escaping rules.
export const ghData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
export const ghProp = (s: string) => ghData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

function renderGithub(d: Diagnostic): string {
  // a diagnostic about the command line (file '') is an annotation of the run, not of a file
  const props = d.file === '' ? [] : [`file=${ghProp(escapeForTerminal(d.file))}`];
  if (d.span) {
    props.push(
      `line=${d.span.start.line}`,
      `col=${d.span.start.column}`,
      `endLine=${d.span.end.line}`,
      `endColumn=${d.span.end.column}`,
    );
  }
  props.push(`title=${ghProp(d.code)}`);
  const msg = d.hint ? `${d.message} (hint: ${d.hint})` : d.message;
  return `::${d.severity === 'error' ? 'error' : 'warning'} ${props.join(',')}::${ghData(msg)}\n`;
}
