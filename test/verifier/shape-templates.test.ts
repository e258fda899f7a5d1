// Shard bodies are written as numbers: template numbers and hole numbers
// (verifier/engine/shape-stream.ts, shape-templates.ts). Bodies compared as numbers must group the
// shards exactly as their written-out texts do (no sharing lost, none invented), and writing a
// body out must fill each template's holes in order, a dispatch's port after its items.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CChain } from '../../verifier/engine/compiled.ts';
import { collectIRShardKeys } from '../../verifier/engine/ir-view.ts';
import { rootsByState } from '../../verifier/engine/setup.ts';
import { bodyText, shapeContext, shapeText, shardShape } from '../../verifier/engine/shape.ts';
import { expandTokens } from '../../verifier/engine/shape-stream.ts';
import { HOLE, SetTable, TextTable } from '../../verifier/engine/shape-tables.ts';
import { literalTemplate, templateTables } from '../../verifier/engine/shape-templates.ts';
import { buildShards, collectProgramKeys, emptyShardKeys } from '../../verifier/engine/shards.ts';
import { generatedSetup } from './generated-setup.ts';

const T = suite('shape templates');

T('bodies compared as numbers group the shards as their written-out texts do', () => {
  const { ir, setup } = generatedSetup({ services: 60, endpointsPerService: 3, seed: 11, affinityShare: 0.2 });
  const keys = emptyShardKeys();
  for (const c of setup.compiled) collectProgramKeys(keys, c.program);
  collectIRShardKeys(keys, ir, setup.space);
  const { fresh } = rootsByState(setup.space, setup.roots);
  const ctx = shapeContext(setup.space, setup.compiled, ir, fresh.length);
  const byShape = new Map<string, number>();
  const byText = new Map<string, number>();
  let shards = 0;
  for (const [i, r] of fresh.entries()) {
    for (const shard of buildShards(r, keys)) {
      const shape = shardShape(ctx, shard, i);
      if (shape === null) continue;
      const text = shapeText(ctx, shape);
      // the first shard of each group names it: both groupings must name the same shard
      if (!byShape.has(shape)) byShape.set(shape, shards);
      if (!byText.has(text)) byText.set(text, shards);
      assert.is(byShape.get(shape), byText.get(text), shard.label);
      shards++;
    }
  }
  assert.ok(shards > 200, `${shards} shards`);
  assert.ok(byShape.size < shards / 2, `${byShape.size} shapes for ${shards} shards`);
  // a written-out body is text: every template filled, every chain of both rulesets written
  const body = bodyText(ctx, 0);
  assert.not.match(body, /\u0000/);
  assert.match(body, /^key exact \d+\ndst 0\nlocal 1 port 0\nlo \d+ bc \d+\n/);
  assert.is(body.match(/^program /gm)?.length, setup.compiled.length);
  assert.match(body, /^chain 0 /m);
});

T('written out, a body fills each template in order', () => {
  const t = templateTables(
    generatedSetup({ services: 1, endpointsPerService: 1, seed: 1 }).setup.space,
    new SetTable(),
    new SetTable(),
    new TextTable(),
  );
  const texts = new TextTable();
  const rule = literalTemplate(t, '(0a\u0000);jump \u0000 / dnat \u0000 -', [HOLE.addr, HOLE.chain, HOLE.addr]);
  const mark = literalTemplate(t, 'mark 1 2', []);
  const element = literalTemplate(t, '1p\u0000:accept', [HOLE.port]);
  const withDispatch = literalTemplate(t, '(1=0);\u0000', [HOLE.portedDispatch]);
  const member = literalTemplate(t, '(\u0000)', [HOLE.member]);
  const m = texts.of('member 0a1|0a2');
  const tokens = [rule, 3, 5, 1, mark, withDispatch, 4, 2, element, 7, element, 8, member, m];
  assert.is(
    expandTokens(t, texts, Int32Array.from(tokens)),
    '(0a3);jump 5 / dnat 1 -mark 1 2(1=0);dispatch[1p7:accept|1p8:accept] port 4(member 0a1|0a2)',
  );
  // a list that ends inside a template is refused
  assert.throws(() => expandTokens(t, texts, Int32Array.from([rule, 3])), /ends inside a template/);
});

T('a rule whose literal holds a hole mark is written out, and still tells shards apart', () => {
  // reject kinds are the readers' text: one holding the marks' control characters cannot be a
  // template (its marks would be read as holes), so bodies write its text out instead
  const shapesWith = (kind: string) => {
    const { ir, setup } = generatedSetup({ services: 4, endpointsPerService: 2, seed: 3 });
    const program = setup.compiled[0]!.program;
    // every rule that jumps to a service chain from the services chain rejects instead
    const chains = program.chains as CChain[];
    const services = chains.findIndex((c) => c.index !== null);
    assert.ok(services >= 0);
    chains[services] = {
      ...chains[services]!,
      rules: chains[services]!.rules.map((r) => ({
        ...r,
        steps: [
          ...r.steps.slice(0, -1),
          { kind: 'verdict' as const, verdict: { kind: 'reject' as const, with: kind } },
        ],
      })),
    };
    const keys = emptyShardKeys();
    for (const c of setup.compiled) collectProgramKeys(keys, c.program);
    collectIRShardKeys(keys, ir, setup.space);
    const { fresh } = rootsByState(setup.space, setup.roots);
    const ctx = shapeContext(setup.space, setup.compiled, ir, fresh.length);
    return buildShards(fresh[0]!, keys)
      .map((shard) => shardShape(ctx, shard, 0))
      .filter((s) => s !== null)
      .map((s) => shapeText(ctx, s));
  };
  const marked = shapesWith('x\u000ey\u0017');
  assert.ok(marked.some((t) => t.includes('reject x\u000ey\u0017')));
  // the same shards with a plain kind: the same texts but for the kind, so as many shapes
  const plain = shapesWith('xy');
  assert.equal(
    marked.map((t) => t.replaceAll('x\u000ey\u0017', 'xy')),
    plain,
  );
  assert.is(new Set(marked).size, new Set(plain).size);
});

T.run();
