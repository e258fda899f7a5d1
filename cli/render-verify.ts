// Render verification results and explanations: text for people, versioned JSON for machines,
// GitHub Actions annotations for CI. The reports come from the library (api/verify.ts); nothing
// here decides what is equivalent.
import { createColors } from 'picocolors';
import type { Counterexample, VerifyReport, VerifyRun } from '../api/verify.ts';
import { type Diagnostic, escapeJsonUnsafe } from '../common/diagnostics.ts';
import { type Rational, reduce } from '../compiler/ir/outcome.ts';
import type { Packet } from '../compiler/ir/packet.ts';
import type { Assumption } from '../verifier/assumptions.ts';
import type { TraceEntry } from '../verifier/engine/flow.ts';
import type { IgnoredItem } from '../verifier/model/program.ts';
import { nftRuleText } from '../verifier/nftables/rule-text.ts';
import { groupedNumber } from './grouped-number.ts';
import { diagnosticJson, ghData, ghProp } from './render-diagnostics.ts';
import { escapeForTerminal } from './terminal-text.ts';

export const VERIFY_JSON_VERSION = 1;

/** "0.3333333333 (715827883/2^31)": a decimal to read, the exact value to trust. */
export function probabilityText(p: Rational): string {
  const { num, den } = reduce(p);
  if (den === 1n) return `${num}`;
  const digits = 10n ** 10n;
  const scaled = (num * digits * 2n + den) / (den * 2n);
  const dec = `${scaled / digits}.${(scaled % digits).toString().padStart(10, '0')}`;
  const isPow2 = (den & (den - 1n)) === 0n;
  const denText = isPow2 ? `2^${den.toString(2).length - 1}` : `${den}`;
  const exact = `${num}/${denText}`;
  // a fraction of hundreds of digits (a 57-way split's threshold, a total variation) would push the
  // outcomes out of their column: said in short, the exact value is in --output json
  if (exact.length <= MAX_FRACTION_TEXT) return `${dec} (${exact})`;
  return `${dec} (${isPow2 ? `…/${denText}, ` : ''}exact in --output json)`;
}

/** The longest fraction written out in text (715827883/2^31 is 14 characters). */
const MAX_FRACTION_TEXT = 24;

const COMPARISON_TEXT: Record<string, string> = {
  'iptables=nftables': 'iptables ≡ nftables (kernel-level probabilities, exactly)',
  'ir=iptables': 'IR ≡ iptables (intended 1/N, total variation within the bound)',
  'ir=nftables': 'IR ≡ nftables (intended 1/N, total variation within the bound)',
};

const runTitle = (r: VerifyRun, label: string) =>
  `${escapeForTerminal(label)}${r.node === null ? '' : `, node ${r.node}`}, ${r.family}`;

/** A packet as one line: "tcp 203.0.113.7:40000 -> 10.96.0.10:80, arriving on eth0, new, mark 0x0". */
export function packetText(p: Packet): string {
  const ports = p.protocol === 'tcp' || p.protocol === 'udp' || p.protocol === 'sctp';
  const ep = (ip: string, port: number) => (ports ? `${ip.includes(':') ? `[${ip}]` : ip}:${port}` : ip);
  // the interface and affinity list names come from the rulesets or the command line
  const way = p.path === 'local' ? 'generated on the node' : `arriving on ${escapeForTerminal(p.inInterface ?? '?')}`;
  const ct = p.ct.state === 'new' ? 'new connection' : `ct ${p.ct.state}${p.ct.dnat ? ' (DNATed)' : ''}`;
  const aff = Object.entries(p.affinityAges).map(
    ([l, a]) => `, affinity record for ${escapeForTerminal(l)} ${a} s old`,
  );
  return `${p.protocol} ${ep(p.src, p.sport)} -> ${ep(p.dst, p.dport)}, ${way}, ${ct}, mark 0x${p.mark.toString(16)}${aff.join('')}`;
}

const MAX_RULE_TEXT = 400;

/**
 * Where a rule is (file:line for iptables, file + JSON pointer for nft) and the rule itself: the
 * iptables line as written; an nft rule in nft syntax (the pointer locates its JSON).
 */
