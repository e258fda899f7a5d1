// Shard shapes share a key's body between its roots (verifier/engine/shape.ts): the shape a shard
// gets from a body written for the other root must be the text a fresh computation gives, and two
// shards of different roots never share a shape (the root is part of it).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { collectIRShardKeys } from '../../verifier/engine/ir-view.ts';
import { rootsByState } from '../../verifier/engine/setup.ts';
import { shapeContext, shapeText, shardShape } from '../../verifier/engine/shape.ts';
import { buildShards, collectProgramKeys, emptyShardKeys } from '../../verifier/engine/shards.ts';
import { generatedSetup } from './generated-setup.ts';

const B = suite('shape bodies shared between roots');

B('a shape from a shared body is the shape computed afresh', () => {
  const { ir, setup } = generatedSetup({ services: 40, endpointsPerService: 4, seed: 3, affinityShare: 0.3 });
  const keys = emptyShardKeys();
  for (const c of setup.compiled) collectProgramKeys(keys, c.program);
  collectIRShardKeys(keys, ir, setup.space);
  const { fresh } = rootsByState(setup.space, setup.roots);
  assert.is(fresh.length, 2, 'arriving and local');
  const shared = shapeContext(setup.space, setup.compiled, ir, fresh.length);
  const byRoot = fresh.map((r) => buildShards(r, keys));
  let compared = 0;
  for (const [i, shards] of byRoot.entries()) {
    for (const shard of shards) {
      const own = shapeContext(setup.space, setup.compiled, ir);
      const alone = shardShape(own, shard, i);
      const fromShared = shardShape(shared, shard, i);
      assert.is(fromShared === null, alone === null, shard.label);
      if (alone === null || fromShared === null) continue;
      assert.is(shapeText(shared, fromShared), shapeText(own, alone), shard.label);
      compared++;
    }
  }
  assert.ok(compared > 100, `${compared} shards compared`);
  assert.is(shared.bodies.size, 0, 'every body was used by both roots, then let go');
  // the same key under the two roots: different shapes
  const [a, b] = [byRoot[0]!.find((s) => s.key.kind === 'exact')!, byRoot[1]!.find((s) => s.key.kind === 'exact')!];
  assert.is(a.label, b.label);
  assert.is.not(shardShape(shared, a, 0), shardShape(shared, b, 1));
});

B.run();
