// The API server defaults a Service before it validates it (SetDefaults_Service): an empty string
// is an unset field. A manifest written by hand or by `helm template` says `type: ""` or keeps a
// sessionAffinityConfig beside `sessionAffinity: None`; the cluster accepts it, so import does too.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { codesOf, imp, only, svc } from './kube-helpers.ts';

test('empty type, protocol and targetPort read as the API server defaults them', () => {
  const r = imp(svc('  type: ""\n  clusterIP: 10.32.0.7\n  ports: [{port: 80, protocol: "", targetPort: ""}]'));
  assert.equal(codesOf(r.diagnostics), []);
  const s = r.model!.services[0]!;
  assert.is(s.type, 'ClusterIP');
  assert.equal(
    s.ports.map((p) => [p.protocol, p.port, p.targetPort]),
    [['tcp', 80, 80]],
  );
});

test('an empty externalTrafficPolicy is Cluster, on a NodePort service and on a ClusterIP one', () => {
  for (const type of ['NodePort', 'ClusterIP']) {
    const nodePort = type === 'NodePort' ? ', nodePort: 30080' : '';
    const r = imp(
      svc(`  type: ${type}\n  clusterIP: 10.32.0.7\n  externalTrafficPolicy: ""\n  ports: [{port: 80${nodePort}}]`),
    );
    assert.equal(codesOf(r.diagnostics), [], type);
    assert.is(r.model!.services[0]!.externalTrafficPolicy, 'Cluster', type);
  }
});

test('ports the API server allocates and a manifest leaves out are said (port-not-allocated), not silently without rules', () => {
  const codes = (spec: string) => codesOf(imp(svc(`  clusterIP: 10.32.0.7\n${spec}`)).diagnostics);
  assert.equal(codes('  type: NodePort\n  ports: [{name: a, port: 80}, {name: b, port: 81, nodePort: 30081}]'), [
    'port-not-allocated',
  ]);
  assert.equal(codes('  type: LoadBalancer\n  ports: [{port: 80}]'), ['port-not-allocated']);
  // a load balancer without node ports, as asked: nothing to say
  assert.equal(codes('  type: LoadBalancer\n  allocateLoadBalancerNodePorts: false\n  ports: [{port: 80}]'), []);
  const local = imp(
    svc(
      '  type: LoadBalancer\n  clusterIP: 10.32.0.7\n  externalTrafficPolicy: Local\n  ports: [{port: 80, nodePort: 30080}]',
    ),
  );
  assert.equal(codesOf(local.diagnostics), ['port-not-allocated']);
  assert.match(local.diagnostics[0]!.message, /^no healthCheckNodePort: the API server allocates one/);
  assert.equal(
    codes(
      '  type: LoadBalancer\n  externalTrafficPolicy: Local\n  healthCheckNodePort: 30099\n  ports: [{port: 80, nodePort: 30080}]',
    ),
    [],
  );
});

test('a sessionAffinityConfig without ClientIP affinity is cleared, with a warning', () => {
  for (const affinity of ['  sessionAffinity: None\n', '  sessionAffinity: ""\n', '']) {
    const r = imp(
      svc(
        `  clusterIP: 10.32.0.7\n${affinity}  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}\n  ports: [{port: 80}]`,
      ),
    );
    const d = only(r.diagnostics, 'cleared-by-default');
    assert.is(d.severity, 'warning');
    assert.match(d.message, "'sessionAffinityConfig' is ignored");
    assert.equal(r.model!.services[0]!.sessionAffinity, { type: 'None' }, affinity);
  }
});

test('values the API server refuses stay refused: a misspelt type, an unknown protocol', () => {
  const codes = (spec: string) => codesOf(imp(svc(spec)).diagnostics);
  assert.ok(codes('  type: clusterip\n  clusterIP: 10.32.0.7\n  ports: [{port: 80}]').includes('unsupported-value'));
  assert.ok(codes('  clusterIP: 10.32.0.7\n  ports: [{port: 80, protocol: ICMP}]').includes('unsupported-value'));
});

test('fields kube-proxy does not read are still checked as the API server checks them', () => {
  const codes = (spec: string) => codesOf(imp(svc(spec)).diagnostics);
  assert.equal(codes('  clusterIP: 10.32.0.7\n  ipFamilyPolicy: Bogus\n  ports: [{port: 80}]'), ['unsupported-value']);
  assert.equal(codes('  clusterIP: 10.32.0.7\n  ipFamilyPolicy: PreferDualStack\n  ports: [{port: 80}]'), []);
  const dual = '  clusterIPs: [10.32.0.7, fd00:32::7]\n  ipFamilies: [IPv4, IPv6]\n  ports: [{port: 80}]';
  assert.equal(codes(`  ipFamilyPolicy: SingleStack\n${dual}`), ['invalid-value']);
  assert.equal(codes(`  ipFamilyPolicy: RequireDualStack\n${dual}`), []);
  assert.equal(codes('  clusterIP: 10.32.0.7\n  allocateLoadBalancerNodePorts: false\n  ports: [{port: 80}]'), [
    'forbidden-field',
  ]);
  assert.equal(
    codes(
      '  type: LoadBalancer\n  clusterIP: 10.32.0.7\n  allocateLoadBalancerNodePorts: false\n  ports: [{port: 80}]',
    ),
    [],
  );
});

test.run();
