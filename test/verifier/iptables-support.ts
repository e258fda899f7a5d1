// Shared by the iptables reader's tests: the corpus (goldens, fixtures, ksvc's output for every
// example), and a normal form of a program that leaves out where each rule came from.
import { readdirSync, readFileSync } from 'node:fs';
import { renderIptables } from '../../backends/iptables/index.ts';
import type { Diagnostic } from '../../common/diagnostics.ts';
import { makeSourceFile } from '../../common/source.ts';
import { loadKsvc } from '../../compiler/load-ksvc.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import type { NetfilterProgram } from '../../verifier/model/program.ts';

export const GOLDEN_DIR = new URL('../golden/iptables/', import.meta.url);
export const FIXTURE_DIR = new URL('./fixtures/iptables/', import.meta.url);

export interface CorpusFile {
  name: string;
  text: string;
}

const filesIn = (dir: URL, pattern: RegExp): CorpusFile[] =>
  readdirSync(dir)
    .filter((f) => pattern.test(f))
    .sort()
    .map((name) => ({ name, text: readFileSync(new URL(name, dir), 'utf8') }));

/** test/golden/iptables/*.restore, *.save and kube-proxy's *.expected dumps. */
export const goldenFiles = (): CorpusFile[] => filesIn(GOLDEN_DIR, /\.(restore|save|expected)$/);
export const fixtureFiles = (): CorpusFile[] => filesIn(FIXTURE_DIR, /\.(restore|save|save-c)$/);

export interface ExampleOutput {
  label: string;
  /** `ksvc compile --with-hooks` (restore) and `--with-hooks --format save`. */
  restore: string;
  save: string;
}

/** ksvc's iptables output with hooks for every bundled example, node and family. */
export function exampleOutputs(): ExampleOutput[] {
  const dir = new URL('../../examples/', import.meta.url);
  const out: ExampleOutput[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.ksvc'))
    .sort()) {
    const front = loadKsvc(makeSourceFile(`examples/${file}`, readFileSync(new URL(file, dir), 'utf8')));
    if (!front.model) throw new Error(`examples/${file}: ${front.diagnostics.map((d) => d.message).join('; ')}`);
    const model = front.model;
    const nodes = model.nodes.length > 0 ? model.nodes.map((n) => n.name) : [undefined];
    for (const node of nodes) {
      for (const ir of lowerModel(model, node === undefined ? {} : { node }).programs) {
        out.push({
          label: `${file} node=${node ?? '-'} ${ir.family}`,
          restore: renderIptables(ir, { format: 'restore', hooks: true }),
          save: renderIptables(ir, { format: 'save', hooks: true }),
        });
      }
    }
  }
  return out;
}

/** The distinct non-comment lines of the corpus, each with the table it is in. */
export function corpusLines(): { label: string; line: string; table: 'nat' | 'filter' | null }[] {
  const texts = [
    ...goldenFiles().map((f) => ({ label: f.name, text: f.text })),
    ...fixtureFiles().map((f) => ({ label: f.name, text: f.text })),
    ...exampleOutputs().flatMap((o) => [
      { label: `${o.label} restore`, text: o.restore },
      { label: `${o.label} save`, text: o.save },
    ]),
  ];
  const out: { label: string; line: string; table: 'nat' | 'filter' | null }[] = [];
  const seen = new Set<string>();
  for (const { label, text } of texts) {
    let table: 'nat' | 'filter' | null = null;
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '' || line.startsWith('#')) return;
      if (line.startsWith('*')) table = line === '*nat' ? 'nat' : line === '*filter' ? 'filter' : null;
      if (seen.has(`${table} ${line}`)) return;
      seen.add(`${table} ${line}`);
      out.push({ label: `${label}:${i + 1}`, line, table });
    });
  }
  return out;
}

const json = (v: unknown): string => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));

/**
 * A program without origins: chains sorted by id, rules as their steps, ignored items without
 * origins, sorted. Two readings of the same ruleset (restore and save text) compare equal here.
 */
export function withoutOrigins(p: NetfilterProgram): unknown {
  return JSON.parse(
    json({
      backend: p.backend,
      family: p.family,
      baseChains: [...p.baseChains].sort((a, b) => a.chain.localeCompare(b.chain)),
      chains: [...p.chains.values()]
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((c) => ({ id: c.id, name: c.name, rules: c.rules.map((r) => r.steps) })),
      ignored: p.ignored
        .map((i) => ({ kind: i.kind, name: i.name, reason: i.reason }))
        .sort((a, b) => json(a).localeCompare(json(b))),
      notes: p.notes,
    }),
  );
}

/** `code@line:col` for each diagnostic, for compact assertions. */
export const codesAt = (diags: readonly Diagnostic[]): string[] =>
  diags.map((d) => `${d.code}@${d.span ? `${d.span.start.line}:${d.span.start.column}` : '-'}`);

export const errorsOf = (diags: readonly Diagnostic[]): Diagnostic[] => diags.filter((d) => d.severity === 'error');
