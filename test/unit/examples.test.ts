// Every bundled example checks clean (no errors), with exactly the expected warnings; the
// acceptance examples build the model field by field as the captures say.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeSourceFile } from '../../common/source.ts';
import { loadKsvc } from '../../compiler/load-ksvc.ts';
import type { ClusterModel } from '../../compiler/model.ts';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');

/** Expected warning codes per example (every other example: none). */
const EXPECTED_WARNINGS: Record<string, string[]> = {
  'design-card.ksvc': ['external-traffic-policy-not-applicable'],
  // storefront's external IP beside its source ranges: the firewall guards its load-balancer IPs only
  'everything.ksvc': ['endpoint-never-used', 'source-ranges-not-external-ips'],
};

function load(name: string) {
  const text = readFileSync(path.join(dir, name), 'utf8');
  return loadKsvc(makeSourceFile(`examples/${name}`, text));
}

const model = (name: string): ClusterModel => {
  const r = load(name);
  assert.ok(r.model, `${name} has no model: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.model!;
};

const strip = <T>(x: T): T => JSON.parse(JSON.stringify(x, (k, v) => (k === 'origin' ? undefined : v)));

const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ksvc'))
  .sort();

test('the examples directory has the acceptance examples', () => {
  for (const f of [
    'seed-clusterip.ksvc',
    'seed-nodeport.ksvc',
    'seed-local.ksvc',
    'design-card.ksvc',
    'everything.ksvc',
  ]) {
    assert.ok(files.includes(f), f);
  }
});

for (const f of files) {
  test(`${f} checks clean with the expected warnings`, () => {
    const r = load(f);
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    assert.equal(
      errors.map((d) => `${d.code} ${d.span?.start.line}:${d.span?.start.column} ${d.message}`),
      [],
    );
    const warnings = r.diagnostics
      .filter((d) => d.severity === 'warning')
      .map((d) => d.code)
      .sort();
    assert.equal(warnings, (EXPECTED_WARNINGS[f] ?? []).slice().sort());
  });
}

test('seed-clusterip: kubernetes and kube-dns as captured', () => {
  const m = strip(model('seed-clusterip.ksvc'));
  assert.equal(m.settings.localDetector, { mode: 'ClusterCIDR', cidrs: ['10.64.1.0/24'] });
  assert.equal(m.nodes, [{ name: 'ecs-matrix-k8s-cluster-3', addresses: ['172.16.1.35'], podCIDRs: [] }]);
  const [api, dns] = m.services;
  assert.equal(api, {
    namespace: 'default',
    name: 'kubernetes',
    type: 'ClusterIP',
    clusterIPs: ['10.32.0.1'],
    ports: [{ name: 'https', protocol: 'tcp', port: 443, nodePort: null, targetPort: 6443 }],
    externalIPs: [],
    loadBalancerIngress: [],
    loadBalancerSourceRanges: [],
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
    sessionAffinity: { type: 'None' },
    healthCheckNodePort: null,
    localDetectorOverride: null,
    endpoints: [
      {
        address: '172.16.1.35',
        family: 'ipv4',
        nodeName: null,
        zone: null,
        conditions: { ready: true, serving: true, terminating: false },
        ports: { https: 6443 },
      },
    ],
  });
  assert.is(dns!.namespace, 'kube-system');
  assert.equal(dns!.clusterIPs, ['10.32.0.10']);
  assert.equal(
    dns!.ports.map((p) => [p.name, p.protocol, p.port, p.targetPort]),
    [
      ['dns', 'udp', 53, 53],
      ['dns-tcp', 'tcp', 53, 53],
      ['metrics', 'tcp', 9153, 9153],
    ],
  );
  assert.equal(
    dns!.endpoints.map((e) => [e.address, e.nodeName, e.ports]),
    [['10.64.1.7', 'ecs-matrix-k8s-cluster-3', { dns: 53, 'dns-tcp': 53, metrics: 9153 }]],
  );
});

test('seed-nodeport: one NodePort port', () => {
  const s = strip(model('seed-nodeport.ksvc')).services[0]!;
  assert.is(s.type, 'NodePort');
  assert.equal(s.clusterIPs, ['10.32.0.159']);
  assert.equal(s.ports, [{ name: 'nginx-svc-port', protocol: 'tcp', port: 8080, nodePort: 30080, targetPort: 80 }]);
  assert.is(s.externalTrafficPolicy, 'Cluster');
  assert.equal(
    s.endpoints.map((e) => [e.address, e.nodeName, e.ports]),
    [['10.64.1.13', 'ecs-matrix-k8s-cluster-3', { 'nginx-svc-port': 80 }]],
  );
});

test('seed-local: eTP Local NodePort, endpoint on cluster-3, two nodes', () => {
  const m = model('seed-local.ksvc');
  assert.equal(
    m.nodes.map((n) => [n.name, n.addresses]),
    [
      ['ecs-matrix-k8s-cluster-3', ['172.16.1.35']],
      ['ecs-matrix-k8s-cluster-1', ['172.16.1.33']],
    ],
  );
  const s = m.services[0]!;
  assert.is(`${s.namespace}/${s.name}`, 'default/http-svc');
  assert.is(s.type, 'NodePort');
  assert.equal(strip(s.ports), [{ name: 'http-svc', protocol: 'tcp', port: 8080, nodePort: 30080, targetPort: 8080 }]);
  assert.is(s.externalTrafficPolicy, 'Local');
  assert.is(s.internalTrafficPolicy, 'Cluster');
  assert.is(s.healthCheckNodePort, null);
  assert.equal(strip(s.endpoints), [
    {
      address: '10.44.0.1',
      family: 'ipv4',
      nodeName: 'ecs-matrix-k8s-cluster-3',
      zone: null,
      conditions: { ready: true, serving: true, terminating: false },
      ports: { 'http-svc': 8080 },
    },
  ]);
  // origins point into the file
  assert.is(s.origin?.file, 'examples/seed-local.ksvc');
  assert.is(s.origin?.span?.start.line, 13);
  assert.is(s.ports[0]!.origin?.span?.start.line, 14);
  assert.is(s.endpoints[0]!.origin?.span?.start.line, 15);
});

test('design-card: the phrase builds a ClusterIP port with a detector override', () => {
  const s = model('design-card.ksvc').services[0]!;
  assert.is(s.type, 'ClusterIP');
  assert.equal(strip(s.ports), [{ name: 'dns', protocol: 'udp', port: 53, nodePort: null, targetPort: 53 }]);
  assert.equal(s.localDetectorOverride, { mode: 'ClusterCIDR', cidrs: ['10.64.1.0/24'] });
  assert.is(s.externalTrafficPolicy, 'Local');
});

test('everything: every construct reaches the model', () => {
  const m = model('everything.ksvc');
  const svc = (key: string) => m.services.find((s) => `${s.namespace}/${s.name}` === key)!;
  assert.equal(m.settings.localDetector, { mode: 'ClusterCIDR', cidrs: ['10.64.0.0/16', 'fd00:64::/48'] });
  assert.equal(m.settings.nodePortAddresses, ['192.168.10.0/24', 'fd00:10::/64']);
  const lb = svc('shop/storefront');
  assert.is(lb.type, 'LoadBalancer');
  assert.equal(lb.externalIPs, ['192.168.99.22']);
  assert.equal(lb.loadBalancerIngress, ['203.0.113.10']);
  assert.equal(lb.loadBalancerSourceRanges, ['198.51.100.0/24', '203.0.113.0/25']);
  assert.is(lb.healthCheckNodePort, 30000);
  assert.is(lb.externalTrafficPolicy, 'Local');
  assert.equal(lb.sessionAffinity, { type: 'ClientIP', timeoutSeconds: 600 });
  assert.equal(
    lb.endpoints.map((e) => [
      e.address,
      e.nodeName,
      e.zone,
      e.conditions.ready,
      e.conditions.serving,
      e.conditions.terminating,
      e.ports,
    ]),
    [
      ['10.64.1.5', 'node-a', 'zone-a', true, true, false, { http: 8080, https: 8443 }],
      ['10.64.2.5', 'node-b', 'zone-b', true, true, false, { http: 8080, https: 8443 }],
      ['10.64.2.6', 'node-b', 'zone-b', false, true, true, { http: 8080, https: 8443 }],
      ['10.64.3.5', 'node-c', 'zone-c', false, false, false, { http: 8080, https: 8443 }],
    ],
  );
  assert.is(svc('shop/cart').internalTrafficPolicy, 'Local');
  assert.equal(
    svc('shop/cart').ports.map((p) => [p.name, p.targetPort]),
    [['', 8080]],
  );
  const dns = svc('kube-system/kube-dns');
  assert.equal(dns.clusterIPs, ['10.32.0.10', 'fd00:32::10']);
  assert.equal(
    dns.ports.map((p) => p.name),
    ['dns', 'dns-tcp'],
  );
  assert.equal(
    dns.endpoints.map((e) => [e.address, e.family]),
    [
      ['10.64.1.7', 'ipv4'],
      ['fd00:64:0:1::7', 'ipv6'],
      ['10.64.2.7', 'ipv4'],
      ['fd00:64:0:2::7', 'ipv6'],
    ],
  );
  const sctp = svc('telecom/signalling');
  assert.equal(strip(sctp.ports), [
    { name: 'sigtran', protocol: 'sctp', port: 2905, nodePort: 32005, targetPort: 2905 },
  ]);
  assert.equal(sctp.localDetectorOverride, { mode: 'ClusterCIDR', cidrs: ['10.0.0.0/8'] });
  assert.equal(svc('default/placeholder').endpoints, []);
});

test.run();
