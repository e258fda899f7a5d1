// Checker rules on services, port lines and service-wide attributes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BASE, expectClean, expectDiag, expectNo } from './check-helpers.ts';

const S = (body: string, name = 'default/web') => `service ${name} {\n${body}\n}\n`;

test('duplicate-service, with the first declaration as related location', () => {
  const a = S('  http: ClusterIP 10.0.0.10:80/tcp -> endpoints');
  const b = S('  http: ClusterIP 10.0.0.11:80/tcp -> endpoints');
  const d = expectDiag(a + b, 'duplicate-service', 'default/web', 1);
  assert.is(d.related?.[0]?.span?.start.line, 1);
  expectClean(a + S('  http: ClusterIP 10.0.0.11:80/tcp -> endpoints', 'other/web'));
});

test('service-without-ports', () => {
  expectDiag(S('  endpoints 10.0.0.1'), 'service-without-ports', 'default/web');
});

test('duplicate-port-name within a family; same name across families is dual-stack', () => {
  const text = S('  http: ClusterIP 10.0.0.10:80/tcp -> endpoints\n  http: ClusterIP 10.0.0.10:81/tcp -> endpoints');
  expectDiag(text, 'duplicate-port-name', 'http', 1);
  expectClean(S('  http: ClusterIP 10.0.0.10:80/tcp -> endpoints\n  http: ClusterIP [fd00::10]:80/tcp -> endpoints'));
});

test('duplicate-service-port: the same port/protocol twice', () => {
  const text = S('  a: ClusterIP 10.0.0.10:80/tcp -> endpoints\n  b: ClusterIP 10.0.0.10:80/tcp -> endpoints:8080');
  expectDiag(text, 'duplicate-service-port', '80/tcp', 1);
  expectClean(S('  a: ClusterIP 10.0.0.10:80/tcp -> endpoints\n  b: ClusterIP 10.0.0.10:80/udp -> endpoints'));
});

test('duplicate port names and ports in a large service (the map path)', () => {
  const lines = Array.from({ length: 12 }, (_, i) => `  p${i}: ClusterIP 10.0.0.10:${100 + i}/tcp -> endpoints`);
  lines.push('  p3: ClusterIP 10.0.0.10:200/tcp -> endpoints', '  q: ClusterIP 10.0.0.10:105/tcp -> endpoints');
  const text = S(lines.join('\n'));
  expectDiag(text, 'duplicate-port-name', 'p3', 1);
  expectDiag(text, 'duplicate-service-port', '105/tcp', 1);
  expectClean(S(lines.slice(0, 12).join('\n')));
});

test('unnamed-port-in-multi-port-service', () => {
  const text = S('  ClusterIP 10.0.0.10:80/tcp -> endpoints\n  https: ClusterIP 10.0.0.10:443/tcp -> endpoints');
  expectDiag(text, 'unnamed-port-in-multi-port-service', 'ClusterIP');
  const r = expectClean(S('  ClusterIP 10.0.0.10:80/tcp -> endpoints'));
  assert.is(r.model!.services[0]!.ports[0]!.name, '');
});

test('mixed-service-types', () => {
  const text = S(
    '  a: NodePort 10.0.0.10:80/tcp nodePort 30080 -> endpoints\n  b: ClusterIP 10.0.0.10:81/tcp -> endpoints',
  );
  const d = expectDiag(text, 'mixed-service-types', 'ClusterIP');
  assert.is(d.related?.[0]?.span?.start.line, 2);
  assert.is(d.hint, 'write NodePort');
});

test('conflicting-cluster-ip: one cluster IP per family', () => {
  const text = S('  a: ClusterIP 10.0.0.10:80/tcp -> endpoints\n  b: ClusterIP 10.0.0.11:81/tcp -> endpoints');
  const d = expectDiag(text, 'conflicting-cluster-ip', '10.0.0.11');
  assert.is(d.hint, 'write 10.0.0.10');
});

test('cluster-ip-in-use: two services, one cluster IP', () => {
  const text =
    S('  a: ClusterIP 10.0.0.10:80/tcp -> endpoints') +
    S('  b: ClusterIP 10.0.0.10:81/tcp -> endpoints', 'default/other');
  const d = expectDiag(text, 'cluster-ip-in-use', '10.0.0.10', 1);
  assert.match(d.message, /default\/web/);
  // the same IP:port/proto too
  expectDiag(
    S('  a: ClusterIP 10.0.0.10:80/tcp -> endpoints') + S('  a: ClusterIP 10.0.0.10:80/tcp -> endpoints', 'x/y'),
    'cluster-ip-in-use',
    '10.0.0.10',
    1,
  );
});

