// Render `ksvc explain`: the packet, what was assumed for what the command line did not give,
// which addresses count as the node's, then per case (one unless the packet leaves open something
// the rules test) each evaluator's outcomes with exact probabilities and the rules on each path.
import { createColors } from 'picocolors';
import type { Explanation } from '../api/verify.ts';
import type { ExplainCase } from '../verifier/explain.ts';
import {
  ignoredText,
  json,
  originText,
  packetText,
  probabilityText,
  traceLine,
  VERIFY_JSON_VERSION,
} from './render-verify.ts';
import { escapeForTerminal } from './terminal-text.ts';

/** A default the command line filled in: the option and the value assumed. */
export interface AssumedDefault {
  option: string;
  value: string;
}

function localityText(e: Explanation): string {
  if (e.locality.mode === 'universal') {
    // (an IPv4 packet arriving from a node address is a martian, routing drops it after nat
    // prerouting; the case says so)
    return 'not known (no model), but for loopback: where a rule asks about the source or the destination, the cases say';
  }
  return [...e.locality.addresses, e.packet.src.includes(':') ? '::1' : '127.0.0.0/8'].join(', ');
}

function resultsText(results: ExplainCase['results'], c: ReturnType<typeof createColors>, out: string[]): void {
  for (const [name, outcomes] of Object.entries(results)) {
    out.push('', c.bold(`${name}:`));
    for (const o of outcomes) {
      out.push(`  ${probabilityText(o.p).padEnd(34)} ${escapeForTerminal(o.outcome)}`);
      for (const [i, path] of o.paths.entries()) {
        if (o.paths.length > 1) out.push(`    path ${i + 1}:`);
        for (const t of path) out.push(`      ${traceLine(t)}`);
      }
    }
    if (outcomes.length === 0) out.push('  (no outcome)');
  }
}

export function renderExplainText(e: Explanation, color: boolean, assumed: readonly AssumedDefault[] = []): string {
  const c = createColors(color);
  const out: string[] = [c.bold(`packet: ${packetText(e.packet)}`)];
  if (assumed.length > 0) {
    out.push(`assumed (not given): ${assumed.map((a) => `${a.option} ${escapeForTerminal(a.value)}`).join(', ')}`);
  }
  out.push(`local addresses: ${localityText(e)}`);
  for (const n of e.notes) out.push(`note: ${escapeForTerminal(n)}`);
  const ignored = ignoredText(e.ignored);
  if (ignored !== null) out.push(ignored);
  if (e.cases.length === 1) {
    resultsText(e.cases[0]!.results, c, out);
    return `${out.join('\n')}\n`;
  }
  out.push('', c.bold(`${e.cases.length} cases: the outcome depends on something the packet does not fix`));
  for (const [i, k] of e.cases.entries()) {
    out.push(
      '',
      c.bold(`case ${i + 1} of ${e.cases.length}: if ${k.conditions.map(escapeForTerminal).join(', and ')}`),
    );
    resultsText(k.results, c, out);
  }
  return `${out.join('\n')}\n`;
}

const resultsJson = (results: ExplainCase['results']) =>
  Object.fromEntries(
    Object.entries(results).map(([k, os]) => [
      k,
      os.map((o) => ({
        outcome: o.outcome,
        p: o.p,
        probability: probabilityText(o.p),
        paths: o.paths.map((p) => p.map((t) => ({ ...t, text: originText(t) }))),
      })),
    ]),
  );

/** `results` is there when the packet has one case; `cases` always (each with its conditions). */
export function renderExplainJson(e: Explanation, assumed: readonly AssumedDefault[] = []): string {
  return `${json({
    schemaVersion: VERIFY_JSON_VERSION,
    packet: e.packet,
    assumed,
    locality: e.locality,
    notes: e.notes,
    ignored: e.ignored,
    markBits: `0x${e.markBits.toString(16).padStart(8, '0')}`,
    cases: e.cases.map((k) => ({ conditions: k.conditions, results: resultsJson(k.results) })),
    ...(e.cases.length === 1 ? { results: resultsJson(e.cases[0]!.results) } : {}),
  })}\n`;
}