export const originText = (t: TraceEntry): string => {
  const o = t.origin;
  if (!o) return `${t.chain} #${t.rule + 1}`;
  const file = escapeForTerminal(o.file);
  const at =
    o.line !== undefined
      ? `${file}:${o.line}`
      : o.jsonPath !== undefined
        ? `${file}${escapeForTerminal(o.jsonPath)}`
        : file;
  const where = o.assumed ? `${at} (assumed hook)` : at;
  const text = o.backend === 'nftables' ? nftRuleText(o.text) : o.text;
  return `${where}  ${escapeForTerminal(text.length > MAX_RULE_TEXT ? `${text.slice(0, MAX_RULE_TEXT - 3)}...` : text)}`;
};

/** A trace line: the rule, and the random choice it took (if any). */
export const traceLine = (t: TraceEntry): string =>
  `${originText(t)}${/^(random|numgen)/.test(t.note) ? `  [${t.note}]` : ''}`;

/** The command line that explains a witness (paste it to see both paths). */
export type ExplainCommandOf = (r: VerifyRun, witness: Packet) => string;

function counterexampleText(
  cx: Counterexample,
  run: VerifyRun,
  explainCommand: ExplainCommandOf,
  c: ReturnType<typeof createColors>,
): string {
  const lines: string[] = [];
  lines.push(
    `${c.red(c.bold('DIFFERENT'))} ${COMPARISON_TEXT[cx.comparison] ?? cx.comparison}: ${cx.classes} class${cx.classes === 1 ? ' differs' : 'es differ'} this way`,
  );
  lines.push(`  witness: ${packetText(cx.witness)}`);
  lines.push(...regionLines(cx, 'differ'));
  if (cx.tv) lines.push(`  total variation: ${probabilityText(cx.tv)}`);
  for (const [name, d] of Object.entries(cx.distributions)) {
    lines.push(`  ${name}:`);
    for (const o of d) lines.push(`    ${probabilityText(o.p).padEnd(34)} ${escapeForTerminal(o.outcome)}`);
    if (d.length === 0) lines.push('    (no outcome)');
  }
  for (const [name, paths] of Object.entries(cx.traces)) {
    lines.push(`  ${name} rules for the witness:`);
    for (const p of paths.slice(0, 6)) {
      lines.push(`    -> ${escapeForTerminal(p.outcome)}`);
      for (const t of p.rules) lines.push(`       ${traceLine(t)}`);
    }
    if (paths.length > 6) lines.push(`    … ${paths.length - 6} more paths (ksvc explain shows all)`);
  }
  lines.push(`  explain: ${explainCommand(run, cx.witness)}`);
  return lines.join('\n');
}

export function renderVerifyText(
  runs: readonly VerifyRun[],
  label: string,
  assumptions: readonly Assumption[],
  explainCommand: ExplainCommandOf,
  color: boolean,
): string {
  const c = createColors(color);
  const out: string[] = [];
  for (const r of runs) {
    const rep = r.report;
    if (!rep) continue;
    out.push(c.bold(runTitle(r, label)));
    const s = rep.stats;
    for (const cmp of rep.comparisons) {
      const bad = rep.counterexamples.some((x) => x.comparison === cmp);
      const tv = s.maxTV[cmp];
      out.push(
        `  ${bad ? c.red('✗') : c.green('✓')} ${COMPARISON_TEXT[cmp] ?? cmp}${tv && !bad ? `; largest total variation ${probabilityText(tv)}` : ''}`,
      );
    }
    out.push(
      `  ${rep.servicePorts === null ? '' : `${groupedNumber(rep.servicePorts)} service ports; `}${coverageText(rep)}`,
    );
    for (const cx of rep.counterexamples) out.push(counterexampleText(cx, r, explainCommand, c));
    const unshown = s.differences - rep.counterexamples.length;
    if (unshown > 0) {
      out.push(
        `  … ${groupedNumber(unshown)} more distinct difference${unshown === 1 ? '' : 's'} found, not shown (--max-counterexamples)`,
      );
    }
    const ignored = ignoredText(rep.ignored);
    if (ignored !== null) out.push(`  ${ignored}`);
    for (const n of rep.notes) out.push(`  note: ${escapeForTerminal(n)}`);
    out.push('');
  }
  const equivalent = runs.every((r) => r.report?.equivalent);
  out.push(
    equivalent
      ? c.green(
          c.bold(`equivalent: ${runs.length} check${runs.length === 1 ? '' : 's'}, every packet gets the same outcome`),
        )
      : c.red(c.bold('NOT equivalent: see the differences above')),
  );
  out.push(`assumed (docs/verifier.md): ${assumptions.map((a) => a.id).join(', ')}`);
  return `${out.join('\n')}\n`;
}

