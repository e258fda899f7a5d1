// Every shard's shape of a prepared check, as verify's check computes them (verifier/engine/
// shape.ts): for bench/verify-phases.ts and bench/verify-shapes.ts.
import type { IRProgram } from '../compiler/ir/types.ts';
import { collectIRShardKeys } from '../verifier/engine/ir-view.ts';
import { type prepare, rootsByState } from '../verifier/engine/setup.ts';
import { shapeContext, shardShape } from '../verifier/engine/shape.ts';
import { buildShards, collectProgramKeys, emptyShardKeys } from '../verifier/engine/shards.ts';

/** How many distinct shapes the fresh shards have, and how many shards there are. */
export function everyShardShape(setup: ReturnType<typeof prepare>, ir: IRProgram): { shapes: number; shards: number } {
  const keys = emptyShardKeys();
  for (const c of setup.compiled) collectProgramKeys(keys, c.program);
  collectIRShardKeys(keys, ir, setup.space);
  const { fresh } = rootsByState(setup.space, setup.roots);
  const ctx = shapeContext(setup.space, setup.compiled, ir, fresh.length);
  const shapes = new Set<string>();
  let shards = 0;
  for (const [i, r] of fresh.entries()) {
    for (const shard of buildShards(r, keys)) {
      shards++;
      const s = shardShape(ctx, shard, i);
      if (s !== null) shapes.add(s);
    }
  }
  return { shapes: shapes.size, shards };
}
