// Two things shard shapes leave out because no evaluator can observe them (verifier/engine/shape.ts):
// - the order of a member test of point tuples (nft's hairpin set: source . destination): which
//   element is asked first changes neither the answer nor how a class splits. kube-proxy orders
//   endpoints as text and the set is read in numeric order, so two services that differ only in
//   whether their endpoints' text and numeric orders agree must share a shape;
// - an affinity timeout's seconds: each list is its own dimension cut at its timeout, so services
//   that differ only in the timeout ask the same questions of their own atoms.
// In both cases the check's result must not change.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { check, parse } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { type VerifyReport, verifyModel } from '../../api/verify.ts';
import { collectIRShardKeys } from '../../verifier/engine/ir-view.ts';
import { prepare, rootsByState } from '../../verifier/engine/setup.ts';
import { shapeContext, shardShape } from '../../verifier/engine/shape.ts';
import { buildShards, collectProgramKeys, emptyShardKeys } from '../../verifier/engine/shards.ts';
import { addressAtomOf } from '../../verifier/engine/space.ts';
import { prepareVerify, runVerify } from '../../verifier/verify.ts';
import { generatedIR, readBackArtifacts, verifyInputOf } from './generated-setup.ts';

const M = suite('shapes: what no evaluator observes is left out');

// web's endpoints sort alike as text and as numbers; api's do not (".10" before ".9" as text)
const SOURCE = `cluster {
  masq from outside 10.64.0.0/16
}

node n1 {
  address 172.16.0.10
  podCIDR 10.64.0.0/24
}

service default/web {
  http: ClusterIP 10.96.0.1:80/tcp -> endpoints:8080
  endpoints 10.64.0.1 on n1, 10.64.0.2 on n1
}

service default/api {
  http: ClusterIP 10.96.0.2:80/tcp -> endpoints:8080
  endpoints 10.64.0.9 on n1, 10.64.0.10 on n1
}

service default/short {
  http: ClusterIP 10.96.0.3:80/tcp -> endpoints:8080
  sessionAffinity clientIP 600
  endpoints 10.64.0.21 on n1, 10.64.0.22 on n1
}

service default/long {
  http: ClusterIP 10.96.0.4:80/tcp -> endpoints:8080
  sessionAffinity clientIP 10800
  endpoints 10.64.0.31 on n1, 10.64.0.32 on n1
}
`;

const model = () => {
  const checked = check(parse(SOURCE, { file: 'order.ksvc' }));
  assert.ok(checked.model, JSON.stringify(checked.diagnostics));
  return checked.model!;
};

M('services whose endpoints sort differently as text, or whose affinity timeouts differ, share every shape', () => {
  const ir = lower(model(), { node: 'n1', family: 'ipv4' }).programs[0]!;
  const setup = prepare('ipv4', ir, readBackArtifacts(ir), { mode: 'concrete', addresses: ir.nodeIPs });
  const keys = emptyShardKeys();
  for (const c of setup.compiled) collectProgramKeys(keys, c.program);
  collectIRShardKeys(keys, ir, setup.space);
  const { fresh } = rootsByState(setup.space, setup.roots);
  const ctx = shapeContext(setup.space, setup.compiled, ir, fresh.length);
  let compared = 0;
  for (const [i, root] of fresh.entries()) {
    const shards = buildShards(root, keys);
    const shapeOf = (label: string) => {
      const shard = shards.find((s) => s.label.startsWith(label));
      assert.ok(shard, `a shard ${label} (have ${shards.map((s) => s.label).join('; ')})`);
      return shardShape(ctx, shard!, i);
    };
    const [web, api] = [shapeOf(shardLabel(setup, '10.96.0.1')), shapeOf(shardLabel(setup, '10.96.0.2'))];
    assert.ok(web !== null);
    assert.is(api, web, `root ${i}: endpoint order`);
    const [short, long] = [shapeOf(shardLabel(setup, '10.96.0.3')), shapeOf(shardLabel(setup, '10.96.0.4'))];
    assert.ok(short !== null);
    assert.is(long, short, `root ${i}: affinity timeout`);
    assert.is.not(short, web, `root ${i}: affinity itself is observable`);
    compared++;
  }
  assert.is(compared, 2);
});

M('the result is the same with and without shapes, and one service of each pair is counted from the other', () => {
  const withShapes = verifyModel(model(), { nodes: ['n1'] }).runs[0]!.report!;
  const without = verifyModel(model(), { nodes: ['n1'], shapes: false }).runs[0]!.report!;
  assert.ok(withShapes.equivalent);
  assert.is(summary(withShapes), summary(without));
  assert.ok(withShapes.stats.reusedShards >= 4, `${withShapes.stats.reusedShards} shards reused`);
});

M('a generated cluster: the same result with and without shapes', () => {
  // 12 endpoints a service: addresses ending in .9 and .10 (and .99, .100) sort differently as
  // text; a third of the services with affinity, at 600, 3,600 or 10,800 seconds
  const ir = generatedIR({ services: 60, endpointsPerService: 12, seed: 11, affinityShare: 0.35 });
  const withShapes = runVerify(prepareVerify(verifyInputOf(ir)));
  const without = runVerify(prepareVerify({ ...verifyInputOf(ir), shapes: false }));
  assert.ok(withShapes.equivalent);
  assert.is(summary(withShapes), summary(without));
  assert.is(without.stats.reusedShards, 0);
  const { reusedShards, evaluatedShards } = withShapes.stats;
  assert.ok(reusedShards > evaluatedShards, `${reusedShards} shards reused, ${evaluatedShards} evaluated`);
});

/** A shard's label prefix for a ClusterIP (shards.ts labels exact keys by destination atom). */
function shardLabel(setup: ReturnType<typeof prepare>, ip: string): string {
  return `${addressAtomOf(setup.space.addresses, ip)} `;
}

const summary = (r: VerifyReport) =>
  JSON.stringify({
    equivalent: r.equivalent,
    classes: r.stats.classes,
    packets: `${r.stats.packets.num}/${r.stats.packets.den}`,
  });

M.run();
