// Benchmark: the check alone (verifier/engine/check.ts runCheck: refinement of the evaluated
// shards and the comparison), on FILE's first node, IPv4, with the IR. Not a timed test.
//   node --max-semi-space-size=32 --import tsx bench/check-rounds.ts FILE.ksvc [ROUNDS]
// Prepares once (lower, both compiles, both readers, the packet space, the shards), then runs the
// check ROUNDS times (default 3) and prints each round's classes, wall and CPU seconds.
import { PerformanceObserver } from 'node:perf_hooks';
import { evaluate } from '../compiler/ir/evaluate.ts';
import { DEFAULT_TV_BOUND, runCheck } from '../verifier/engine/check.ts';
import { collectIRShardKeys } from '../verifier/engine/ir-view.ts';
import { observedMarkMask, rootsByState } from '../verifier/engine/setup.ts';
import { buildShards, collectProgramKeys, emptyShardKeys, type Shard } from '../verifier/engine/shards.ts';
import { benchArguments, preparedFromIR } from './shard-shapes.ts';

const { ir, rounds } = benchArguments('check-rounds.ts');
const setup = preparedFromIR(ir);
const keys = emptyShardKeys();
for (const c of setup.compiled) collectProgramKeys(keys, c.program);
collectIRShardKeys(keys, ir, setup.space);
const { fresh, other } = rootsByState(setup.space, setup.roots);
const shards: Shard[] = [
  ...fresh.flatMap((r) => buildShards(r, keys)),
  ...other.map((cls, i) => ({ label: `not new ${i}`, cls, key: { kind: 'rest' } as const })),
];
// young-generation collections: a measure of allocation less noisy than time on a shared machine
let scavenges = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if ((e.detail as { kind?: number } | undefined)?.kind === 1) scavenges++;
}).observe({ entryTypes: ['gc'] });
const cpu: number[] = [];
for (let round = 0; round < rounds; round++) {
  (globalThis as { gc?: () => void }).gc?.();
  const s0 = scavenges;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = runCheck(
    {
      space: setup.space,
      shards,
      ir: { program: ir, evaluate },
      artifacts: setup.compiled,
      tvBound: DEFAULT_TV_BOUND,
      markMask: observedMarkMask(setup.space),
      maxFindings: 10,
      shapes: true,
      rootOf: (shard) => (shard.cls.core[0]![0] === 0 ? 0 : 1),
    },
    setup.roots,
  );
  const c = process.cpuUsage(c0);
  await new Promise((r) => setTimeout(r, 0)); // let the observer count this round's collections
  cpu.push((c.user + c.system) / 1e6);
  const wall = ((performance.now() - t0) / 1000).toFixed(2);
  console.log(
    `classes ${r.stats.classes}, evaluated ${r.stats.evaluatedShards}, findings ${r.findings.length}: ${wall} s wall, ${((c.user + c.system) / 1e6).toFixed(2)} s CPU, ${scavenges - s0} scavenges`,
  );
}
console.log(`least CPU ${Math.min(...cpu).toFixed(2)} s`);
