// Helpers for the checker tests: run .ksvc text through the front end (parser + checker) and
// assert diagnostics by code and by the line:col where their span starts.
import * as assert from 'uvu/assert';
import type { Diagnostic } from '../../common/diagnostics.ts';
import { makeSourceFile } from '../../common/source.ts';
import { type FrontResult, loadKsvc } from '../../compiler/load-ksvc.ts';

export const BASE = `node n1 {
  address 192.168.0.1
}
node n2 {
  address 192.168.0.2
}
`;

export function run(text: string): FrontResult {
  return loadKsvc(makeSourceFile('t.ksvc', text));
}

/**
 * 1-based line:col of the nth occurrence of needle in text. A '|' in the needle marks the position
 * inside it ('web=|0' is the '0' after 'web=').
 */
export function posOf(text: string, marked: string, nth = 0): string {
  const bar = marked.indexOf('|');
  const needle = bar < 0 ? marked : marked.slice(0, bar) + marked.slice(bar + 1);
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`test bug: '${needle}' #${nth} not in the text`);
  }
  if (bar > 0) at += bar;
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const col = at - before.lastIndexOf('\n');
  return `${line}:${col}`;
}

const where = (d: Diagnostic): string => (d.span ? `${d.span.start.line}:${d.span.start.column}` : '-');
const show = (ds: readonly Diagnostic[]): string => ds.map((d) => `${d.code}@${where(d)} ${d.message}`).join('\n  ');

/**
 * Assert that checking `text` reports `code` starting at the nth occurrence of `needle`, and
 * return that diagnostic. Errors make the model null.
 */
export function expectDiag(text: string, code: string, needle: string, nth = 0): Diagnostic {
  const r = run(text);
  const want = posOf(text, needle, nth);
  const hit = r.diagnostics.find((d) => d.code === code && where(d) === want);
  assert.ok(hit, `expected ${code} at ${want}, got:\n  ${show(r.diagnostics)}`);
  if (hit!.severity === 'error') assert.is(r.model, null, 'a file with errors must not produce a model');
  return hit!;
}

/** Assert no errors, and exactly these warning codes (in any order, with multiplicity). */
export function expectClean(text: string, warnings: string[] = []): FrontResult {
  const r = run(text);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 0, `expected no errors, got:\n  ${show(errors)}`);
  const got = r.diagnostics
    .filter((d) => d.severity === 'warning')
    .map((d) => d.code)
    .sort();
  assert.equal(got, [...warnings].sort(), `warnings:\n  ${show(r.diagnostics)}`);
  assert.ok(r.model, 'a clean file produces a model');
  return r;
}

/** Assert the text reports this code nowhere. */
export function expectNo(text: string, code: string): void {
  const r = run(text);
  const hits = r.diagnostics.filter((d) => d.code === code);
  assert.equal(hits.length, 0, `did not expect ${code}:\n  ${show(hits)}`);
}
