// `npm run examples`: the main job on the bundled examples, through the real CLI (in-process):
// check every .ksvc file, then compile it for every node and IP family to iptables-restore text
// and nftables JSON under out/examples/; import the Kubernetes YAML/JSON examples to .ksvc.
// Exits non-zero when any step fails.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CliIO, processIO } from '../cli/io.ts';
import { runCli } from '../cli/main.ts';
import { makeSourceFile } from '../common/source.ts';
import { loadKsvc } from '../compiler/load-ksvc.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'out', 'examples');
mkdirSync(outDir, { recursive: true });

const io: CliIO = { ...processIO(), cwd: root };
let failures = 0;

/** Run one CLI step; its diagnostics were already shown by `check`, so they print only on failure. */
async function step(label: string, argv: string[], quiet = true): Promise<void> {
  let stderr = '';
  const code = await runCli(argv, quiet ? { ...io, stderr: (t) => void (stderr += t) } : io);
  const status = code === 0 ? 'ok' : `FAILED (exit ${code})`;
  if (code !== 0) failures++;
  console.log(`${status.padEnd(6)} ${label}`);
  if (code !== 0) process.stderr.write(stderr);
}

const files = readdirSync(path.join(root, 'examples')).sort();
for (const file of files.filter((f) => f.endsWith('.ksvc'))) {
  const rel = `examples/${file}`;
  await step(`ksvc check ${rel}`, ['check', rel], false);
  const front = loadKsvc(makeSourceFile(rel, readFileSync(path.join(root, rel), 'utf8')));
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
      await step(`ksvc compile ${rel} --backend iptables ${nodeArgs.join(' ')} --family ${family} -o ${out}`, [
        'compile',
        rel,
        '--backend',
        'iptables',
        ...nodeArgs,
        '--family',
        family,
        '-o',
        out,
      ]);
    }
    const nftOut = path.join('out', 'examples', `${stem}.nft.json`);
    await step(`ksvc compile ${rel} --backend nftables ${nodeArgs.join(' ')} -o ${nftOut}`, [
      'compile',
      rel,
      '--backend',
      'nftables',
      ...nodeArgs,
      '-o',
      nftOut,
    ]);
  }
}
for (const file of files.filter((f) => /\.(ya?ml|json)$/.test(f))) {
  const rel = `examples/${file}`;
  const out = path.join('out', 'examples', `${file.replace(/\.(ya?ml|json)$/, '')}.imported.ksvc`);
  await step(`ksvc import ${rel} -o ${out}`, ['import', rel, '-o', out]);
}

console.log(failures === 0 ? `\nall examples compiled; artifacts in out/examples/` : `\n${failures} step(s) failed`);
process.exitCode = failures === 0 ? 0 : 1;
