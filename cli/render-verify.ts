// Render verification results and explanations: text for people, versioned JSON for machines,
// GitHub Actions annotations for CI. The reports come from the library (api/verify.ts); nothing
// here decides what is equivalent.
import { createColors } from 'picocolors';
import type { Counterexample, Explanation, VerifyRun } from '../api/verify.ts';
import type { Rational } from '../compiler/ir/outcome.ts';
import type { Packet } from '../compiler/ir/packet.ts';
import type { Assumption } from '../verifier/assumptions.ts';
import type { TraceEntry } from '../verifier/engine/netfilter-eval.ts';
import { ghData, ghProp } from './render-diagnostics.ts';
import { escapeForTerminal } from './terminal-text.ts';

export const VERIFY_JSON_VERSION = 1;

/** "0.3333333333 (715827883/2^31)": a decimal to read, the exact value to trust. */
export function probabilityText(p: Rational): string {
  let { num, den } = p;
  const g = gcd(num, den);
  num /= g;
  den /= g;
  if (den === 1n) return `${num}`;
  const digits = 10n ** 10n;
  const scaled = (num * digits * 2n + den) / (den * 2n);
  const dec = `${scaled / digits}.${(scaled % digits).toString().padStart(10, '0')}`;
  const isPow2 = (den & (den - 1n)) === 0n;
  return `${dec} (${num}/${isPow2 ? `2^${den.toString(2).length - 1}` : den})`;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
}

const COMPARISON_TEXT: Record<string, string> = {
  'iptables=nftables': 'iptables ≡ nftables (kernel-level probabilities, exactly)',
  'ir=iptables': 'IR ≡ iptables (intended 1/N, total variation within the bound)',
  'ir=nftables': 'IR ≡ nftables (intended 1/N, total variation within the bound)',
};

const runTitle = (r: VerifyRun, label: string) => `${label}${r.node === null ? '' : `, node ${r.node}`}, ${r.family}`;

/** A packet as one line: "tcp 203.0.113.7:40000 -> 10.96.0.10:80, arriving on eth0, new, mark 0x0". */
export function packetText(p: Packet): string {
  const ports = p.protocol === 'tcp' || p.protocol === 'udp' || p.protocol === 'sctp';
  const ep = (ip: string, port: number) => (ports ? `${ip.includes(':') ? `[${ip}]` : ip}:${port}` : ip);
  const way = p.path === 'local' ? 'generated on the node' : `arriving on ${p.inInterface ?? '?'}`;
  const ct = p.ct.state === 'new' ? 'new connection' : `ct ${p.ct.state}${p.ct.dnat ? ' (DNATed)' : ''}`;
  const aff = Object.entries(p.affinityAges).map(([l, a]) => `, affinity record for ${l} ${a} s old`);
  return `${p.protocol} ${ep(p.src, p.sport)} -> ${ep(p.dst, p.dport)}, ${way}, ${ct}, mark 0x${p.mark.toString(16)}${aff.join('')}`;
}