test('node-port-on-cluster-ip and missing-node-port (warning)', () => {
  expectDiag(S('  a: ClusterIP 10.0.0.10:80/tcp nodePort 30080 -> endpoints'), 'node-port-on-cluster-ip', '30080');
  const w = expectDiag(S('  a: NodePort 10.0.0.10:80/tcp -> endpoints'), 'missing-node-port', 'NodePort');
  assert.is(w.severity, 'warning');
  expectClean(S('  a: LoadBalancer 10.0.0.10:80/tcp -> endpoints'), ['missing-node-port']);
  expectClean(S('  a: NodePort 10.0.0.10:80/tcp nodePort 30080 -> endpoints'));
});

test('duplicate-node-port: across services (any protocol), within a service (same protocol)', () => {
  const a = S('  a: NodePort 10.0.0.10:80/tcp nodePort 30080 -> endpoints');
  const b = S('  b: NodePort 10.0.0.11:80/udp nodePort 30080 -> endpoints', 'default/other');
  const d = expectDiag(a + b, 'duplicate-node-port', '30080', 1);
  assert.match(d.message, /default\/web/);
  expectDiag(
    S(
      '  a: NodePort 10.0.0.10:80/tcp nodePort 30080 -> endpoints\n  b: NodePort 10.0.0.10:81/tcp nodePort 30080 -> endpoints',
    ),
    'duplicate-node-port',
    '30080',
    1,
  );
  // one service may use one NodePort for TCP and UDP (like DNS)
  expectClean(
    S(
      '  dns: NodePort 10.0.0.10:53/udp nodePort 30053 -> endpoints\n  dns-tcp: NodePort 10.0.0.10:53/tcp nodePort 30053 -> endpoints',
    ),
  );
});

test('duplicate-node-port: a healthCheckNodePort collides with a NodePort', () => {
  const lb = S(
    '  a: LoadBalancer 10.0.0.10:80/tcp nodePort 30080 -> endpoints, externalTrafficPolicy local\n  healthCheckNodePort 30081',
  );
  const np = S('  b: NodePort 10.0.0.11:80/tcp nodePort 30081 -> endpoints', 'default/other');
  expectDiag(lb + np, 'duplicate-node-port', '30081', 1);
  expectDiag(
    S(
      '  a: LoadBalancer 10.0.0.10:80/tcp nodePort 30080 -> endpoints, externalTrafficPolicy local\n  healthCheckNodePort 30080',
    ),
    'duplicate-node-port',
    '30080',
    1,
  );
  expectClean(lb);
});

test('dual-stack-port-mismatch: missing family, differing port/protocol/nodePort/target', () => {
  const v4v6 = (a: string, b: string, extra = '') => S(`  ${a}\n  ${b}${extra}`);
  expectDiag(
    v4v6('dns: ClusterIP 10.0.0.10:53/udp -> endpoints', 'dns: ClusterIP [fd00::10]:53/tcp -> endpoints'),
    'dual-stack-port-mismatch',
    'tcp',
  );
  expectDiag(
    v4v6('dns: ClusterIP 10.0.0.10:53/udp -> endpoints', 'dns: ClusterIP [fd00::10]:54/udp -> endpoints'),
    'dual-stack-port-mismatch',
    '54',
  );
  expectDiag(
    v4v6(
      'dns: NodePort 10.0.0.10:53/udp nodePort 30053 -> endpoints',
      'dns: NodePort [fd00::10]:53/udp nodePort 30054 -> endpoints',
    ),
    'dual-stack-port-mismatch',
    '30054',
  );
  expectDiag(
    v4v6('dns: ClusterIP 10.0.0.10:53/udp -> endpoints:53', 'dns: ClusterIP [fd00::10]:53/udp -> endpoints:5353'),
    'dual-stack-port-mismatch',
    '5353',
  );
  expectDiag(
    v4v6(
      'dns: ClusterIP 10.0.0.10:53/udp -> endpoints',
      'dns: ClusterIP [fd00::10]:53/udp -> endpoints',
      '\n  metrics: ClusterIP 10.0.0.10:9153/tcp -> endpoints',
    ),
    'dual-stack-port-mismatch',
    'metrics',
  );
});

