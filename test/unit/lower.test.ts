import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { IRProgram, IRServicePort } from '../../compiler/ir/types.ts';
import { candidateEndpoints } from '../../compiler/lower/endpoints.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import { cidr, cluster, ep, ip, node, overallModel, port, service } from '../golden/iptables/model-builders.ts';

const one = (m: Parameters<typeof lowerModel>[0], o: Parameters<typeof lowerModel>[1] = {}): IRProgram => {
  const r = lowerModel(m, o);
  assert.equal(
    r.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  assert.is(r.programs.length, 1);
  return r.programs[0]!;
};
const sp = (p: IRProgram, name: string): IRServicePort => {
  const s = p.servicePorts.find((x) => x.servicePortName === name);
  if (!s) throw new Error(`no ${name}`);
  return s;
};
const hps = (s: { endpoints: { hostPort: string }[] } | null) => s?.endpoints.map((e) => e.hostPort) ?? null;

test('overall fixture: per-service decisions match kube-proxy TestOverallIPTablesRules', () => {
  const p = one(overallModel());
  assert.is(p.node, 'test-node');
  assert.equal(p.localDetector, { kind: 'cidr', cidr: '10.0.0.0/8' });
  assert.is(p.masqueradeMark, 0x4000);
  assert.equal(p.nodePorts, { kind: 'allLocal' });
  assert.ok(p.localhostNodePorts);
  assert.equal(
    p.servicePorts.map((s) => s.servicePortName),
    ['ns1/svc1:p80', 'ns2/svc2:p80', 'ns3/svc3:p80', 'ns4/svc4:p80', 'ns5/svc5:p80', 'ns6/svc6:p80'],
  );

  const svc2 = sp(p, 'ns2/svc2:p80');
  assert.is(svc2.healthCheckNodePort, 30000);
  assert.equal(svc2.internal, { kind: 'balance', set: 'cluster' });
  assert.equal(svc2.external, { ext: { policy: 'Local', shortCircuitPods: true, toLocal: false }, refuse: 'drop' });
  assert.equal(hps(svc2.cluster), ['10.180.0.2:80']);
  assert.is(svc2.local, null);

  const svc4 = sp(p, 'ns4/svc4:p80');
  assert.is(svc4.nodePort, null);
  assert.equal(svc4.external, { ext: { policy: 'Cluster' }, refuse: null });
  assert.equal(hps(svc4.cluster), ['10.180.0.4:80', '10.180.0.5:80']);
  assert.equal(
    svc4.endpoints.map((e) => e.isLocal),
    [false, true],
  );

  const svc5 = sp(p, 'ns5/svc5:p80');
  assert.is(svc5.healthCheckNodePort, null, 'eTP=Cluster ignores the health check node port');
  assert.equal(svc5.firewall, { sourceRanges: ['203.0.113.0/25'], allowLoadBalancerIPs: false });
  assert.equal(svc5.affinity, { timeoutSeconds: 10800 });

  const svc6 = sp(p, 'ns6/svc6:p80');
  assert.not.ok(svc6.hasEndpoints);
  assert.equal(svc6.internal, { kind: 'refuse', verdict: 'reject' });
  assert.is(svc6.external, null);
  assert.is(svc6.cluster, null);
  assert.equal(svc6.endpoints, []);
  assert.is(sp(p, 'ns1/svc1:p80').internalMasquerade, 'ifNotLocal');
  assert.is(p.totalEndpoints, 6);
  assert.not.ok(p.largeCluster);
});

test('externalTrafficPolicy Local applies to a ClusterIP service with external IPs (apiservice.ExternalPolicyLocal)', () => {
  const svc = (type: 'ClusterIP' | 'NodePort', externalIPs: string[]) =>
    service('ns', 'web', {
      type,
      clusterIPs: ['172.30.0.50'],
      ports: [port({ name: 'http', port: 80 })],
      externalIPs: externalIPs.map(ip),
      externalTrafficPolicy: 'Local',
      endpoints: [ep('10.180.0.9', { node: 'other', ports: { http: 80 } })],
    });
  const m = cluster(
    { localDetector: { mode: 'ClusterCIDR', cidrs: [cidr('10.0.0.0/8')] } },
    [node('test-node', ['192.168.0.2'])],
    [svc('ClusterIP', ['192.168.99.40'])],
  );
  const withExternal = sp(one(m), 'ns/web:http');
  assert.is(withExternal.externalTrafficPolicy, 'Local');
  assert.equal(withExternal.external, {
    ext: { policy: 'Local', shortCircuitPods: true, toLocal: false },
    refuse: 'drop',
  });
  // Without external frontends the policy has no effect (and the checker warns).
  const plain = sp(one(cluster({}, [node('test-node', ['192.168.0.2'])], [svc('ClusterIP', [])])), 'ns/web:http');
  assert.is(plain.externalTrafficPolicy, 'Cluster');
  assert.is(plain.external, null);
});

test('node selection: required with several nodes, unknown node, default single node, none', () => {
  const m = cluster({}, [node('a', ['10.1.0.1']), node('b', ['10.1.0.2'])], []);
  const r = lowerModel(m, {});
  assert.equal(r.programs, []);
  assert.is(r.diagnostics[0]!.code, 'node-required');
  assert.match(r.diagnostics[0]!.message, 'a, b');
  const u = lowerModel(m, { node: 'c' });
  assert.is(u.diagnostics[0]!.code, 'unknown-target-node');
  assert.is(one(m, { node: 'b' }).nodeIPs[0], '10.1.0.2');
  const none = one(cluster({}, [], []));
  assert.is(none.node, null);
  assert.is(none.primaryNodeIP, '127.0.0.1');
});

test('families: default every family used, ipv4 first; per-family filtering of frontends', () => {
  const m = cluster(
    { localDetector: { mode: 'ClusterCIDR', cidrs: [cidr('10.0.0.0/8'), cidr('fd00:10::/64')] } },
    [node('n', ['192.168.0.2', '2001:db8::1'])],
    [
      service('ns', 'dual', {
        type: 'LoadBalancer',
        clusterIPs: ['fd00:172:30::1', '172.30.0.1'],
        ports: [port({ name: 'p', port: 80, nodePort: 30001 })],
        externalIPs: [ip('192.168.99.1'), ip('2001:db8:99::1')],
        loadBalancerIngress: [ip('2001:db8:1::9'), ip('1.2.3.4')],
        loadBalancerSourceRanges: [cidr('2001:db8::/32')],
        endpoints: [ep('10.1.0.1', { ports: { p: 8080 } }), ep('fd00:10::5', { ports: { p: 8080 } })],
      }),
    ],
  );
  const r = lowerModel(m, {});
  assert.equal(
    r.programs.map((p) => p.family),
    ['ipv4', 'ipv6'],
  );
  const [v4, v6] = r.programs as [IRProgram, IRProgram];
  const s4 = v4.servicePorts[0]!;
  assert.is(s4.clusterIP, '172.30.0.1');
  assert.equal(s4.externalIPs, ['192.168.99.1']);
  assert.equal(s4.loadBalancerIPs, ['1.2.3.4']);
  assert.is(s4.firewall, null, 'only IPv6 source ranges: no IPv4 firewall (kube-proxy filters by family)');
  assert.equal(hps(s4.cluster), ['10.1.0.1:8080']);
  const s6 = v6.servicePorts[0]!;
  assert.equal(hps(s6.cluster), ['[fd00:10::5]:8080']);
  assert.equal(s6.firewall, { sourceRanges: ['2001:db8::/32'], allowLoadBalancerIPs: true });
  assert.equal(v6.localDetector, { kind: 'cidr', cidr: 'fd00:10::/64' });
  assert.not.ok(v6.localhostNodePorts);
  assert.is(lowerModel(m, { family: 'ipv6' }).programs.length, 1);
});

test('endpoint selection: dedup, byte-wise sort, terminating fallback, not-serving never used', () => {
  const mk = (eps: ReturnType<typeof ep>[]) =>
    one(
      cluster(
        {},
        [node('n', ['192.168.0.2'])],
        [service('ns', 's', { clusterIPs: ['172.30.0.1'], ports: [port({ port: 11 })], endpoints: eps })],
      ),
    ).servicePorts[0]!;
  const e = (a: string, o = {}) => ep(a, { ports: { '': 11 }, ...o });
  const s = mk([e('10.1.1.1'), e('10.1.1.11'), e('10.1.1.1'), e('10.1.1.2', { ready: false })]);
  assert.equal(hps(s.cluster), ['10.1.1.11:11', '10.1.1.1:11']);
  const f = mk([
    e('10.1.1.3', { ready: false, serving: true, terminating: true }),
    e('10.1.1.4', { ready: false, serving: false, terminating: true }),
  ]);
  assert.ok(f.hasEndpoints);
  assert.equal(hps(f.cluster), ['10.1.1.3:11']);
  const n = mk([e('10.1.1.4', { ready: false, serving: false, terminating: true })]);
  assert.not.ok(n.hasEndpoints);
  assert.equal(n.internal, { kind: 'refuse', verdict: 'reject' });
});

/**
 * kube-proxy's merge, written the plain way: walk the endpoints in order, keep each hostPort's
 * first, let a later local one replace it; then sort byte-wise by hostPort.
 */
function candidatesByMap(eps: ReturnType<typeof ep>[], node: string): [string, boolean, boolean][] {
  const kept = new Map<string, [string, boolean, boolean]>();
  for (const e of eps) {
    const port = e.ports['']!;
    const hostPort = `${e.address}:${port}`;
    const isLocal = e.nodeName === node;
    if (!kept.has(hostPort) || isLocal) kept.set(hostPort, [hostPort, isLocal, e.conditions.ready]);
  }
  return [...kept.values()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

test('endpoint candidates: each hostPort once (a later local one wins), byte-wise sorted, as the plain merge', () => {
  const endpoint = fc.record({
    host: fc.integer({ min: 1, max: 12 }),
    port: fc.constantFrom(80, 8080, 9),
    local: fc.boolean(),
    ready: fc.boolean(),
  });
  fc.assert(
    fc.property(fc.array(endpoint, { maxLength: 14 }), (list) => {
      const eps = list.map((x) =>
        ep(`10.1.0.${x.host}`, { node: x.local ? 'n' : 'm', ready: x.ready, ports: { '': x.port } }),
      );
      const svc = service('ns', 's', { clusterIPs: ['172.30.0.1'], ports: [port({ port: 11 })], endpoints: eps });
      const got = candidateEndpoints(svc, svc.ports[0]!, 'ipv4', 'n');
      const seen = got.endpoints.map((e, i) => [e.hostPort, e.isLocal, got.models[i]!.conditions.ready]);
      assert.equal(seen, candidatesByMap(eps, 'n'));
    }),
    { numRuns: 500, seed: 7 },
  );
});

test('traffic policies: iTP=Local without local endpoints drops; eTP=Local with local endpoints', () => {
  const m = cluster(
    {},
    [node('n', ['192.168.0.2'])],
    [
      service('ns', 'itp', {
        clusterIPs: ['172.30.0.1'],
        internalTrafficPolicy: 'Local',
        ports: [port({ port: 80 })],
        endpoints: [ep('10.0.0.1', { ports: { '': 80 } })],
      }),
      service('ns', 'etp', {
        type: 'NodePort',
        clusterIPs: ['172.30.0.2'],
        externalTrafficPolicy: 'Local',
        ports: [port({ port: 80, nodePort: 30080 })],
        endpoints: [ep('10.0.0.2', { ports: { '': 80 } }), ep('10.0.0.3', { node: 'n', ports: { '': 80 } })],
      }),
      service('ns', 'cip-etp', {
        clusterIPs: ['172.30.0.3'],
        externalTrafficPolicy: 'Local',
        externalIPs: [ip('1.1.1.1')],
        ports: [port({ port: 80 })],
        endpoints: [ep('10.0.0.4', { ports: { '': 80 } })],
      }),
    ],
  );
  const p = one(m);
  const itp = sp(p, 'ns/itp');
  assert.equal(itp.internal, { kind: 'refuse', verdict: 'drop' });
  assert.is(itp.cluster, null);
  assert.is(itp.local, null);
  assert.is(itp.internalMasquerade, 'never');
  const etp = sp(p, 'ns/etp');
  assert.equal(etp.external, { ext: { policy: 'Local', shortCircuitPods: false, toLocal: true }, refuse: null });
  assert.equal(hps(etp.local), ['10.0.0.3:80']);
  assert.equal(hps(etp.cluster), ['10.0.0.2:80', '10.0.0.3:80']);
  assert.is(etp.internalMasquerade, 'never', 'no detector, no masquerade-all');
  // apiservice.ExternalPolicyLocal: a ClusterIP service with external IPs is externally accessible.
  assert.is(sp(p, 'ns/cip-etp').externalTrafficPolicy, 'Local');
  assert.equal(sp(p, 'ns/cip-etp').external, {
    ext: { policy: 'Local', shortCircuitPods: false, toLocal: false },
    refuse: 'drop',
  });
});

test('settings: masquerade-all override, node CIDR detector, nodeport addresses, large cluster', () => {
  const eps = Array.from({ length: 1001 }, (_, i) => ep(`10.2.${i >> 8}.${i & 255}`, { ports: { '': 80 } }));
  const m = cluster(
    { localDetector: { mode: 'NodeCIDR' }, nodePortAddresses: [cidr('192.168.0.0/24'), cidr('127.0.0.0/8')] },
    [node('n', ['192.168.0.2', '10.9.9.9'], ['10.244.1.0/24'])],
    [service('ns', 's', { clusterIPs: ['172.30.0.1'], ports: [port({ port: 80 })], endpoints: eps })],
  );
  const p = one(m, { overrides: { masqueradeAll: true } });
  assert.equal(p.localDetector, { kind: 'cidr', cidr: '10.244.1.0/24' });
  assert.is(p.servicePorts[0]!.internalMasquerade, 'always');
  assert.equal(p.nodePorts, { kind: 'addresses', addresses: ['127.0.0.1', '192.168.0.2'] });
  assert.ok(p.largeCluster);
  const q = one(m, { overrides: { localhostNodePorts: false } });
  assert.equal(q.nodePorts, { kind: 'addresses', addresses: ['192.168.0.2'] });
  const r = one({ ...m, settings: { ...m.settings, nodePortAddresses: [cidr('192.168.0.0/24')] } });
  assert.not.ok(r.localhostNodePorts, 'nodeport addresses without loopback turn localhost NodePorts off');
});

test('firewall allows LB IPs when a source range holds the node IP', () => {
  const m = cluster(
    {},
    [node('n', ['203.0.113.5'])],
    [
      service('ns', 'lb', {
        type: 'LoadBalancer',
        clusterIPs: ['172.30.0.9'],
        ports: [port({ port: 80, nodePort: 30009 })],
        loadBalancerIngress: [ip('5.6.7.8')],
        loadBalancerSourceRanges: [cidr('203.0.113.0/25')],
        endpoints: [ep('10.0.0.9', { ports: { '': 80 } })],
      }),
    ],
  );
  assert.equal(one(m).servicePorts[0]!.firewall, { sourceRanges: ['203.0.113.0/25'], allowLoadBalancerIPs: true });
});

test('a /0 source range allows every source: no firewall, per family (kube-proxy 1.34)', () => {
  const lb = (ranges: string[]) =>
    cluster(
      {},
      [node('n', ['203.0.113.5', '2001:db8::5'])],
      [
        service('ns', 'lb', {
          type: 'LoadBalancer',
          clusterIPs: ['172.30.0.9', 'fd00:30::9'],
          ports: [port({ port: 80, nodePort: 30009 })],
          loadBalancerIngress: [ip('5.6.7.8'), ip('2001:db8:5::8')],
          loadBalancerSourceRanges: ranges.map(cidr),
          endpoints: [ep('10.0.0.9', { ports: { '': 80 } }), ep('fd00:10::9', { ports: { '': 80 } })],
        }),
      ],
    );
  const firewalls = (ranges: string[]) => lowerModel(lb(ranges), {}).programs.map((p) => p.servicePorts[0]!.firewall);
  assert.equal(firewalls(['198.51.100.0/24', '0.0.0.0/0', '2001:db8:7::/48']), [
    null,
    { sourceRanges: ['2001:db8:7::/48'], allowLoadBalancerIPs: false },
  ]);
  assert.equal(firewalls(['::/0', '198.51.100.0/24']), [
    { sourceRanges: ['198.51.100.0/24'], allowLoadBalancerIPs: false },
    null,
  ]);
});

test('nodeport addresses of the other family only: this family matches all local addresses', () => {
  const m = cluster(
    { nodePortAddresses: [cidr('2001:db8::/64')] },
    [node('n', ['192.168.0.2', '2001:db8::2'])],
    [service('ns', 's', { clusterIPs: ['172.30.0.1', 'fd00::1'], ports: [port({ port: 80 })] })],
  );
  const [v4, v6] = lowerModel(m).programs as [IRProgram, IRProgram];
  assert.equal(v4.nodePorts, { kind: 'allLocal' });
  assert.ok(v4.localhostNodePorts);
  assert.equal(v6.nodePorts, { kind: 'addresses', addresses: ['2001:db8::2'] });
});

test("nodeport addresses primary: the node's first address of each family; a family without one, or with a loopback one, matches all", () => {
  const svc = service('ns', 's', { clusterIPs: ['172.30.0.1', 'fd00::1'], ports: [port({ port: 80 })] });
  const dual = cluster(
    { nodePortAddresses: 'primary' },
    [node('n', ['192.168.0.2', '10.9.9.9', '2001:db8::2'])],
    [svc],
  );
  const [v4, v6] = lowerModel(dual).programs as [IRProgram, IRProgram];
  assert.equal(v4.nodePorts, { kind: 'addresses', addresses: ['192.168.0.2'] });
  assert.not.ok(v4.localhostNodePorts, 'a /32 holds no loopback address: no localhost NodePorts');
  assert.equal(v6.nodePorts, { kind: 'addresses', addresses: ['2001:db8::2'] });
  const single = cluster({ nodePortAddresses: 'primary' }, [node('n', ['192.168.0.2'])], [svc]);
  const [s4, s6] = lowerModel(single).programs as [IRProgram, IRProgram];
  assert.equal(s4.nodePorts, { kind: 'addresses', addresses: ['192.168.0.2'] });
  assert.equal(s6.nodePorts, { kind: 'allLocal' });
  const loop = cluster({ nodePortAddresses: 'primary' }, [node('n', ['127.0.0.5'])], [svc]);
  assert.equal((lowerModel(loop).programs[0] as IRProgram).nodePorts, { kind: 'allLocal' });
});

test('a family no service uses: warning family-unused, a program with no service ports', () => {
  const r = lowerModel(overallModel(), { family: 'ipv6' });
  assert.equal(
    r.diagnostics.map((d) => d.code),
    ['family-unused'],
  );
  assert.is(r.programs[0]!.servicePorts.length, 0);
});

test('local terminating fallback with ready remote endpoints: SEP chains for the union, sorted', () => {
  const m = cluster(
    {},
    [node('n', ['192.168.0.2'])],
    [
      service('ns', 's', {
        type: 'NodePort',
        externalTrafficPolicy: 'Local',
        clusterIPs: ['172.30.0.1'],
        ports: [port({ port: 80, nodePort: 30080 })],
        endpoints: [
          ep('10.0.0.9', { ports: { '': 80 } }),
          ep('10.0.0.10', { node: 'n', ports: { '': 80 }, ready: false, serving: true, terminating: true }),
        ],
      }),
    ],
  );
  const s = one(m).servicePorts[0]!;
  assert.equal(hps(s.cluster), ['10.0.0.9:80']);
  assert.equal(hps(s.local), ['10.0.0.10:80']);
  assert.equal(
    s.endpoints.map((e) => e.hostPort),
    ['10.0.0.10:80', '10.0.0.9:80'],
  );
  assert.equal(s.external?.ext, { policy: 'Local', shortCircuitPods: false, toLocal: true });
});

test('service ports are sorted by servicePortName then protocol; masquerade bit 31', () => {
  const m = cluster(
    { masqueradeBit: 31 },
    [],
    [
      service('b', 'x', {
        clusterIPs: ['172.30.0.2'],
        ports: [port({ name: 'dns', port: 53, protocol: 'udp' }), port({ name: 'dns', port: 53, protocol: 'tcp' })],
      }),
      service('a', 'y', { clusterIPs: ['172.30.0.1'], ports: [port({ port: 80 })] }),
    ],
  );
  const p = one(m);
  assert.equal(
    p.servicePorts.map((s) => `${s.servicePortName}/${s.protocol}`),
    ['a/y/tcp', 'b/x:dns/tcp', 'b/x:dns/udp'],
  );
  assert.is(p.masqueradeMark, 0x80000000);
});

test.run();
