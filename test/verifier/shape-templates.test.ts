// Shard bodies write the shared static chains as templates (verifier/engine/shape-chains.ts): the
// compressed bodies must group shards exactly as their written-out texts do (no sharing lost, none
// invented), the templates must be in use, and a template line must write out to its text.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { collectIRShardKeys } from '../../verifier/engine/ir-view.ts';
import { rootsByState } from '../../verifier/engine/setup.ts';
import { shapeContext, shapeText, shardShape } from '../../verifier/engine/shape.ts';
import { chainTemplates, expandTemplates } from '../../verifier/engine/shape-chains.ts';
import { buildShards, collectProgramKeys, emptyShardKeys } from '../../verifier/engine/shards.ts';
import { generatedSetup } from './generated-setup.ts';

const T = suite('shape templates');

T('compressed shapes group the shards as their written-out texts do', () => {
  const { ir, setup } = generatedSetup({ services: 60, endpointsPerService: 3, seed: 11, affinityShare: 0.2 });
  const keys = emptyShardKeys();
  for (const c of setup.compiled) collectProgramKeys(keys, c.program);
  collectIRShardKeys(keys, ir, setup.space);
  const { fresh } = rootsByState(setup.space, setup.roots);
  const ctx = shapeContext(setup.space, setup.compiled, ir, fresh.length);
  // the same shapes with no chain shared, so none written as a template: the text to match
  const plain = shapeContext(setup.space, setup.compiled, ir, fresh.length);
  for (const c of setup.compiled)
    plain.templates.programs.set(c.program, { shared: new Set(), chains: new Map(), rules: new Map() });
  const compressed = new Map<string, number>();
  const written = new Map<string, number>();
  let shards = 0;
  for (const [i, r] of fresh.entries()) {
    for (const shard of buildShards(r, keys)) {
      const shape = shardShape(ctx, shard, i);
      if (shape === null) continue;
      const text = shapeText(ctx, shape);
      const unshared = shardShape(plain, shard, i)!;
      assert.is(text, shapeText(plain, unshared), shard.label);
      assert.not.match(plain.bodyTexts.at(-1)!, /\u0001/);
      // the first shard of each group names it: both groupings must name the same shard
      if (!compressed.has(shape)) compressed.set(shape, shards);
      if (!written.has(text)) written.set(text, shards);
      assert.is(compressed.get(shape), written.get(text), shard.label);
      shards++;
    }
  }
  assert.ok(shards > 200, `${shards} shards`);
  assert.ok(compressed.size < shards / 2, `${compressed.size} shapes for ${shards} shards`);
  // the base chains are templates in every body, and a written-out body holds none
  const body = ctx.bodyTexts[0]!;
  assert.match(body, /^chain \d+ \u0001\d+:[\d,]*\u0001$/m);
  assert.not.match(expandTemplates(ctx.templates, body), /\u0001/);
});

T('a template line writes out with its holes filled in order', () => {
  const t = chainTemplates();
  t.segments.push(['(0a', ');jump ', ' / dnat ', ' -']);
  t.segments.push(['mark 1 2']);
  const body =
    'program x\nchain 0 \u00010:3,5,1\u0001\nchain 1 \u00011:\u0001\nchain 2 (1=0);\u00010:4,2,7\u0001 / drop';
  assert.is(
    expandTemplates(t, body),
    'program x\nchain 0 (0a3);jump 5 / dnat 1 -\nchain 1 mark 1 2\nchain 2 (1=0);(0a4);jump 2 / dnat 7 - / drop',
  );
});

T.run();
