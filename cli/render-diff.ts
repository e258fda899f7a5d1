// Render `ksvc diff` results: text for a reviewer, versioned JSON for tools, GitHub annotations at
// the changed services' lines. The changes come from the library (api/diff.ts); nothing here
// decides what changed.
import { createColors } from 'picocolors';
import type { DiffRun, DiffSide, RoutingChange, ServicePortRef } from '../api/diff.ts';
import type { ServicePortChanges } from '../api/diff-summary.ts';
import type { Diagnostic } from '../common/diagnostics.ts';
import type { Packet } from '../compiler/ir/packet.ts';
import type { ClusterModel } from '../compiler/model.ts';
import { DIFFERENCES_COUNTED } from '../verifier/engine/check.ts';
import type { Backend } from '../verifier/model/program.ts';
import { optionWords } from './args.ts';
import { shellWord } from './explain-line.ts';
import { groupedNumber } from './grouped-number.ts';
import { diagnosticJson, ghData, ghProp } from './render-diagnostics.ts';
import {
  type AnnotationPlace,
  coverageText,
  ignoredText,
  json,
  originText,
  packetText,
  placeProps,
  probabilityText,
  regionLines,
  traceLine,
} from './render-verify.ts';
import { escapeForTerminal } from './terminal-text.ts';

export const DIFF_JSON_VERSION = 1;

/** What the renderers need besides the runs: the inputs as the user named them. */
export interface DiffInputs {
  files: Record<DiffSide, string>;
  /** the versions' models (null: rulesets compared without one) */
  models: Record<DiffSide, ClusterModel> | null;
  backend: Backend;
  /** about the comparison as a whole (nodes not compared) */
  notes: string[];
  /** the `ksvc explain` command line for a witness on one version */
  explain: (side: DiffSide, run: DiffRun, witness: Packet) => string;
  /** the file a GitHub annotation may name (null: standard input) */
  realFile: (side: DiffSide) => string | null;
  /** text output: print each witness's rule paths in both versions (JSON always has them) */
  traces: boolean;
}

const SIDES: readonly DiffSide[] = ['old', 'new'];

const runTitle = (r: DiffRun, inputs: DiffInputs) =>
  `${escapeForTerminal(inputs.files.old)} -> ${escapeForTerminal(inputs.files.new)}${r.node === null ? '' : `, node ${r.node}`}, ${r.family} (${r.backend} rules)`;

/** What the changes no service port is named for are called (without a model none is). */
const unnamedText = (inputs: DiffInputs) => (inputs.models === null ? 'packets' : 'packets to no service port');

/** The service ports a change is about, both versions' names merged. */
function servicePortsText(change: RoutingChange, inputs: DiffInputs): string {
  const names = new Set(SIDES.flatMap((s) => change.servicePorts[s].map((p) => p.servicePortName)));
  if (names.size === 0) return unnamedText(inputs);
  const only = (side: DiffSide) => (n: string) => !change.servicePorts[side].some((p) => p.servicePortName === n);
  return (
    [...names]
      // the witness is addressed to it in one version only: the port is gone or new, or its frontend
      // (cluster IP, port, a node address) changed
      .map((n) => `${escapeForTerminal(n)}${only('new')(n) ? ' (old only)' : only('old')(n) ? ' (new only)' : ''}`)
      .join(', ')
  );
}

/** A change as a reviewer reads it, up to its explain lines (which name the run's node). */
function changeBody(change: RoutingChange, inputs: DiffInputs, c: ReturnType<typeof createColors>): string[] {
  const cx = change.counterexample;
  const lines = [
    `${c.yellow(c.bold('CHANGED'))} ${servicePortsText(change, inputs)}: ${classesText(cx.classes)}`,
    `  witness: ${packetText(cx.witness)}`,
    ...regionLines(cx, 'change'),
  ];
  for (const side of SIDES) {
    const d = cx.distributions[side] ?? [];
    lines.push(`  ${side}:`);
    for (const o of d) lines.push(`    ${probabilityText(o.p).padEnd(34)} ${escapeForTerminal(o.outcome)}`);
    if (d.length === 0) lines.push('    (no outcome)');
  }
  for (const side of inputs.traces ? SIDES : []) {
    const paths = cx.traces[side] ?? [];
    lines.push(`  ${side} rules for the witness:`);
    for (const p of paths.slice(0, 4)) {
      lines.push(`    -> ${escapeForTerminal(p.outcome)}`);
      for (const t of p.rules) lines.push(`       ${traceLine(t)}`);
    }
    if (paths.length > 4) lines.push(`    … ${paths.length - 4} more paths (ksvc explain shows all)`);
  }
  return lines;
}