test('dual-stack service: one port, two cluster IPs, primary family first', () => {
  const r = expectClean(
    S(
      '  dns: ClusterIP [fd00::10]:53/udp -> endpoints\n  dns: ClusterIP 10.0.0.10:53/udp -> endpoints\n  endpoints 10.0.0.1, fd00::1',
    ),
  );
  const s = r.model!.services[0]!;
  assert.equal(s.clusterIPs, ['fd00::10', '10.0.0.10']);
  assert.is(s.ports.length, 1);
  assert.equal(
    s.endpoints.map((e) => [e.address, e.family, e.ports]),
    [
      ['10.0.0.1', 'ipv4', { dns: 53 }],
      ['fd00::1', 'ipv6', { dns: 53 }],
    ],
  );
});

test('conflicting-service-attribute: eTP, iTP, affinity, masq override, healthCheckNodePort', () => {
  const base = '  a: NodePort 10.0.0.10:80/tcp nodePort 30080 -> endpoints, externalTrafficPolicy local';
  const d = expectDiag(
    S(`${base}\n  externalTrafficPolicy cluster`),
    'conflicting-service-attribute',
    'externalTrafficPolicy cluster',
  );
  assert.is(d.related?.[0]?.span?.start.line, 2);
  expectDiag(
    S(`${base}, internalTrafficPolicy local\n  internalTrafficPolicy cluster`),
    'conflicting-service-attribute',
    'internalTrafficPolicy cluster',
  );
  expectDiag(
    S(`${base}\n  sessionAffinity clientIP 60\n  sessionAffinity clientIP 70`),
    'conflicting-service-attribute',
    'sessionAffinity clientIP 70',
  );
  expectDiag(
    S(`${base}\n  sessionAffinity clientIP\n  sessionAffinity none`),
    'conflicting-service-attribute',
    'sessionAffinity none',
  );
  expectDiag(
    S(
      '  a: ClusterIP 10.0.0.10:80/tcp -> endpoints, masq from outside 10.0.0.0/8\n  b: ClusterIP 10.0.0.10:81/tcp -> endpoints, masq from outside 10.64.0.0/16',
    ),
    'conflicting-service-attribute',
    'masq from outside 10.64',
  );
  expectDiag(
    S('  a: ClusterIP 10.0.0.10:80/tcp -> endpoints, masq from outside 10.0.0.0/8\n  masq from outside interface cbr0'),
    'conflicting-detector',
    'masq from outside interface',
  );
  // The same clause on every line is fine (the design card's phrase repeated).
  const r = expectClean(
    S(
      '  a: ClusterIP 10.0.0.10:80/tcp -> endpoints, masq from outside 10.0.0.0/8\n  b: ClusterIP 10.0.0.10:81/tcp -> endpoints, masq from outside 10.0.0.0/8',
    ),
  );
  assert.equal(r.model!.services[0]!.localDetectorOverride, { mode: 'ClusterCIDR', cidrs: ['10.0.0.0/8'] });
});

test('affinity-timeout-without-client-ip is not writable, clauses and statements merge', () => {
  const r = expectClean(
    BASE +
      S(
        '  a: NodePort 10.0.0.10:80/tcp nodePort 30080 -> endpoints, sessionAffinity clientIP 300\n  externalTrafficPolicy local\n  internalTrafficPolicy local\n  endpoints 10.0.0.1 on n1',
      ),
  );
  const s = r.model!.services[0]!;
  assert.is(s.externalTrafficPolicy, 'Local');
  assert.is(s.internalTrafficPolicy, 'Local');
  assert.equal(s.sessionAffinity, { type: 'ClientIP', timeoutSeconds: 300 });
});

test('load-balancer-ingress-not-load-balancer', () => {
  expectDiag(
    S('  a: NodePort 10.0.0.10:80/tcp nodePort 30080 -> endpoints\n  loadBalancerIngress 1.2.3.4'),
    'load-balancer-ingress-not-load-balancer',
    'loadBalancerIngress',
  );
  const r = expectClean(
    S('  a: LoadBalancer 10.0.0.10:80/tcp nodePort 30080 -> endpoints\n  loadBalancerIngress 1.2.3.4'),
  );
  assert.equal(r.model!.services[0]!.loadBalancerIngress, ['1.2.3.4']);
});

test('health-check-node-port-not-allowed: only LoadBalancer + externalTrafficPolicy local', () => {
  expectDiag(
    S('  a: LoadBalancer 10.0.0.10:80/tcp nodePort 30080 -> endpoints\n  healthCheckNodePort 30081'),
    'health-check-node-port-not-allowed',
    '30081',
  );
  expectDiag(
    S(
      '  a: NodePort 10.0.0.10:80/tcp nodePort 30080 -> endpoints, externalTrafficPolicy local\n  healthCheckNodePort 30081',
    ),
    'health-check-node-port-not-allowed',
    '30081',
  );
  const r = expectClean(
    S(
      '  a: LoadBalancer 10.0.0.10:80/tcp nodePort 30080 -> endpoints, externalTrafficPolicy local\n  healthCheckNodePort 30081',
    ),
  );
  assert.is(r.model!.services[0]!.healthCheckNodePort, 30081);
});

