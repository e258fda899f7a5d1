// Issue 9 item 6, first property: random valid models (test/property/arbitrary-model.ts: every
// family mix, nodes, detectors, affinity, traffic policies, load-balancer source ranges, endpoint
// conditions, kube-proxy flags) compile to artifacts the verifier proves equivalent to each other
// and to the IR, for every node, with the coverage self-check holding (the classes count exactly
// the packets of the universe).
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { verifyModel } from '../../api/verify.ts';
import { compareRational } from '../../compiler/ir/outcome.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import { arbitraryModel } from '../property/arbitrary-model.ts';

const MODELS = 30;

const caseArb = fc.record({
  model: arbitraryModel(),
  randomFully: fc.boolean(),
  nfacct: fc.boolean(),
  conntrackLiberal: fc.boolean(),
  withHooks: fc.boolean(),
});

const P = suite('random valid models are proven equivalent');

P(`${MODELS} random models, every node, every family`, () => {
  const seen = { runs: 0, ipv6: 0, nodes: 0, tvPositive: 0, reusedShards: 0, classes: 0, affinity: 0 };
  for (const c of fc.sample(caseArb, { numRuns: MODELS, seed: 9_2026 })) {
    const { model } = c;
    const nodes = model.nodes.length > 0 ? model.nodes.map((n) => n.name) : [null];
    const result = verifyModel(model, {
      nodes,
      withHooks: c.withHooks,
      lowering: {
        environment: { randomFully: c.randomFully, nfacct: c.nfacct, conntrackLiberal: c.conntrackLiberal },
      },
    });
    const context = `model ${JSON.stringify(c)}`;
    assert.equal(
      result.diagnostics.filter((d) => d.severity === 'error'),
      [],
      context,
    );
    if (model.services.some((s) => s.clusterIPs.length > 0)) assert.ok(result.runs.length >= nodes.length, context);
    for (const run of result.runs) {
      const r = run.report;
      assert.ok(r, `node ${run.node} ${run.family}: artifacts unreadable\n${context}`);
      const where = `node ${run.node} ${run.family}`;
      assert.ok(
        r!.equivalent,
        `${where}: not equivalent\n${JSON.stringify(r!.counterexamples[0], (_, v) => (typeof v === 'bigint' ? `${v}` : v))}\n${context}`,
      );
      assert.equal(r!.comparisons, ['iptables=nftables', 'ir=iptables', 'ir=nftables'], where);
      assert.is(compareRational(r!.stats.packets, r!.stats.universe), 0, `${where}: coverage self-check\n${context}`);
      assert.ok(r!.stats.universe.num > 0n, where);
      seen.runs++;
      seen.classes += r!.stats.classes;
      seen.reusedShards += r!.stats.reusedShards;
      if (run.family === 'ipv6') seen.ipv6++;
      if (run.node !== null) seen.nodes++;
      if (Object.values(r!.stats.maxTV).some((tv) => tv !== undefined && tv.num !== 0n)) seen.tvPositive++;
    }
    if (model.services.some((s) => s.sessionAffinity.type === 'ClientIP' && s.endpoints.length > 0)) seen.affinity++;
  }
  // what the sample exercised (a sample that never reached these would prove little)
  assert.ok(seen.runs >= MODELS, JSON.stringify(seen));
  assert.ok(seen.ipv6 >= 5, `IPv6 runs: ${JSON.stringify(seen)}`);
  assert.ok(seen.nodes >= 10, `runs for a named node: ${JSON.stringify(seen)}`);
  assert.ok(seen.tvPositive >= 3, `runs with a non-dyadic split: ${JSON.stringify(seen)}`);
  assert.ok(seen.reusedShards >= 1, `shards counted by shape: ${JSON.stringify(seen)}`);
  assert.ok(seen.affinity >= 3, `models with affinity: ${JSON.stringify(seen)}`);
  console.log(`  verify-model-property: ${JSON.stringify(seen)}`);
});

const TOPOLOGY_MODELS = 40;

P(`${TOPOLOGY_MODELS} random models with node zones and topology hints, every node`, () => {
  const seen = { runs: 0, filtered: 0 };
  const topologyCases = fc.sample(arbitraryModel({ maxServices: 5, maxEndpoints: 5, topology: true }), {
    numRuns: TOPOLOGY_MODELS,
    seed: 9_2027,
  });
  for (const model of topologyCases) {
    const nodes = model.nodes.length > 0 ? model.nodes.map((n) => n.name) : [null];
    const result = verifyModel(model, { nodes });
    const context = `model ${JSON.stringify(model)}`;
    assert.equal(
      result.diagnostics.filter((d) => d.severity === 'error'),
      [],
      context,
    );
    for (const run of result.runs) {
      assert.ok(run.report?.equivalent, `node ${run.node} ${run.family}: not proven equivalent\n${context}`);
      seen.runs++;
    }
    // the hints changed some node's cluster sets (else the sample would not test them)
    const plain = {
      ...model,
      nodes: model.nodes.map(({ zone: _, ...n }) => n),
      services: model.services.map((sv) => ({
        ...sv,
        endpoints: sv.endpoints.map(({ zoneHints: _z, nodeHints: _n, ...e }) => e),
      })),
    };
    for (const node of model.nodes) {
      const sets = (m: typeof model) =>
        JSON.stringify(lowerModel(m, { node: node.name }).programs.map((p) => p.servicePorts.map((sp) => sp.cluster)));
      if (sets(model) !== sets(plain)) seen.filtered++;
    }
  }
  assert.ok(seen.runs >= TOPOLOGY_MODELS, JSON.stringify(seen));
  assert.ok(seen.filtered >= 8, `nodes whose cluster sets the hints narrowed: ${JSON.stringify(seen)}`);
  console.log(`  verify-model-property (topology): ${JSON.stringify(seen)}`);
});

P.run();