const classesText = (n: number) => `${groupedNumber(n)} ${n === 1 ? 'class changes' : 'classes change'} this way`;

const explainLines = (change: RoutingChange, run: DiffRun, inputs: DiffInputs) =>
  SIDES.map((side) => `  explain ${side}: ${inputs.explain(side, run, change.counterexample.witness)}`);

/** "node node-a, ipv4": which comparison a run is, in a line about several. */
const runLabel = (r: DiffRun) => `${r.node === null ? '' : `node ${escapeForTerminal(r.node)}, `}${r.family}`;

/** The flags that select a run's comparison in `ksvc explain`, as shell words. */
const runFlags = (r: DiffRun) =>
  [...(r.node === null ? [] : optionWords('--node', r.node)), '--family', r.family].map(shellWord).join(' ');

/** How many comparisons a line about several names before it counts the rest. */
const MAX_LABELS = 8;

function labelsText(labels: readonly string[]): string {
  const shown = labels.slice(0, MAX_LABELS).join('; ');
  return labels.length > MAX_LABELS ? `${shown}; … (${labels.length} comparisons)` : shown;
}

/**
 * "shop/web:http (4 changes, 24 classes), its changed packets: now also reach 10.64.1.9:8080;
 * probabilities": what those packets get, not the port (a narrowed source range's dropped packets
 * no longer reach an endpoint its other packets still do).
 */
function summaryLine(s: ServicePortChanges, inputs: DiffInputs): string {
  const name = s.servicePortName === null ? unnamedText(inputs) : escapeForTerminal(s.servicePortName);
  const what = s.kinds.map((k) => {
    if (k === 'endpoints') {
      return [
        ...(s.endpointsAdded.length > 0 ? [`now also reach ${s.endpointsAdded.join(', ')}`] : []),
        ...(s.endpointsRemoved.length > 0 ? [`no longer reach ${s.endpointsRemoved.join(', ')}`] : []),
        ...(s.endpointsShifted.length > 0 ? [`reach ${s.endpointsShifted.join(', ')} otherwise than before`] : []),
        ...(s.endpointsAdded.length + s.endpointsRemoved.length + s.endpointsShifted.length === 0 ? ['endpoints'] : []),
      ].join('; ');
    }
    if (k === 'verdict' && s.verdictChanges.length > 0) return `verdict ${s.verdictChanges.join(', ')}`;
    return k;
  });
  const count = `${s.changes} change${s.changes === 1 ? '' : 's'}, ${groupedNumber(s.classes)} class${s.classes === 1 ? '' : 'es'}`;
  const whose = s.servicePortName === null ? '' : ', its changed packets';
  return `${name} (${count})${whose}: ${escapeForTerminal(what.join('; '))}`;
}

/** How many distinct changes a comparison found: those shown, and those past --max-changes. */
const changesFound = (r: DiffRun): number => r.report?.stats.differences ?? r.changes.length;

/** "3 distinct changes", or "50 of 73 distinct changes shown (--max-changes)" when some were only counted. */
function changeCount(r: DiffRun): string {
  const found = changesFound(r);
  const shown = r.changes.length;
  if (r.report?.stats.differencesCapped)
    return `${shown} of more than ${groupedNumber(found)} distinct changes shown (counting stopped there; --max-changes for more)`;
  if (found > shown) return `${shown} of ${groupedNumber(found)} distinct changes shown (--max-changes for more)`;
  return `${shown} distinct change${shown === 1 ? '' : 's'}`;
}

/** How many names of service ports with changes not shown the text lists (JSON has them all). */
const MORE_NAMES = 20;

/** How many service ports the text's summary describes (a change to a shared range touches thousands; JSON has them all). */
const SUMMARY_LINES = 100;

function moreText(names: readonly string[], capped: boolean): string {
  const shown = names.slice(0, MORE_NAMES).map(escapeForTerminal).join(', ');
  const n = names.length;
  // past the changes counted, JSON has those counted only (differencesCapped says so there)
  const json = capped ? 'the changes counted' : 'every one';
  return `… and ${groupedNumber(n)} more service port${n === 1 ? '' : 's'} with changes: ${shown}${n > MORE_NAMES ? ', …' : ''} (--output json describes ${json})`;
}