test('missing-health-check-node-port (warning): LoadBalancer + externalTrafficPolicy local without one', () => {
  const w = expectDiag(
    S('  a: LoadBalancer 10.0.0.10:80/tcp nodePort 30080 -> endpoints, externalTrafficPolicy local'),
    'missing-health-check-node-port',
    'LoadBalancer',
  );
  assert.is(w.severity, 'warning');
  // NodePort eTP=Local gets none from the API server; LoadBalancer eTP=Cluster neither
  expectNo(
    S('  a: NodePort 10.0.0.10:80/tcp nodePort 30080 -> endpoints, externalTrafficPolicy local'),
    'missing-health-check-node-port',
  );
  expectNo(S('  a: LoadBalancer 10.0.0.10:80/tcp nodePort 30080 -> endpoints'), 'missing-health-check-node-port');
});

test('external-traffic-policy-not-applicable (warning): no external frontends', () => {
  const w = expectDiag(
    S('  a: ClusterIP 10.0.0.10:80/tcp -> endpoints, externalTrafficPolicy local'),
    'external-traffic-policy-not-applicable',
    'externalTrafficPolicy',
  );
  assert.is(w.severity, 'warning');
  expectNo(
    S('  a: ClusterIP 10.0.0.10:80/tcp -> endpoints, externalTrafficPolicy local\n  externalIPs 192.168.1.1'),
    'external-traffic-policy-not-applicable',
  );
  expectNo(
    S('  a: NodePort 10.0.0.10:80/tcp nodePort 30080 -> endpoints, externalTrafficPolicy local'),
    'external-traffic-policy-not-applicable',
  );
});

test('source-ranges-not-applicable (warning)', () => {
  const w = expectDiag(
    S('  a: NodePort 10.0.0.10:80/tcp nodePort 30080 -> endpoints\n  loadBalancerSourceRanges 10.0.0.0/8'),
    'source-ranges-not-applicable',
    'loadBalancerSourceRanges',
  );
  assert.is(w.severity, 'warning');
  const r = expectClean(
    S(
      '  a: LoadBalancer 10.0.0.10:80/tcp nodePort 30080 -> endpoints\n  loadBalancerSourceRanges 10.0.0.0/8, 192.168.0.0/16',
    ),
  );
  assert.equal(r.model!.services[0]!.loadBalancerSourceRanges, ['10.0.0.0/8', '192.168.0.0/16']);
});

test('internal-traffic-policy-no-node-endpoints (warning)', () => {
  const w = expectDiag(
    S('  a: ClusterIP 10.0.0.10:80/tcp -> endpoints, internalTrafficPolicy local\n  endpoints 10.0.0.1'),
    'internal-traffic-policy-no-node-endpoints',
    'internalTrafficPolicy',
  );
  assert.is(w.severity, 'warning');
  expectClean(
    BASE + S('  a: ClusterIP 10.0.0.10:80/tcp -> endpoints, internalTrafficPolicy local\n  endpoints 10.0.0.1 on n1'),
  );
});

test('frontend-in-use: an external or load-balancer IP:port/proto claimed twice', () => {
  const a = S('  a: NodePort 10.0.0.10:80/tcp nodePort 30080 -> endpoints\n  externalIPs 192.168.99.22');
  const b = S(
    '  b: NodePort 10.0.0.11:80/tcp nodePort 30081 -> endpoints\n  externalIPs 192.168.99.22',
    'default/other',
  );
  const d = expectDiag(a + b, 'frontend-in-use', '192.168.99.22', 1);
  assert.match(d.message, /192\.168\.99\.22:80\/tcp/);
  // another service's cluster IP used as an external IP on the same port
  expectDiag(
    a + S('  b: NodePort 10.0.0.11:80/tcp nodePort 30081 -> endpoints\n  externalIPs 10.0.0.10', 'x/y'),
    'frontend-in-use',
    '10.0.0.10',
    1,
  );
  // the same external IP on another port or protocol is fine
  expectNo(
    a + S('  b: NodePort 10.0.0.11:81/tcp nodePort 30081 -> endpoints\n  externalIPs 192.168.99.22', 'x/y'),
    'frontend-in-use',
  );
  expectNo(
    a + S('  b: NodePort 10.0.0.11:80/udp nodePort 30081 -> endpoints\n  externalIPs 192.168.99.22', 'x/y'),
    'frontend-in-use',
  );
  const lb = S(
    '  a: LoadBalancer 10.0.0.10:80/tcp nodePort 30080 -> endpoints\n  loadBalancerIngress 1.2.3.4\n  externalIPs 1.2.3.4',
  );
  expectDiag(lb, 'frontend-in-use', '1.2.3.4');
});

