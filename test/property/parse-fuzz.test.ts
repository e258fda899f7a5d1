// parseKsvc on hostile input: random strings, soups of the grammar's own words, and mutations of
// the acceptance examples. It never throws, never reports an internal error, and every span (in the
// AST and in diagnostics) lies inside the text with line/column matching its offset.

import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeSourceFile, type Position, positionAt, type SourceFile } from '../../common/source.ts';
import { parseKsvc } from '../../grammar/parse-ksvc.ts';
import { KEYWORDS } from '../../grammar/tokens.ts';
import { ACCEPTANCE } from './parse-corpus.ts';

function checkPosition(source: SourceFile, p: Position, where: string): void {
  if (!(p.offset >= 0 && p.offset <= source.text.length))
    throw new Error(`${where}: offset ${p.offset} outside the text`);
  const q = positionAt(source, p.offset);
  if (q.line !== p.line || q.column !== p.column)
    throw new Error(`${where}: ${p.line}:${p.column} but offset ${p.offset} is ${q.line}:${q.column}`);
}

function checkSpans(node: unknown, source: SourceFile, path: string, depth = 0): void {
  if (depth > 50 || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const [i, n] of node.entries()) checkSpans(n, source, `${path}[${i}]`, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(node)) {
    if (k === 'span') {
      const s = v as { start: Position; end: Position };
      checkPosition(source, s.start, `${path}.span.start`);
      checkPosition(source, s.end, `${path}.span.end`);
      if (s.start.offset > s.end.offset) throw new Error(`${path}: span ends before it starts`);
    } else checkSpans(v, source, `${path}.${k}`, depth + 1);
  }
}

/** The property every input must satisfy. */
function parsesSafely(text: string): boolean {
  const source = makeSourceFile('fuzz.ksvc', text);
  const r = parseKsvc(source);
  const internal = r.diagnostics.find((d) => d.code === 'internal-parser-error');
  if (internal) throw new Error(internal.message);
  checkSpans(r.file, source, 'file');
  for (const d of r.diagnostics) if (d.span) checkSpans({ span: d.span }, source, `diagnostic ${d.code}`);
  if (r.diagnostics.length > 51) throw new Error(`${r.diagnostics.length} diagnostics: the cap is not applied`);
  return true;
}

const VOCAB = [
  ...KEYWORDS,
  '{',
  '}',
  '[',
  ']',
  '/',
  ':',
  ',',
  '=',
  '->',
  '-',
  '#c\n',
  '\n',
  '  ',
  '10.0.0.1',
  '10.64.1.0',
  '24',
  '80',
  '53',
  '30000-32767',
  '99999999999',
  'fd00::1',
  'fd00:32::10',
  '::',
  'ns',
  'svc',
  'dns',
  'http',
  'a-b.c',
  '2048-game',
  '10.1',
  '%',
  '\0',
  'é',
  '😀',
  '"',
  '\r\n',
];

const tokenSoup = fc
  .array(fc.tuple(fc.constantFrom(...VOCAB), fc.constantFrom(' ', '', '\n', ' ', '\t')), { maxLength: 120 })
  .map((parts) => parts.map(([t, sep]) => t + sep).join(''));

test('random strings (ASCII and binary)', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary-ascii', maxLength: 300 }), parsesSafely), { numRuns: 300 });
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), parsesSafely), { numRuns: 200 });
});

test('token soups from the grammar vocabulary', () => {
  fc.assert(fc.property(tokenSoup, parsesSafely), { numRuns: 500 });
});

// Mutations of the acceptance examples: edits at character and at token (whitespace-separated) level.
type Edit =
  | { op: 'delete' | 'duplicate'; at: number; len: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'swap'; at: number; other: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    op: fc.constantFrom('delete' as const, 'duplicate' as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 12 }),
  }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...VOCAB), fc.string({ maxLength: 4 })),
  }),
  fc.record({ op: fc.constant('swap' as const), at: fc.nat(), other: fc.nat() }),
);

function applyChars(text: string, e: Edit): string {
  const at = text.length === 0 ? 0 : e.at % (text.length + 1);
  switch (e.op) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + e.len);
    case 'duplicate':
      return text.slice(0, at + e.len) + text.slice(at, at + e.len) + text.slice(at + e.len);
    case 'insert':
      return text.slice(0, at) + e.text + text.slice(at);
    case 'swap': {
      const b = text.length === 0 ? 0 : e.other % text.length;
      const chars = [...text];
      if (chars.length < 2) return text;
      const i = at % chars.length;
      [chars[i], chars[b]] = [chars[b]!, chars[i]!];
      return chars.join('');
    }
  }
}

function applyTokens(text: string, e: Edit): string {
  const parts = text.split(/(\s+)/);
  if (parts.length === 0) return text;
  const at = e.at % parts.length;
  switch (e.op) {
    case 'delete':
      parts.splice(at, Math.min(e.len, 3));
      break;
    case 'duplicate':
      parts.splice(at, 0, ...parts.slice(at, at + Math.min(e.len, 3)));
      break;
    case 'insert':
      parts.splice(at, 0, e.text, ' ');
      break;
    case 'swap': {
      const b = e.other % parts.length;
      [parts[at], parts[b]] = [parts[b]!, parts[at]!];
      break;
    }
  }
  return parts.join('');
}

test('mutations of the acceptance examples', () => {
  const example = fc.constantFrom(...ACCEPTANCE);
  fc.assert(
    fc.property(example, fc.array(edit, { minLength: 1, maxLength: 6 }), (text, edits) =>
      parsesSafely(edits.reduce(applyChars, text)),
    ),
    { numRuns: 400 },
  );
  fc.assert(
    fc.property(example, fc.array(edit, { minLength: 1, maxLength: 6 }), (text, edits) =>
      parsesSafely(edits.reduce(applyTokens, text)),
    ),
    { numRuns: 400 },
  );
});

test('every prefix of an example (truncated files)', () => {
  for (const text of ACCEPTANCE) {
    for (let i = 0; i <= text.length; i += 7) parsesSafely(text.slice(0, i));
  }
});

test('pathological shapes: nesting, long lines, NUL bytes', () => {
  const cases = [
    '{'.repeat(10000) + '}'.repeat(10000),
    `service a/b {${'{'.repeat(10000)}`,
    `service a/b { endpoints ${'10.0.0.1, '.repeat(20000)}}`,
    'x'.repeat(200000),
    `#${'x'.repeat(200000)}`,
    `${'\0'.repeat(5000)}service a/b {}\0`,
    ':'.repeat(50000),
    '-> '.repeat(50000),
    '}'.repeat(50000),
    'service '.repeat(20000),
  ];
  for (const c of cases) assert.ok(parsesSafely(c));
});

test.run();
