// Real packets for every bundled example: each .ksvc (and Kubernetes YAML/JSON) in examples/ is compiled for each of its
// nodes (every family's program), rendered by both backends, loaded into twin node namespaces, and probed
// from every source class (see matrix.ts). The backends must agree with each other and with the IR.
// Root only; skips loudly otherwise.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeSourceFile } from '../../common/source.ts';
import { importKubernetes } from '../../compiler/kube/index.ts';
import { loadKsvc } from '../../compiler/load-ksvc.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import { iptablesBackend, nftablesBackend } from './load.ts';
import {
  type Backend,
  type DifferentialReport,
  formatReport,
  runDifferential,
  settledValue,
  startLimited,
} from './matrix.ts';
import { kernelTests } from './netns.ts';

const EXAMPLES = join(import.meta.dirname, '../../examples');

// Example programs run three at a time (each in its own namespaces); tests report them in order.
const PARALLEL = 3;

{
  const test = kernelTests('packet examples');
  const files = readdirSync(EXAMPLES)
    .filter((f) => /\.(ksvc|ya?ml|json)$/.test(f))
    .sort();
  test('examples exist', () =>
    assert.ok(files.filter((f) => f.endsWith('.ksvc')).length >= 3, `only ${files.length} examples`));
  const seen = new Set<string>();
  const jobs: { name: string; run: () => Promise<{ report: DifferentialReport; backends: Backend[] }> }[] = [];
  for (const file of files) {
    const source = makeSourceFile(`examples/${file}`, readFileSync(join(EXAMPLES, file), 'utf8'));
    // Kubernetes objects take kube-proxy's flags on the command line; the example's header names them.
    const cidrs = [...source.text.matchAll(/--cluster-cidr[ =](\S+)/g)].map((m) => m[1]!);
    const front = file.endsWith('.ksvc') ? loadKsvc(source) : importKubernetes([source], { clusterCIDRs: cidrs });
    test(`${file} loads`, () => assert.ok(front.model, front.diagnostics.map((d) => d.message).join('\n')));
    if (!front.model) continue;
    const model = front.model;
    const nodes = model.nodes.length > 0 ? model.nodes.map((n) => n.name) : [undefined];
    for (const node of nodes) {
      const lowered = lowerModel(model, { node, file: source.path });
      const errors = lowered.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) {
        test(`${file} lowers for ${node}`, () => assert.unreachable(errors.map((d) => d.message).join('\n')));
        continue;
      }
      for (const ir of lowered.programs) {
        // The YAML/JSON twins of .ksvc examples lower to the very same IR: probe each IR once.
        const key = JSON.stringify(ir);
        if (seen.has(key)) continue;
        seen.add(key);
        const tag = `ex${jobs.length}-`;
        jobs.push({
          name: `${file}${node ? ` for ${node}` : ''} (${ir.family})`,
          run: async () => {
            const backends = [iptablesBackend(ir), nftablesBackend(ir)];
            return { backends, report: await runDifferential(ir, backends, { tag }) };
          },
        });
      }
    }
  }
  // Started by the first test of this file (not at import: uvu imports every file first).
  let runs: ReturnType<typeof startLimited<Awaited<ReturnType<(typeof jobs)[number]['run']>>>> | null = null;
  jobs.forEach((job, i) => {
    test(`packets: ${job.name}`, async () => {
      runs ??= startLimited(
        jobs.map((j) => j.run),
        PARALLEL,
      );
      const { report: r, backends } = settledValue(await runs[i]!);
      const detail = () => `\n${formatReport(r, backends)}`;
      assert.ok(r.outcomes.length > 0, 'no cells probed');
      assert.equal(r.disagreements, [], `backends disagree:\n${r.disagreements.join('\n')}${detail()}`);
      assert.equal(r.irMismatches, [], `backend vs IR:\n${r.irMismatches.join('\n')}${detail()}`);
    });
  });
}

test.run();