test('address-family-ignored (warning): an external IP of a family without a cluster IP', () => {
  const w = expectDiag(
    S('  a: NodePort 10.0.0.10:80/tcp nodePort 30080 -> endpoints\n  externalIPs 2001:db8::5'),
    'address-family-ignored',
    '2001:db8::5',
  );
  assert.is(w.severity, 'warning');
  expectClean(
    S(
      '  a: NodePort 10.0.0.10:80/tcp nodePort 30080 -> endpoints\n  a: NodePort [fd00::10]:80/tcp nodePort 30080 -> endpoints\n  externalIPs 2001:db8::5',
    ),
  );
});

test('values compared as read, not as spelled: 053 is 53, 0600 is 600, CIDRs in any order and case', () => {
  // (each leading zero is warned about; the conflicts were errors)
  const dual = S(
    '  dns: ClusterIP 10.0.0.10:53/udp -> endpoints:053\n  dns: ClusterIP [fd00::10]:53/udp -> endpoints:53',
  );
  expectNo(dual, 'dual-stack-port-mismatch');
  expectDiag(
    S('  dns: ClusterIP 10.0.0.10:53/udp -> endpoints:54\n  dns: ClusterIP [fd00::10]:53/udp -> endpoints:53'),
    'dual-stack-port-mismatch',
    '53\n}',
  );
  const affinity = S(
    '  a: ClusterIP 10.0.0.10:80/tcp -> endpoints, sessionAffinity clientIP 600\n  b: ClusterIP 10.0.0.10:81/tcp -> endpoints, sessionAffinity clientIP 0600',
  );
  expectNo(affinity, 'conflicting-service-attribute');
  const addresses = (a: string, b: string) =>
    `cluster {\n  nodePort addresses ${a}\n  nodePort addresses ${b}\n}\n${S('  http: ClusterIP 10.0.0.10:80/tcp -> endpoints')}`;
  expectNo(addresses('10.0.0.0/8, 192.168.0.0/16', '192.168.0.0/16, 10.0.0.0/8'), 'conflicting-cluster-setting');
  expectNo(addresses('fd00:10::/64', 'FD00:10::/64'), 'conflicting-cluster-setting');
  expectDiag(addresses('10.0.0.0/8', '10.0.0.0/16'), 'conflicting-cluster-setting', 'nodePort addresses', 1);
});

test('a service given twice is duplicate-service, not also cluster-ip-in-use against itself', () => {
  const twice = S('  http: ClusterIP 10.0.0.10:80/tcp -> endpoints').repeat(2);
  expectDiag(twice, 'duplicate-service', 'default/web', 1);
  expectNo(twice, 'cluster-ip-in-use');
});

test("service-detector-family-missing: a service's own masq CIDRs leave out a family it has", () => {
  const svc = (masq: string, ips = '  dns: ClusterIP 10.0.0.12:53/udp -> endpoints') =>
    `${BASE}${S(`${ips}\n${masq}\n  endpoints 10.64.1.3 on n1`)}`;
  const d = expectDiag(svc('  masq from outside fd00:64::/48'), 'service-detector-family-missing', 'masq from outside');
  assert.match(d.message, /has IPv4 traffic, and its own 'masq from outside' gives no IPv4 CIDR/);
  assert.is(d.severity, 'warning');
  expectNo(svc('  masq from outside 10.64.0.0/16'), 'service-detector-family-missing');
  expectNo(svc('  masq from outside interface cbr0'), 'service-detector-family-missing');
  const dual = '  dns: ClusterIP 10.0.0.12:53/udp -> endpoints\n  dns: ClusterIP [fd00::12]:53/udp -> endpoints';
  expectDiag(svc('  masq from outside 10.64.0.0/16', dual), 'service-detector-family-missing', 'masq from outside');
  expectNo(
    svc('  masq from outside 10.64.0.0/16\n  masq from outside fd00:64::/48', dual),
    'service-detector-family-missing',
  );
});

test.run();
