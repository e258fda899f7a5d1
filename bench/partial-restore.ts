// Benchmark: a partial restore (`ksvc compile NEW --since OLD`) against a full one, applied as
// kube-proxy applies its syncs — `iptables-restore --noflush` on a node already holding OLD's
// rules — for one small edit of a large cluster. Root only.
//   node --import tsx bench/partial-restore.ts [--services 10000] [--endpoints 10] [--repeat N] [--limit SECONDS] [--only iptables|nft]
// The cluster is issue 10's mix (bench/generate.ts: one port per service, half of the NodePort and
// LoadBalancer services eTP Local, 5 % ClientIP affinity); the edit adds one endpoint to the first
// service. For each restore binary present (iptables-nft-restore, iptables-legacy-restore): a
// fresh namespace is loaded with OLD (with the builtin-chain hooks), then given either the partial
// restore or NEW's full restore input (every chain declared), timed (wall, and the command's
// user + system CPU from GNU time; an apply still running after --limit seconds, default 600, is
// stopped and reported as such). The nftables rows do the same with `nft -j -f`: the delta
// (`--since` with --backend nftables) against the whole-table replace, on a node holding OLD's
// table. The compile times are in-process (both versions lowered).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileIptables, compileIptablesPartial } from '../api/iptables.ts';
import { load } from '../api/ksvc.ts';
import { lower } from '../api/lower.ts';
import { compileNftables, compileNftablesDelta } from '../api/nftables.ts';
import { missingTool } from '../cli/netns.ts';
import type { IRProgram } from '../compiler/ir/types.ts';
import { createKubeProxyNfacct, kernelSkipReason, withNetns } from '../test/kernel/netns.ts';
import { benchArgs } from './args.ts';
import { generateKsvc } from './generate.ts';

const { values, numbers } = benchArgs(
  'bench/partial-restore.ts',
  {
    options: {
      only: { type: 'string' },
    },
  },
  { services: 10000, endpoints: 10, repeat: 1, limit: 600 },
);
const { services, endpoints, repeat, limit: limitSeconds } = numbers;
const only = values.only ?? null;

const skip = kernelSkipReason();
if (skip !== null) {
  console.error(`partial-restore benchmark needs root and the netfilter tools: ${skip}`);
  process.exit(2);
}