const originText = (t: TraceEntry): string => {
  const o = t.origin;
  if (!o) return `${t.chain} #${t.rule + 1}`;
  const at =
    o.line !== undefined ? `${o.file}:${o.line}` : o.jsonPath !== undefined ? `${o.file}${o.jsonPath}` : o.file;
  const where = o.assumed ? `${at} (assumed hook)` : at;
  return `${where}  ${escapeForTerminal(o.text.length > 140 ? `${o.text.slice(0, 137)}...` : o.text)}`;
};

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
    `${c.red(c.bold('DIFFERENT'))} ${COMPARISON_TEXT[cx.comparison] ?? cx.comparison}: ${cx.classes} class${cx.classes === 1 ? '' : 'es'} differ this way`,
  );
  lines.push(`  witness: ${packetText(cx.witness)}`);
  lines.push('  region (every packet here differs the same way):');
  for (const r of cx.region) lines.push(`    ${r}`);
  if (cx.tv) lines.push(`  total variation: ${probabilityText(cx.tv)}`);
  for (const [name, d] of Object.entries(cx.distributions)) {
    lines.push(`  ${name}:`);
    for (const o of d) lines.push(`    ${probabilityText(o.p).padEnd(34)} ${o.outcome}`);
    if (d.length === 0) lines.push('    (no outcome)');
  }
  for (const [name, paths] of Object.entries(cx.traces)) {
    lines.push(`  ${name} rules for the witness:`);
    for (const p of paths.slice(0, 6)) {
      lines.push(`    -> ${p.outcome}`);
      for (const t of p.rules)
        lines.push(
          `       ${originText(t)}${t.note.startsWith('random') || t.note.startsWith('numgen') ? `  [${t.note}]` : ''}`,
        );
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
      `  ${rep.servicePorts === null ? '' : `${rep.servicePorts.toLocaleString('en-US')} service ports; `}${s.classes.toLocaleString('en-US')} packet classes in ${s.shards.toLocaleString('en-US')} shards (${s.evaluatedShards} evaluated, ${s.reusedShards} by shape); ${coveredText(s.packets, s.universe)}; locality ${rep.locality}`,
    );
    for (const cx of rep.counterexamples) out.push(counterexampleText(cx, r, explainCommand, c));
    if (rep.ignored.length > 0) {
      out.push(
        `  ignored (out of scope): ${rep.ignored.length} — ${rep.ignored
          .slice(0, 5)
          .map((i) => `${i.kind} ${escapeForTerminal(i.name)} (${i.reason})`)
          .join('; ')}${rep.ignored.length > 5 ? '; …' : ''}`,
      );
    }
    for (const n of rep.notes) out.push(`  note: ${n}`);
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

function coveredText(packets: Rational, universe: Rational): string {
  const whole = packets.num * universe.den === universe.num * packets.den;
  const log2 = (r: Rational) => {
    const q = r.num / r.den;
    return q > 0n ? q.toString(2).length - 1 : 0;
  };
  return whole ? `every packet covered (about 2^${log2(universe)})` : 'COVERAGE MISMATCH (report this)';
}

const json = (v: unknown) =>
  JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Map ? Object.fromEntries(x) : x), 2);

export function renderVerifyJson(
  runs: readonly VerifyRun[],
  label: string,
  assumptions: readonly Assumption[],
  diagnostics: readonly unknown[],
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
    diagnostics,
  })}\n`;
}

export function renderVerifyGithub(
  runs: readonly VerifyRun[],
  label: string,
  explainCommand: ExplainCommandOf,
): string {
  const out: string[] = [];
  for (const r of runs) {
    for (const cx of r.report?.counterexamples ?? []) {
      const title = `ksvc verify: ${cx.comparison} differ`;
      const body = [
        `${runTitle(r, label)}: ${cx.classes} classes differ`,
        `witness: ${packetText(cx.witness)}`,
        ...Object.entries(cx.distributions).map(
          ([n, d]) => `${n}: ${d.map((o) => `${o.outcome} @ ${probabilityText(o.p)}`).join('; ')}`,
        ),
        `explain: ${explainCommand(r, cx.witness)}`,
      ].join('\n');
      out.push(`::error file=${ghProp(label)},title=${ghProp(title)}::${ghData(body)}\n`);
    }
  }
  const ok = runs.every((r) => r.report?.equivalent);
  out.push(ok ? `::notice file=${ghProp(label)},title=ksvc verify::equivalent (${runs.length} checks)\n` : '');
  return out.join('');
}

export function renderExplainText(e: Explanation, color: boolean): string {
  const c = createColors(color);
  const out: string[] = [c.bold(`packet: ${packetText(e.packet)}`)];
  for (const [name, outcomes] of Object.entries(e.results)) {
    out.push('', c.bold(`${name}:`));
    for (const o of outcomes) {
      out.push(`  ${probabilityText(o.p).padEnd(34)} ${o.outcome}`);
      for (const [i, path] of o.paths.entries()) {
        if (o.paths.length > 1) out.push(`    path ${i + 1}:`);
        for (const t of path)
          out.push(
            `      ${originText(t)}${t.note.startsWith('random') || t.note.startsWith('numgen') ? `  [${t.note}]` : ''}`,
          );
      }
    }
    if (outcomes.length === 0) out.push('  (no outcome)');
  }
  return `${out.join('\n')}\n`;
}

export function renderExplainJson(e: Explanation): string {
  return `${json({
    schemaVersion: VERIFY_JSON_VERSION,
    packet: e.packet,
    results: Object.fromEntries(
      Object.entries(e.results).map(([k, os]) => [
        k,
        os.map((o) => ({
          outcome: o.outcome,
          p: o.p,
          probability: probabilityText(o.p),
          paths: o.paths.map((p) => p.map((t) => ({ ...t, text: originText(t) }))),
        })),
      ]),
    ),
  })}\n`;
}