/** "N packet classes in N shards (N evaluated, N by shape); every packet covered (…); locality L" */
export const coverageText = (rep: VerifyReport): string => {
  const s = rep.stats;
  return `${groupedNumber(s.classes)} packet classes in ${groupedNumber(s.shards)} shards (${s.evaluatedShards} evaluated, ${s.reusedShards} by shape); ${coveredText(s.packets, s.universe)}; locality ${rep.locality}`;
};

function coveredText(packets: Rational, universe: Rational): string {
  const whole = packets.num * universe.den === universe.num * packets.den;
  const log2 = (r: Rational) => {
    const q = r.num / r.den;
    return q > 0n ? q.toString(2).length - 1 : 0;
  };
  return whole ? `every packet covered (about 2^${log2(universe)})` : 'COVERAGE MISMATCH (report this)';
}

export const json = (v: unknown) =>
  escapeJsonUnsafe(
    JSON.stringify(
      v,
      (_, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Map ? Object.fromEntries(x) : x),
      2,
    ),
  );

export function renderVerifyJson(
  runs: readonly VerifyRun[],
  label: string,
  assumptions: readonly Assumption[],
  diagnostics: readonly Diagnostic[],
): string {
  return `${json({
    schemaVersion: VERIFY_JSON_VERSION,
    input: label,
    equivalent: runs.every((r) => r.report?.equivalent),
    checks: runs.map((r) => ({
      node: r.node,
      family: r.family,
      equivalent: r.report?.equivalent ?? null,
      comparisons: r.report?.comparisons ?? [],
      stats: r.report?.stats ?? null,
      tvBound: r.report?.tvBound ?? null,
      locality: r.report?.locality ?? null,
      counterexamples: (r.report?.counterexamples ?? []).map((cx) => ({
        ...cx,
        traces: Object.fromEntries(
          Object.entries(cx.traces).map(([k, paths]) => [
            k,
            paths.map((p) => ({ outcome: p.outcome, rules: p.rules.map((t) => ({ ...t, text: originText(t) })) })),
          ]),
        ),
      })),
      ignored: r.report?.ignored ?? [],
      notes: r.report?.notes ?? [],
    })),
    assumptions,
    diagnostics: diagnostics.map(diagnosticJson),
  })}\n`;
}

/** A file (and line) a GitHub annotation can point at; null: none (the annotation has no file=). */
export interface AnnotationPlace {
  file: string;
  line?: number;
}

/**
 * Where a counterexample's annotation points: the real file of an artifact it names (iptables
 * first: its rules have lines), at the rule that decided the witness's path to an outcome the two
 * sides give different probabilities (a guess: which rule is wrong is not known); `files` maps
 * each artifact read from a file to its path.
 */
export function counterexamplePlace(
  cx: Counterexample,
  files: Partial<Record<'iptables' | 'nftables', string>>,
): AnnotationPlace | null {
  const sides = cx.comparison.split('=');
  const backend = (['iptables', 'nftables'] as const).find((b) => sides.includes(b) && files[b] !== undefined);
  if (!backend) return null;
  const file = files[backend]!;
  const mine = new Map((cx.distributions[backend] ?? []).map((o) => [o.outcome, probabilityText(o.p)]));
  const other = sides.find((x) => x !== backend)!;
  const theirs = new Map((cx.distributions[other] ?? []).map((o) => [o.outcome, probabilityText(o.p)]));
  const paths = cx.traces[backend] ?? [];
  const differing = paths.find((p) => theirs.get(p.outcome) !== mine.get(p.outcome)) ?? paths[0];
  // the deciding rule: for an outcome both sides have (only its probability differs) the last
  // random draw on its path; for one the other side lacks its DNAT; else the path's last rule
  const lined = (differing?.rules ?? []).filter((t) => t.origin?.line !== undefined && !t.origin.assumed);
  const decides = differing && theirs.has(differing.outcome) ? /random|numgen/ : /dnat/;
  const rule = lined.filter((t) => decides.test(t.note)).at(-1) ?? lined.at(-1);
  return rule?.origin?.line !== undefined ? { file, line: rule.origin.line } : { file };
}