const oldText = generateKsvc({
  services,
  endpointsPerService: endpoints,
  singlePort: true,
  etpLocalShare: 0.5,
  affinityShare: 0.05,
});
// one endpoint more for the first service (an address no generated endpoint uses)
const newText = oldText.replace(/(service \S+ \{\n[^\n]*\n {2}endpoints )/, '$1100.64.250.250 on node-01, ');
if (newText === oldText) throw new Error('the edit did not apply');

function lowered(text: string): IRProgram {
  const checked = load(text);
  if (!checked.model) throw new Error('the generated file does not check');
  return lower(checked.model, { node: 'node-01', family: 'ipv4' }).programs[0]!;
}
const [before, after] = [lowered(oldText), lowered(newText)];
let t0 = performance.now();
const partial = compileIptablesPartial(before, after);
const partialMs = performance.now() - t0;
t0 = performance.now();
const full = compileIptables(after);
const fullMs = performance.now() - t0;

t0 = performance.now();
const delta = compileNftablesDelta([before], [after]);
const deltaMs = performance.now() - t0;
if (delta === null) throw new Error('no nftables delta');
t0 = performance.now();
const replace = compileNftables([after]);
const replaceMs = performance.now() - t0;

const dir = mkdtempSync(join(tmpdir(), 'ksvc-partial-'));
const files = {
  old: join(dir, 'old.iptables'),
  partial: join(dir, 'partial.iptables'),
  full: join(dir, 'full.iptables'),
  nftOld: join(dir, 'old.nft.json'),
  nftDelta: join(dir, 'delta.nft.json'),
  nftReplace: join(dir, 'replace.nft.json'),
};
writeFileSync(files.old, compileIptables(before, { hooks: true }));
writeFileSync(files.partial, partial.text);
writeFileSync(files.full, full);
writeFileSync(files.nftOld, compileNftables([before]));
writeFileSync(files.nftDelta, delta.text);
writeFileSync(files.nftReplace, replace);
const lines = (text: string) => text.split('\n').length - 1;

interface Applied {
  restore: string;
  what: 'partial' | 'full' | 'delta' | 'replace';
  /** null: stopped after limitSeconds */
  seconds: number | null;
  cpu: number | null;
}

/** The command that applies `what`, after the one that loads OLD. */
function commandsFor(restore: string, what: Applied['what']): { load: string[]; apply: string[] } {
  if (restore === 'nft') {
    return {
      load: ['-j', '-f', files.nftOld],
      apply: ['-j', '-f', what === 'delta' ? files.nftDelta : files.nftReplace],
    };
  }
  return { load: [files.old], apply: ['--noflush', what === 'partial' ? files.partial : files.full] };
}

async function applied(restore: string, what: Applied['what']): Promise<Applied> {
  const { load: loadArgs, apply } = commandsFor(restore, what);
  return withNetns('bench-partial', (ns) => {
    createKubeProxyNfacct(ns);
    const loaded = ns.exec(restore, loadArgs, undefined, 1_800_000);
    if (loaded.status !== 0) throw new Error(`${restore} of OLD failed: ${loaded.stderr.slice(0, 300)}`);
    const timeFile = join(dir, 'time.txt');
    const start = performance.now();
    // the restore runs under timeout(1): stopped with SIGKILL, it leaves no process behind
    const r = ns.exec(
      '/usr/bin/time',
      [...['-f', '%U %S', '-o', timeFile, 'timeout', '-s', 'KILL', String(limitSeconds)], ...[restore, ...apply]],
      undefined,
      (limitSeconds + 60) * 1000,
    );
    const seconds = (performance.now() - start) / 1000;
    if (r.status === 137 || r.status === 124) return { restore, what, seconds: null, cpu: null };
    if (r.status !== 0) throw new Error(`${restore} (${what}) failed: ${r.stderr.slice(0, 300)}`);
    const [user, system] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    return { restore, what, seconds, cpu: user! + system! };
  });
}

const show = (r: Applied) =>
  `${r.restore.padEnd(24)} ${r.restore === 'nft' ? '-j -f    ' : '--noflush'} ${r.what.padEnd(7)} on a node holding OLD: ${
    r.seconds === null
      ? `stopped after ${limitSeconds} s`
      : `${r.seconds.toFixed(2)} s wall, ${r.cpu!.toFixed(2)} s CPU`
  }`;

console.log(`${services} services × ${endpoints} endpoints (issue 10's mix), node-01, ipv4; one endpoint added`);
console.log(
  `compile (in-process, both versions lowered): partial ${partialMs.toFixed(0)} ms, ${lines(partial.text)} lines, ${partial.rewritten.length} of ${partial.services} services rewritten, ${partial.deleted.length} chains deleted; full ${fullMs.toFixed(0)} ms, ${lines(full)} lines`,
);
console.log(
  `nftables (in-process): delta ${deltaMs.toFixed(0)} ms, ${lines(delta.text)} lines; whole-table replace ${replaceMs.toFixed(0)} ms, ${lines(replace)} lines`,
);
const restores = [
  ...(only === 'nft' ? [] : ['iptables-legacy-restore', 'iptables-nft-restore']),
  ...(only === 'iptables' ? [] : ['nft']),
].filter((t) => missingTool([t]) === null);
try {
  for (let round = 0; round < repeat; round++) {
    for (const restore of restores) {
      const pair = restore === 'nft' ? (['delta', 'replace'] as const) : (['partial', 'full'] as const);
      for (const what of pair) console.log(show(await applied(restore, what)));
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
