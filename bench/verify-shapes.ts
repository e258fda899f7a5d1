// Benchmark: computing every shard's shape, as verify's check does (verifier/engine/shape.ts), on
// FILE's first node, IPv4. Not a timed test.
//   node --max-semi-space-size=32 --import tsx bench/verify-shapes.ts FILE.ksvc [ROUNDS]
// Prepares the check once (lower, both compiles, both readers, the packet space), then computes
// the shapes ROUNDS times (default 3), each with a fresh shape context, and prints the shapes
// found, the shards, and each round's wall and CPU seconds.
import { benchArguments, everyShardShape, preparedFromIR } from './shard-shapes.ts';

const { ir, rounds } = benchArguments('verify-shapes.ts');
const setup = preparedFromIR(ir);
for (let round = 0; round < rounds; round++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const { shapes, shards } = everyShardShape(setup, ir);
  const c = process.cpuUsage(c0);
  const wall = ((performance.now() - t0) / 1000).toFixed(2);
  console.log(`shapes ${shapes}, shards ${shards}: ${wall} s wall, ${((c.user + c.system) / 1e6).toFixed(2)} s CPU`);
}