export const placeProps = (at: AnnotationPlace | null): string =>
  at === null ? '' : `file=${ghProp(escapeForTerminal(at.file))},${at.line === undefined ? '' : `line=${at.line},`}`;

/**
 * `placeOf`: where each counterexample's annotation points (null: no file=); `inputPlace`: where
 * the closing notice points (the single input file, or null).
 */
export function renderVerifyGithub(
  runs: readonly VerifyRun[],
  label: string,
  explainCommand: ExplainCommandOf,
  placeOf: (cx: Counterexample) => AnnotationPlace | null,
  inputPlace: AnnotationPlace | null,
): string {
  const out: string[] = [];
  for (const r of runs) {
    for (const cx of r.report?.counterexamples ?? []) {
      const title = `ksvc verify: ${cx.comparison} differ`;
      const body = [
        `${runTitle(r, label)}: ${cx.classes} classes differ`,
        `witness: ${packetText(cx.witness)}`,
        ...Object.entries(cx.distributions).map(
          ([n, d]) => `${n}: ${d.map((o) => `${escapeForTerminal(o.outcome)} @ ${probabilityText(o.p)}`).join('; ')}`,
        ),
        `explain: ${explainCommand(r, cx.witness)}`,
      ].join('\n');
      out.push(`::error ${placeProps(placeOf(cx))}title=${ghProp(title)}::${ghData(body)}\n`);
    }
    // as the text report says it: how many differences were found but not annotated
    const found = r.report?.stats.differences ?? 0;
    const shown = r.report?.counterexamples.length ?? 0;
    if (found > shown) {
      const what = `${runTitle(r, label)}: ${shown} of ${groupedNumber(found)} distinct differences annotated (--max-counterexamples for more)`;
      out.push(`::notice ${placeProps(inputPlace)}title=ksvc verify::${ghData(what)}\n`);
    }
  }
  const ok = runs.every((r) => r.report?.equivalent);
  out.push(
    ok
      ? `::notice ${placeProps(inputPlace)}title=ksvc verify::equivalent (${runs.length} check${runs.length === 1 ? '' : 's'})\n`
      : '',
  );
  return out.join('');
}

/** What the readers left out, the first five named: null when nothing was. */
export function ignoredText(ignored: readonly IgnoredItem[]): string | null {
  if (ignored.length === 0) return null;
  const named = ignored
    .slice(0, 5)
    .map((i) => `${i.kind} ${escapeForTerminal(i.name)} (${escapeForTerminal(i.reason)})`);
  return `ignored (out of scope): ${ignored.length} — ${named.join('; ')}${ignored.length > 5 ? '; … (every one with --output json)' : ''}`;
}

/**
 * Where a difference lies: the region around the witness, then the other regions that differ the
 * same way (one line each), and a count of the classes past those kept (check.ts).
 */
export function regionLines(cx: Counterexample, verb: 'differ' | 'change'): string[] {
  const whole = cx.moreRegions.length === 0 && cx.unlistedClasses === 0;
  const lines = [
    `  region${whole ? '' : ' of the witness'} (every packet here ${verb}s the same way):`,
    ...cx.region.map((r) => `    ${escapeForTerminal(r)}`),
  ];
  const more = cx.moreRegions.length;
  if (more > 0) {
    lines.push(`  and ${more} more region${more === 1 ? ` that ${verb}s` : `s that ${verb}`} the same way:`);
    for (const r of cx.moreRegions) lines.push(`    ${r.map(escapeForTerminal).join('; ')}`);
  }
  if (cx.unlistedClasses > 0) {
    const n = cx.unlistedClasses;
    lines.push(`    … and ${groupedNumber(n)} more class${n === 1 ? '' : 'es'} not listed`);
  }
  return lines;
}
