// The steps of `npm run examples` (scripts/examples.ts), as data so tests can check the plan and
// run parts of it: for every .ksvc example `check`, `compile` for every node and IP family to
// iptables-restore text and nftables JSON under out/examples/, and `verify --all-nodes`; for every
// Kubernetes YAML/JSON example `import` to .ksvc and `verify --from-k8s --all-nodes`. Every step is
// a real CLI run (in-process); a step that exits non-zero (an error, a non-equivalent verify) fails.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from '../api/index.ts';
import type { CliIO } from '../cli/io.ts';
import { runCli } from '../cli/main.ts';

export interface ExampleStep {
  kind: 'check' | 'compile' | 'verify' | 'import';
  /** the example file, relative to the repository root */
  example: string;
  argv: string[];
  /** print the step's stderr only when it fails (its diagnostics were already shown by check) */
  quiet: boolean;
}

const label = (s: ExampleStep) => `ksvc ${s.argv.join(' ')}`;

export function exampleSteps(root: string): ExampleStep[] {
  const steps: ExampleStep[] = [];
  const files = readdirSync(path.join(root, 'examples')).sort();
  for (const file of files.filter((f) => f.endsWith('.ksvc'))) {
    const rel = `examples/${file}`;
    steps.push({ kind: 'check', example: rel, argv: ['check', rel], quiet: false });
    const front = load(readFileSync(path.join(root, rel), 'utf8'), { file: rel });
    if (!front.model) continue;
    const nodes = front.model.nodes.length > 0 ? front.model.nodes.map((n) => n.name) : [null];
    const families = new Set(
      front.model.services.flatMap((s) => s.clusterIPs.map((ip) => (ip.includes(':') ? 'ipv6' : 'ipv4'))),
    );
    const base = file.replace(/\.ksvc$/, '');
    for (const node of nodes) {
      const nodeArgs = node ? ['--node', node] : [];
      const stem = node && nodes.length > 1 ? `${base}.${node}` : base;
      for (const family of families.size > 0 ? [...families].sort() : ['ipv4']) {
        const out = path.join('out', 'examples', `${stem}.${family}.iptables`);
        const argv = ['compile', rel, '--backend', 'iptables', ...nodeArgs, '--family', family, '-o', out];
        steps.push({ kind: 'compile', example: rel, argv, quiet: true });
      }
      const nftOut = path.join('out', 'examples', `${stem}.nft.json`);
      const argv = ['compile', rel, '--backend', 'nftables', ...nodeArgs, '-o', nftOut];
      steps.push({ kind: 'compile', example: rel, argv, quiet: true });
    }
    steps.push({ kind: 'verify', example: rel, argv: ['verify', rel, '--all-nodes'], quiet: true });
  }
  for (const file of files.filter((f) => /\.(ya?ml|json)$/.test(f))) {
    const rel = `examples/${file}`;
    const out = path.join('out', 'examples', `${file.replace(/\.(ya?ml|json)$/, '')}.imported.ksvc`);
    steps.push({ kind: 'import', example: rel, argv: ['import', rel, '-o', out], quiet: true });
    steps.push({ kind: 'verify', example: rel, argv: ['verify', '--from-k8s', rel, '--all-nodes'], quiet: true });
  }
  return steps;
}

/** Run the steps through the CLI; log one status line per step; return how many failed. */
export async function runSteps(steps: readonly ExampleStep[], io: CliIO, log: (line: string) => void): Promise<number> {
  let failures = 0;
  for (const s of steps) {
    let stderr = '';
    let stdout = '';
    const quietIO: CliIO = s.quiet
      ? { ...io, stderr: (t) => void (stderr += t), stdout: (t) => void (stdout += t) }
      : io;
    const code = await runCli(s.argv, quietIO);
    if (code !== 0) failures++;
    log(`${(code === 0 ? 'ok' : `FAILED (exit ${code})`).padEnd(6)} ${label(s)}`);
    // a failed verify's report (the counterexamples) goes to stderr with its diagnostics
    if (code !== 0) io.stderr(stdout + stderr);
  }
  return failures;
}