const servicePortCounts = (r: DiffRun) =>
  r.servicePorts.old === null || r.servicePorts.new === null
    ? ''
    : `service ports old ${groupedNumber(r.servicePorts.old)}, new ${groupedNumber(r.servicePorts.new)}; `;

export function renderDiffText(runs: readonly DiffRun[], inputs: DiffInputs, color: boolean): string {
  const c = createColors(color);
  const out: string[] = [];
  // a change printed whole once: a later comparison with the same change (a cluster IP's, seen
  // from every node alike) names the comparison that printed it
  const printedIn = new Map<string, DiffRun>();
  // each service port's summary line and the comparisons it holds for
  const across = new Map<string, string[]>();
  for (const r of runs) {
    const rep = r.report;
    if (!rep) continue;
    out.push(c.bold(runTitle(r, inputs)));
    out.push(
      `  ${rep.equivalent ? c.green('✓ every packet is routed the same way') : c.yellow(changeCount(r))}; ${servicePortCounts(r)}${coverageText(rep)}`,
    );
    if (!rep.equivalent) {
      // the summary covers the changes past --max-changes too, as far as they were kept
      const capped = rep.stats.differencesCapped;
      out.push(
        `  what changes, by service port${capped ? ` (in the first ${groupedNumber(DIFFERENCES_COUNTED)} changes)` : ''}:`,
      );
      const lines = r.summary.map((s) => summaryLine(s, inputs));
      for (const line of lines) {
        const labels = across.get(line);
        if (labels) labels.push(runLabel(r));
        else across.set(line, [runLabel(r)]);
      }
      for (const line of lines.slice(0, SUMMARY_LINES)) out.push(`    ${line}`);
      // the service ports past the summary's lines, and any only counted (past DIFFERENCES_COUNTED)
      const summarized = new Set(r.summary.map((s) => s.servicePortName));
      const more = [
        ...r.summary
          .slice(SUMMARY_LINES)
          .map((s) => (s.servicePortName === null ? unnamedText(inputs) : s.servicePortName)),
        ...r.changedServicePorts.filter((p) => !summarized.has(p.servicePortName)).map((p) => p.servicePortName),
      ];
      if (more.length > 0) out.push(`    ${moreText(more, capped)}`);
    }
    for (const ch of r.changes) {
      const body = changeBody(ch, inputs, c);
      const key = body.join('\n');
      const earlier = printedIn.get(key);
      if (earlier === undefined) {
        printedIn.set(key, r);
        out.push(...body, ...explainLines(ch, r, inputs));
      } else {
        out.push(`${body[0]}, as on ${runLabel(earlier)} (printed there; explain it with ${runFlags(r)})`);
      }
    }
    for (const n of rep.notes) out.push(`  note: ${escapeForTerminal(n)}`);
    // as verify and explain print it: a same-routing verdict is about what was read
    const ignored = ignoredText(rep.ignored);
    if (ignored !== null) out.push(`  ${ignored}`);
    out.push('');
  }
  for (const n of inputs.notes) out.push(`note: ${escapeForTerminal(n)}`);
  const changed = runs.filter((r) => !r.report?.equivalent).length;
  if (changed > 1) {
    out.push(`what changes, by service port, across the ${changed} comparisons with changes:`);
    const all = [...across];
    for (const [line, labels] of all.slice(0, SUMMARY_LINES)) out.push(`  ${line}`, `    on ${labelsText(labels)}`);
    if (all.length > SUMMARY_LINES)
      out.push(`  … and ${groupedNumber(all.length - SUMMARY_LINES)} more (--output json lists every one)`);
  }
  out.push(
    changed === 0
      ? c.green(
          c.bold(
            `same routing: ${runs.length} comparison${runs.length === 1 ? '' : 's'}, every packet gets the same outcome`,
          ),
        )
      : c.yellow(
          c.bold(
            `routing CHANGED in ${changed} of ${runs.length} comparison${runs.length === 1 ? '' : 's'}: see above`,
          ),
        ),
  );
  return `${out.join('\n')}\n`;
}

