// A health-check node port in a shard shape (verifier/engine/shape.ts): the reference evaluator only
// asks whether a packet's port is one (KUBE-NODEPORTS' accept in INPUT), so a shard at the port of
// one service's health check and a shard at another's share a shape however different the two
// services are — and the check still finds a health-check rule that is missing or moved.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileIptables } from '../../api/iptables.ts';
import { check, parse } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { verifyArtifacts } from '../../api/verify.ts';
import { freshShapes, preparedFromIR } from '../../bench/shard-shapes.ts';
import { collectIRShardKeys } from '../../verifier/engine/ir-view.ts';
import { rootsByState } from '../../verifier/engine/setup.ts';
import { buildShards, collectProgramKeys, emptyShardKeys } from '../../verifier/engine/shards.ts';

const H = suite('shapes at health-check node ports');

// Two Local load balancers whose health checks are all that their shards at 30001 and 30002 reach:
// one balances three endpoints (one on this node), the other has one endpoint, not on this node, and affinity.
const CLUSTER = `cluster {
  masq from outside 10.64.0.0/16
}
node node-a {
  address 192.168.10.11
}
service shop/front {
  http: LoadBalancer 10.32.0.20:80/tcp nodePort 30080 -> endpoints:8080, externalTrafficPolicy local
  loadBalancerIngress 203.0.113.10
  healthCheckNodePort 30001
  endpoints 10.64.1.5 on node-a, 10.64.2.5, 10.64.2.6
}
service shop/back {
  grpc: LoadBalancer 10.32.0.30:9000/tcp nodePort 30090 -> endpoints:9000, externalTrafficPolicy local
  loadBalancerIngress 203.0.113.20
  healthCheckNodePort 30002
  sessionAffinity clientIP 600
  endpoints 10.64.3.7
}
`;

const model = check(parse(CLUSTER, { file: 'hc.ksvc' })).model!;
const ir = lower(model, { node: 'node-a', family: 'ipv4' }).programs[0]!;

H('the shards at the two health-check ports have one shape under each root', () => {
  const setup = preparedFromIR(ir);
  const { shapes } = freshShapes(setup, ir);
  // the shards in freshShapes' order, to find the two health-check ports' shards
  const keys = emptyShardKeys();
  for (const c of setup.compiled) collectProgramKeys(keys, c.program);
  collectIRShardKeys(keys, ir, setup.space);
  const { fresh } = rootsByState(setup.space, setup.roots);
  const shards = fresh.flatMap((r, root) => buildShards(r, keys).map((s) => ({ s, root })));
  assert.is(shards.length, shapes.length);
  for (const root of [0, 1]) {
    const at = (port: number) =>
      shapes[shards.findIndex(({ s, root: r }) => r === root && s.key.kind === 'port' && s.key.port === port)];
    const [a, b] = [at(30001), at(30002)];
    assert.type(a, 'string', `root ${root}: a shard at 30001`);
    assert.is(a, b, `root ${root}`);
  }
});

H('a missing or moved health-check rule is still found', () => {
  const restore = compileIptables(ir);
  const hc = restore.split('\n').filter((l) => l.includes('health check node port'));
  assert.is(hc.length, 2, 'one ACCEPT per health-check port');
  const back = hc.find((l) => l.includes('--dport 30002'))!;
  for (const edited of [restore.replace(`${back}\n`, ''), restore.replace(back, back.replace('30002', '30003'))]) {
    const result = verifyArtifacts({ iptables: { text: edited, file: 'ipt' }, model: { model, node: 'node-a' } });
    const report = result.runs[0]!.report!;
    assert.not.ok(report.equivalent);
    assert.ok(
      report.counterexamples.some((c) => c.witness.dport === 30002 || c.witness.dport === 30003),
      `the witness is at the health-check port: ${JSON.stringify(report.counterexamples.map((c) => [c.witness.dst, c.witness.dport]))}`,
    );
  }
  // unedited: equivalent
  const same = verifyArtifacts({ iptables: { text: restore, file: 'ipt' }, model: { model, node: 'node-a' } });
  assert.ok(same.runs[0]!.report!.equivalent);
});

H.run();
