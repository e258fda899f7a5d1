// Diagnostics are data (TypeSpec style): a stable code, a severity, a message, and where. Each stage
// owns a table of its codes (grammar/codes.ts, compiler/check/codes.ts, compiler/kube/codes.ts, ...)
// built with defineCodes, so a code is declared once with its severity and a message template.
import type { Span } from './source.ts';

export type Severity = 'error' | 'warning';

export interface RelatedLocation {
  message: string;
  file: string;
  span: Span | null;
}

export interface Diagnostic {
  /** Stable kebab-case code, e.g. "invalid-address". */
  code: string;
  severity: Severity;
  message: string;
  /** File the diagnostic is about ("" for command-line problems). */
  file: string;
  /** Where in that file; null when there is no position (e.g. a whole-file problem). */
  span: Span | null;
  /** What would be valid, when the tool can tell ("did you mean 10.0.0.1?"). */
  hint?: string;
  /** A data path inside structured input, e.g. "spec.ports[1].protocol" for YAML. */
  path?: string;
  related?: RelatedLocation[];
}

/** Where a diagnostic points, and what rides along with it: the first argument of a code factory. */
export interface DiagnosticWhere {
  file: string;
  span: Span | null;
  hint?: string;
  path?: string;
  related?: RelatedLocation[];
}

/**
 * What input text must not bring to a terminal raw: C0 and C1 controls and DEL (a terminal obeys
 * them: retitle, clear, rewrite a line); the bidirectional controls that reorder what it shows
 * (U+061C, U+200E/F, U+202A–E, U+2066–9); and invisible characters that make two texts look alike
 * (the soft hyphen U+00AD, the combining grapheme joiner U+034F, the Hangul fillers U+115F/U+1160,
 * U+3164 and U+FFA0, zero-width spaces and joiners, the line and paragraph separators, word
 * joiners, U+FEFF, and the tag characters U+E0000–E007F, each a surrogate pair in UTF-16).
 */
export const TERMINAL_UNSAFE =
  /[\x00-\x1f\x7f-\x9f\xad\u061c\u115f\u1160\u200b-\u200f\u2028-\u202e\u2060-\u2069\u3164\ufeff\uffa0]|\u034f|\udb40[\udc00-\udc7f]/g;

const UNSAFE_ONE = new RegExp(TERMINAL_UNSAFE.source);

/**
 * JSON text with those characters written as \u escapes: JSON.stringify escapes C0 controls only,
 * and a JSON string shown raw (`jq -r`) would bring DEL, C1, bidi or invisible characters to a
 * terminal. Outside strings JSON text is ASCII, so the parsed value is the same.
 */
export const escapeJsonUnsafe = (json: string): string =>
  json.replace(JSON_UNSAFE, (ch) =>
    ch
      .split('')
      .map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .join(''),
  );

/** TERMINAL_UNSAFE but C0 controls, which JSON.stringify escapes (and whose \n lays JSON out). */
const JSON_UNSAFE = new RegExp(TERMINAL_UNSAFE.source.replace('\\x00-\\x1f', ''), 'g');

/** Whether the text holds any of those characters. */
export const hasTerminalUnsafe = (s: string): boolean => UNSAFE_ONE.test(s);

/**
 * Those characters as visible escapes (`\u001b`). Input text (a Service name from YAML, a .ksvc
 * token) never reaches a terminal raw, so it cannot retitle or clear it, forge a diagnostic line,
 * or pass for another name.
 */
export const escapeControls = (s: string): string =>
  s.replace(TERMINAL_UNSAFE, (c) => {
    const code = c.codePointAt(0)!;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });

/** Text arguments longer than this are cut (a 10 MB name must not make a 10 MB message). */
export const MAX_ARGUMENT_LENGTH = 200;

/**
 * Hints are ksvc's own words around what they quote (the statements a block takes, a statement
 * spelled out): cut much later than a quoted text, so that what to do is not lost.
 */
const MAX_HINT_LENGTH = 1000;

/** What a diagnostic may show of a text: control characters escaped, at most about `max` characters. */
export function shownText(s: string, max = MAX_ARGUMENT_LENGTH): string {
  if (s.length <= max) return escapeControls(s);
  let cut = max - 40;
  const c = s.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--; // never split a surrogate pair
  return `${escapeControls(s.slice(0, cut))}… (${s.length} characters)`;
}

function shownWhere(where: DiagnosticWhere): DiagnosticWhere {
  const out: DiagnosticWhere = { file: where.file, span: where.span };
  if (where.hint !== undefined) out.hint = shownText(where.hint, MAX_HINT_LENGTH);
  if (where.path !== undefined) out.path = shownText(where.path);
  if (where.related !== undefined) out.related = where.related.map((r) => ({ ...r, message: shownText(r.message) }));
  return out;
}

export interface CodeSpec<Args extends unknown[]> {
  severity: Severity;
  message: (...args: Args) => string;
}

/**
 * Declare a table of codes. Returns a factory per code, so call sites cannot invent codes:
 *   const codes = defineCodes({ 'bad-port': { severity: 'error', message: (p: number) => `port ${p} ...` } });
 *   diags.push(codes['bad-port'](where, 70000));
 */
export function defineCodes<T extends Record<string, CodeSpec<never[]>>>(table: T) {
  type Factories = {
    [K in keyof T]: (where: DiagnosticWhere, ...args: Parameters<T[K]['message']>) => Diagnostic;
  };
  const out = {} as Factories;
  for (const code of Object.keys(table) as (keyof T & string)[]) {
    const spec = table[code]!;
    (out as Record<string, unknown>)[code] = (raw: DiagnosticWhere, ...args: unknown[]): Diagnostic => {
      // Every text that may come from the input is escaped and cut here, once for every code.
      const shownArgs = args.map((a) => (typeof a === 'string' ? shownText(a) : a));
      const where = shownWhere(raw);
      const d: Diagnostic = {
        code,
        severity: spec.severity,
        message: (spec.message as (...a: unknown[]) => string)(...shownArgs),
        file: where.file,
        span: where.span,
      };
      if (where.hint !== undefined) d.hint = where.hint;
      if (where.path !== undefined) d.path = where.path;
      if (where.related !== undefined) d.related = where.related;
      return d;
    };
  }
  return { codes: out, table };
}

export const hasErrors = (diags: readonly Diagnostic[]): boolean => diags.some((d) => d.severity === 'error');

/**
 * The diagnostics without exact repeats (same code, severity, message, file, place), first
 * occurrences in order: a command that checks one input several times (per family, per side of a
 * diff) reports each problem once.
 */
export function withoutRepeats(diags: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diags.filter((d) => {
    const key = JSON.stringify([
      d.code,
      d.severity,
      d.message,
      d.file,
      d.span?.start.offset ?? null,
      d.span?.end.offset ?? null,
      d.path ?? null,
    ]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Code-unit order: the same on every machine (localeCompare follows LANG: sv_SE puts 'ä' after 'z'). */
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Sort by file, then position, then code — the order every renderer prints. */
export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  return [...diags].sort(
    (a, b) =>
      byCodeUnits(a.file, b.file) ||
      (a.span?.start.offset ?? -1) - (b.span?.start.offset ?? -1) ||
      byCodeUnits(a.code, b.code),
  );
}