export function renderDiffJson(
  runs: readonly DiffRun[],
  inputs: DiffInputs,
  diagnostics: readonly Diagnostic[],
): string {
  return `${json({
    schemaVersion: DIFF_JSON_VERSION,
    old: inputs.files.old,
    new: inputs.files.new,
    backend: inputs.backend,
    changed: runs.some((r) => !r.report?.equivalent),
    comparisons: runs.map((r) => ({
      node: r.node,
      family: r.family,
      changed: r.report ? !r.report.equivalent : null,
      servicePorts: r.servicePorts,
      stats: r.report?.stats ?? null,
      locality: r.report?.locality ?? null,
      summary: r.summary,
      changedServicePorts: r.changedServicePorts,
      changes: r.changes.map((ch) => ({
        servicePorts: ch.servicePorts,
        classes: ch.counterexample.classes,
        witness: ch.counterexample.witness,
        region: ch.counterexample.region,
        moreRegions: ch.counterexample.moreRegions,
        unlistedClasses: ch.counterexample.unlistedClasses,
        distributions: ch.counterexample.distributions,
        traces: Object.fromEntries(
          Object.entries(ch.counterexample.traces).map(([k, paths]) => [
            k,
            paths.map((p) => ({ outcome: p.outcome, rules: p.rules.map((t) => ({ ...t, text: originText(t) })) })),
          ]),
        ),
      })),
      ignored: r.report?.ignored ?? [],
      notes: r.report?.notes ?? [],
    })),
    notes: inputs.notes,
    diagnostics: diagnostics.map(diagnosticJson),
  })}\n`;
}

/** The line of a service's declaration in a version's file; null when the file or the service has none. */
function servicePlace(inputs: DiffInputs, side: DiffSide, ref: ServicePortRef): AnnotationPlace | null {
  const file = inputs.realFile(side);
  if (file === null) return null;
  const svc = inputs.models?.[side].services.find((s) => s.namespace === ref.namespace && s.name === ref.name);
  const line = svc?.origin?.span?.start.line;
  return line === undefined ? { file } : { file, line };
}

/** A change's annotation: at its service in the new file, or in the old one when the new has none. */
function changePlace(change: RoutingChange, inputs: DiffInputs): AnnotationPlace | null {
  for (const side of ['new', 'old'] as const) {
    const ref = change.servicePorts[side][0];
    if (ref) return servicePlace(inputs, side, ref);
  }
  const file = inputs.realFile('new');
  return file === null ? null : { file };
}

/**
 * One annotation per distinct change: a change several comparisons have alike (a cluster IP's, on
 * every node) is one annotation naming them all, so a pull request is not flooded with copies.
 */
export function renderDiffGithub(runs: readonly DiffRun[], inputs: DiffInputs): string {
  const annotations = new Map<string, { place: string; title: string; runs: DiffRun[]; change: RoutingChange }>();
  const plain = createColors(false);
  for (const r of runs) {
    for (const ch of r.changes) {
      const place = placeProps(changePlace(ch, inputs));
      const title = `ksvc diff: ${servicePortsText(ch, inputs)}`;
      const key = `${place}\n${changeBody(ch, inputs, plain).join('\n')}`;
      const seen = annotations.get(key);
      if (seen) seen.runs.push(r);
      else annotations.set(key, { place, title, runs: [r], change: ch });
    }
  }
  const out: string[] = [];
  for (const { place, title, runs: where, change } of annotations.values()) {
    const cx = change.counterexample;
    const files = `${escapeForTerminal(inputs.files.old)} -> ${escapeForTerminal(inputs.files.new)}`;
    const body = [
      `${files}, ${labelsText(where.map(runLabel))} (${where[0]!.backend} rules): ${classesText(cx.classes)}`,
      `witness: ${packetText(cx.witness)}`,
      ...SIDES.map(
        (side) =>
          `${side}: ${(cx.distributions[side] ?? []).map((o) => `${escapeForTerminal(o.outcome)} @ ${probabilityText(o.p)}`).join('; ') || '(no outcome)'}`,
      ),
      `explain new: ${inputs.explain('new', where[0]!, cx.witness)}`,
    ].join('\n');
    out.push(`::warning ${place}title=${ghProp(title)}::${ghData(body)}\n`);
  }
  const changed = runs.some((r) => !r.report?.equivalent);
  const at = inputs.realFile('new');
  // changes past --max-changes are counted, not annotated: say so, or a reviewer sees a few
  for (const r of runs) {
    const found = changesFound(r);
    if (found > r.changes.length)
      out.push(
        `::notice ${placeProps(at === null ? null : { file: at })}title=ksvc diff::${ghData(`${runLabel(r)}: ${r.changes.length} of ${groupedNumber(found)} distinct changes annotated (--max-changes for more)`)}\n`,
      );
  }
  if (!changed) {
    out.push(
      `::notice ${placeProps(at === null ? null : { file: at })}title=ksvc diff::same routing (${runs.length} comparison${runs.length === 1 ? '' : 's'})\n`,
    );
  }
  return out.join('');
}
