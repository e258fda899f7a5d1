// Render `ksvc diff` results: text for a reviewer, versioned JSON for tools, GitHub annotations at
// the changed services' lines. The changes come from the library (api/diff.ts); nothing here
// decides what changed.
import { createColors } from 'picocolors';
import type { DiffRun, DiffSide, RoutingChange, ServicePortRef } from '../api/diff.ts';
import type { ServicePortChanges } from '../api/diff-summary.ts';
import type { Packet } from '../compiler/ir/packet.ts';
import type { ClusterModel } from '../compiler/model.ts';
import type { Backend } from '../verifier/model/program.ts';
import { groupedNumber } from './grouped-number.ts';
import { ghData, ghProp } from './render-diagnostics.ts';
import {
  type AnnotationPlace,
  coverageText,
  json,
  originText,
  packetText,
  placeProps,
  probabilityText,
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
  return [...names]
    .map((n) => `${escapeForTerminal(n)}${only('new')(n) ? ' (gone in new)' : only('old')(n) ? ' (new)' : ''}`)
    .join(', ');
}

function changeText(change: RoutingChange, run: DiffRun, inputs: DiffInputs, c: ReturnType<typeof createColors>) {
  const cx = change.counterexample;
  const lines = [
    `${c.yellow(c.bold('CHANGED'))} ${servicePortsText(change, inputs)}: ${groupedNumber(cx.classes)} ${cx.classes === 1 ? 'class changes' : 'classes change'} this way`,
    `  witness: ${packetText(cx.witness)}`,
    '  region (every packet here changes the same way):',
    ...cx.region.map((r) => `    ${escapeForTerminal(r)}`),
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
  for (const side of SIDES) lines.push(`  explain ${side}: ${inputs.explain(side, run, cx.witness)}`);
  return lines.join('\n');
}

/** "shop/web:http (4 changes, 24 classes): now also reaches 10.64.1.9:8080; probabilities" */
function summaryLine(s: ServicePortChanges, inputs: DiffInputs): string {
  const name = s.servicePortName === null ? unnamedText(inputs) : escapeForTerminal(s.servicePortName);
  const what = s.kinds.map((k) => {
    if (k === 'endpoints') {
      return [
        ...(s.endpointsAdded.length > 0 ? [`now also reaches ${s.endpointsAdded.join(', ')}`] : []),
        ...(s.endpointsRemoved.length > 0 ? [`no longer reaches ${s.endpointsRemoved.join(', ')}`] : []),
        ...(s.endpointsAdded.length + s.endpointsRemoved.length === 0 ? ['endpoints'] : []),
      ].join('; ');
    }
    if (k === 'verdict' && s.verdicts) return `verdict ${s.verdicts.old.join('/')} -> ${s.verdicts.new.join('/')}`;
    return k;
  });
  const count = `${s.changes} change${s.changes === 1 ? '' : 's'}, ${groupedNumber(s.classes)} class${s.classes === 1 ? '' : 'es'}`;
  return `${name} (${count}): ${escapeForTerminal(what.join('; '))}`;
}

/** "3 distinct changes", or "50 of 73 distinct changes shown (--max-changes)" when some were only counted. */
function changeCount(r: DiffRun): string {
  const found = r.report?.stats.differences ?? r.changes.length;
  const shown = r.changes.length;
  if (found > shown) return `${shown} of ${groupedNumber(found)} distinct changes shown (--max-changes for more)`;
  return `${shown} distinct change${shown === 1 ? '' : 's'}`;
}

/** How many names of service ports with changes not shown the text lists (JSON has them all). */
const MORE_NAMES = 20;

const servicePortCounts = (r: DiffRun) =>
  r.servicePorts.old === null || r.servicePorts.new === null
    ? ''
    : `service ports old ${groupedNumber(r.servicePorts.old)}, new ${groupedNumber(r.servicePorts.new)}; `;

export function renderDiffText(runs: readonly DiffRun[], inputs: DiffInputs, color: boolean): string {
  const c = createColors(color);
  const out: string[] = [];
  for (const r of runs) {
    const rep = r.report;
    if (!rep) continue;
    out.push(c.bold(runTitle(r, inputs)));
    out.push(
      `  ${rep.equivalent ? c.green('✓ every packet is routed the same way') : c.yellow(changeCount(r))}; ${servicePortCounts(r)}${coverageText(rep)}`,
    );
    if (!rep.equivalent) {
      const capped = rep.stats.differences > r.changes.length;
      out.push(`  what changes, by service port${capped ? ' (in the changes shown)' : ''}:`);
      for (const s of r.summary) out.push(`    ${summaryLine(s, inputs)}`);
      const named = new Set(r.summary.map((s) => s.servicePortName));
      const more = r.changedServicePorts.filter((p) => !named.has(p.servicePortName)).map((p) => p.servicePortName);
      if (more.length > 0) {
        const shown = more.slice(0, MORE_NAMES).map(escapeForTerminal).join(', ');
        out.push(
          `    … and ${groupedNumber(more.length)} more service port${more.length === 1 ? '' : 's'} with changes not shown: ${shown}${more.length > MORE_NAMES ? ', …' : ''}`,
        );
      }
    }
    for (const ch of r.changes) out.push(changeText(ch, r, inputs, c));
    for (const n of rep.notes) out.push(`  note: ${escapeForTerminal(n)}`);
    out.push('');
  }
  for (const n of inputs.notes) out.push(`note: ${escapeForTerminal(n)}`);
  const changed = runs.filter((r) => !r.report?.equivalent).length;
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

export function renderDiffJson(runs: readonly DiffRun[], inputs: DiffInputs, diagnostics: readonly unknown[]): string {
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
    diagnostics,
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

export function renderDiffGithub(runs: readonly DiffRun[], inputs: DiffInputs): string {
  const out: string[] = [];
  for (const r of runs) {
    for (const ch of r.changes) {
      const cx = ch.counterexample;
      const body = [
        `${runTitle(r, inputs)}: ${groupedNumber(cx.classes)} ${cx.classes === 1 ? 'class changes' : 'classes change'} this way`,
        `witness: ${packetText(cx.witness)}`,
        ...SIDES.map(
          (side) =>
            `${side}: ${(cx.distributions[side] ?? []).map((o) => `${escapeForTerminal(o.outcome)} @ ${probabilityText(o.p)}`).join('; ') || '(no outcome)'}`,
        ),
        `explain new: ${inputs.explain('new', r, cx.witness)}`,
      ].join('\n');
      const title = `ksvc diff: ${servicePortsText(ch, inputs)}`;
      out.push(`::warning ${placeProps(changePlace(ch, inputs))}title=${ghProp(title)}::${ghData(body)}\n`);
    }
  }
  const changed = runs.some((r) => !r.report?.equivalent);
  const at = inputs.realFile('new');
  if (!changed) {
    out.push(
      `::notice ${placeProps(at === null ? null : { file: at })}title=ksvc diff::same routing (${runs.length} comparison${runs.length === 1 ? '' : 's'})\n`,
    );
  }
  return out.join('');
}
