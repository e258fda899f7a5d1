// Benchmark: load the same compiled model into a fresh network namespace, once with
// `nft -j -f` (the nftables backend's JSON) and once with `iptables-restore` (the iptables
// backend's restore text, with the builtin-chain hooks), side by side in one run. Root only.
//   node --import tsx bench/load-nft-vs-iptables.ts [--services 10000] [--endpoints 10] [--text] [--legacy] [--repeat N] [--direct]
// --text also loads the nft-syntax twin (`nft -f`); --legacy also times iptables-legacy-restore;
// --repeat alternates the loads N times; --direct uses the one-port-per-service model of
// bench/compile-nftables.ts instead of bench/generate.ts. Wall time and the loading command's own
// user/system CPU time (GNU time) are printed: on a shared machine the CPU time is the fair figure.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderIptables } from '../backends/iptables/index.ts';
import { renderNftablesJson, renderNftablesText } from '../backends/nftables/index.ts';
import { lowerModel } from '../compiler/lower/index.ts';
import { createKubeProxyNfacct, kernelSkipReason, type Netns, withNetns } from '../test/kernel/netns.ts';
import { benchArgs } from './args.ts';
import { benchModel, directModel } from './compile-nftables.ts';

const { values, numbers } = benchArgs(
  'bench/load-nft-vs-iptables.ts',
  {
    options: {
      text: { type: 'boolean' },
      legacy: { type: 'boolean' },
      direct: { type: 'boolean' },
    },
  },
  { repeat: 1, services: 10000, endpoints: 10 },
);
const { repeat, services, endpoints } = numbers;

const skip = kernelSkipReason();
if (skip !== null) {
  console.error(`load benchmark needs root and the netfilter tools: ${skip}`);
  process.exit(2);
}

const { model, source } = values.direct
  ? { model: directModel(services, endpoints), source: 'direct ClusterModel (bench/compile-nftables.ts directModel)' }
  : await benchModel(services, endpoints);
const lowered = lowerModel(model, { node: model.nodes[0]?.name, family: 'ipv4' });
const ir = lowered.programs[0]!;
const dir = mkdtempSync(join(tmpdir(), 'ksvc-load-'));
const files = {
  nftJson: join(dir, 'ruleset.nft.json'),
  nftText: join(dir, 'ruleset.nft'),
  iptables: join(dir, 'ruleset.iptables'),
};
const nftJson = renderNftablesJson(ir);
writeFileSync(files.nftJson, nftJson);
if (values.text) writeFileSync(files.nftText, renderNftablesText(ir));
const restore = renderIptables(ir, { format: 'restore', hooks: true });
writeFileSync(files.iptables, restore);

interface Timed {
  what: string;
  seconds: number;
  /** user + system CPU seconds of the loading command (GNU time): robust on a shared machine. */
  user: number;
  system: number;
  check: string;
}

/** Load in a fresh namespace; wall time of the loading command only; then a sanity count. */
async function timedLoad(
  what: string,
  cmd: string,
  args: string[],
  count: (ns: Netns) => string,
  prep?: (ns: Netns) => void,
): Promise<Timed> {
  return withNetns('bench', (ns) => {
    prep?.(ns);
    const timeFile = join(dir, 'time.txt');
    const t0 = performance.now();
    const r = ns.exec('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, cmd, ...args], undefined, 1_800_000);
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`${what}: ${cmd} failed: ${r.stderr.slice(0, 500)}`);
    const [user, system] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    return { what, seconds, user: user!, system: system!, check: count(ns) };
  });
}

const nftCount = (ns: Netns) => {
  const r = ns.exec('nft', ['list', 'chains', 'ip']);
  return `${(r.stdout.match(/\bchain /g) ?? []).length} chains`;
};
const iptCount = (bin: string) => (ns: Netns) => {
  const r = ns.exec(bin, ['-t', 'nat', '-S']);
  return `${r.stdout.split('\n').filter((l) => l.startsWith('-A ')).length} nat rules`;
};

const loadAvg = (await import('node:os'))
  .loadavg()
  .map((x) => x.toFixed(1))
  .join(' ');
const results: Timed[] = [];
// nft and iptables-restore alternate (--repeat rounds), so a change in machine load hits both.
for (let round = 0; round < repeat; round++) {
  results.push(await timedLoad('nft -j -f (ksvc nftables JSON)', 'nft', ['-j', '-f', files.nftJson], nftCount));
  results.push(
    await timedLoad(
      'iptables-restore (ksvc iptables restore text)',
      'iptables-restore',
      [files.iptables],
      iptCount('iptables'),
      createKubeProxyNfacct,
    ),
  );
  if (values.text) results.push(await timedLoad('nft -f (nft-syntax twin)', 'nft', ['-f', files.nftText], nftCount));
  if (values.legacy) {
    results.push(
      await timedLoad(
        'iptables-legacy-restore',
        'iptables-legacy-restore',
        [files.iptables],
        iptCount('iptables-legacy'),
        createKubeProxyNfacct,
      ),
    );
  }
}
rmSync(dir, { recursive: true, force: true });

console.log(
  `model: ${source}; ${services} services x ${endpoints} endpoints = ${ir.servicePorts.length} service ports, ${ir.servicePorts.reduce((n, s) => n + s.endpoints.length, 0)} endpoints (node ${ir.node})`,
);
console.log(
  `sizes: nft JSON ${(nftJson.length / 1e6).toFixed(1)} MB, iptables restore text ${(restore.length / 1e6).toFixed(1)} MB`,
);
console.log(
  `load average before: ${loadAvg}, after: ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} (${(await import('node:os')).cpus().length} CPUs)`,
);
console.log(
  `${'command'.padEnd(48)} ${'wall s'.padStart(8)} ${'user s'.padStart(8)} ${'sys s'.padStart(8)} ${'cpu s'.padStart(8)}`,
);
for (const r of results) {
  console.log(
    `${r.what.padEnd(48)} ${r.seconds.toFixed(2).padStart(8)} ${r.user.toFixed(2).padStart(8)} ${r.system.toFixed(2).padStart(8)} ${(r.user + r.system).toFixed(2).padStart(8)}   (${r.check})`,
  );
}
const best = (prefix: string, f: (r: Timed) => number) =>
  Math.min(...results.filter((r) => r.what.startsWith(prefix)).map(f));
const cpu = (r: Timed) => r.user + r.system;
console.log(
  `nft -j -f / iptables-restore: wall ${(best('nft -j', (r) => r.seconds) / best('iptables-restore', (r) => r.seconds)).toFixed(2)}, cpu ${(best('nft -j', cpu) / best('iptables-restore', cpu)).toFixed(2)} (best of ${repeat})`,
);
