// The shape cache (verifier/engine/shape.ts: one evaluated shard per shape, isomorphic shards
// counted from it) must never change a result: `shapes: false` (verify --no-shapes) gives the same
// verdicts, class counts, covered packets and counterexamples as the default, on the rich examples
// (every node, every family) and on mutations of shards that have isomorphic siblings.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type VerifyReport, verifyModel } from '../../../api/verify.ts';
import { artifactsOf } from './fixtures.ts';
import { verifyMutated } from './harness.ts';
import { IPTABLES_BUGS } from './iptables-bugs.ts';
import { NFTABLES_BUGS } from './nftables-bugs.ts';
import { A4, S4 } from './types.ts';

const Shapes = suite('shapes never change a result');

const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x));

/** Everything a user sees of a report, except how many shards were evaluated or reused. */
function result(r: VerifyReport) {
  return json({
    equivalent: r.equivalent,
    classes: r.stats.classes,
    packets: r.stats.packets,
    universe: r.stats.universe,
    shards: r.stats.shards,
    maxTV: r.stats.maxTV,
    counterexamples: r.counterexamples,
  });
}

Shapes('rich examples: every node and family, with and without shapes', () => {
  let reused = 0;
  for (const [t, nodes] of [
    [A4, ['node-a', 'node-b', 'node-c']],
    [S4, ['n1', 'n2']],
  ] as const) {
    const { model } = artifactsOf(t);
    const withShapes = verifyModel(model, { nodes: [...nodes] });
    const without = verifyModel(model, { nodes: [...nodes], shapes: false });
    assert.is(withShapes.runs.length, without.runs.length);
    assert.ok(withShapes.runs.length >= nodes.length);
    for (const [i, run] of withShapes.runs.entries()) {
      const other = without.runs[i]!;
      const label = `${t.fixture} ${run.node} ${run.family}`;
      assert.ok(run.report?.equivalent, label);
      assert.is(result(run.report!), result(other.report!), label);
      assert.is(other.report!.stats.reusedShards, 0, `${label}: --no-shapes reuses nothing`);
      reused += run.report!.stats.reusedShards;
    }
  }
  assert.ok(reused > 0, 'the default run reused some shards (else this test compares nothing)');
});

// Bugs in shards that have an isomorphic sibling (storefront https ~ http, placeholder web ~ metrics).
const SIBLING_BUGS = [
  'ipt-proxy-firewall-drop-removed',
  'ipt-return-inserted',
  'ipt-set-dropped',
  'ipt-reject-to-drop',
  'nft-firewall-ips-missing',
  'nft-return-inserted',
  'nft-no-endpoint-services-missing',
  'nft-affinity-update-removed',
];

Shapes('mutations: the same verdicts, classes and counterexamples with and without shapes', () => {
  const all = [...IPTABLES_BUGS, ...NFTABLES_BUGS];
  for (const id of SIBLING_BUGS) {
    const m = all.find((x) => x.id === id);
    assert.ok(m, id);
    const mutated = m!.apply(artifactsOf(m!.target)[m!.artifact]);
    const withShapes = verifyMutated(m!, mutated);
    const without = verifyMutated(m!, mutated, { shapes: false });
    assert.ok(withShapes.report && without.report, `${id}: ${withShapes.errors.join('; ')}`);
    assert.is(withShapes.report!.equivalent, false, id);
    assert.ok(withShapes.report!.stats.reusedShards > 0, `${id}: the default run reused isomorphic shards`);
    assert.is(result(withShapes.report!), result(without.report!), id);
  }
});

Shapes.run();
