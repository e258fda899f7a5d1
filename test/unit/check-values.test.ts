// Checker rules on values: addresses, CIDRs, ports and numeric settings.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeSourceFile } from '../../common/source.ts';
import { checkFile } from '../../compiler/check/index.ts';
import { parseKsvc } from '../../grammar/parse-ksvc.ts';
import { BASE, expectClean, expectDiag, expectNo, posOf, run } from './check-helpers.ts';

const svc = (port: string, extra = '') => `${BASE}
service default/web {
  ${port}
  ${extra}
}
`;

test('invalid-address: short, octal-looking, overflowing and IPv4-mapped addresses', () => {
  expectDiag(svc('http: ClusterIP 10.1:80/tcp -> endpoints'), 'invalid-address', '10.1');
  const d = expectDiag(svc('http: ClusterIP 010.0.0.1:80/tcp -> endpoints'), 'invalid-address', '010.0.0.1');
  assert.is(d.hint, 'write 10.0.0.1');
  expectDiag(svc('http: ClusterIP 300.1.1.1:80/tcp -> endpoints'), 'invalid-address', '300.1.1.1');
  const m = expectDiag(
    svc('http: ClusterIP [::ffff:10.0.0.1]:80/tcp -> endpoints'),
    'invalid-address',
    '::ffff:10.0.0.1',
  );
  assert.is(m.hint, 'write 10.0.0.1');
  expectDiag(
    svc('http: ClusterIP 10.0.0.10:80/tcp -> endpoints', 'endpoints 10.0.0.01'),
    'invalid-address',
    '10.0.0.01',
  );
  expectDiag(`node a {\n  address 1.2.3\n}\n`, 'invalid-address', '1.2.3');
  expectClean(svc('http: ClusterIP 10.0.0.10:80/tcp -> endpoints', 'endpoints 10.0.0.1'));
});

test('IPv6 addresses are normalised, bracketed in ip:port positions', () => {
  const r = expectClean(svc('http: ClusterIP [FD00:0:0::10]:80/tcp -> endpoints', 'endpoints fd00::0001'));
  assert.equal(r.model!.services[0]!.clusterIPs, ['fd00::10']);
  assert.is(r.model!.services[0]!.endpoints[0]!.address, 'fd00::1');
});

test('cidr-host-bits and invalid-cidr: host bits, prefix length out of range', () => {
  const d = expectDiag(`cluster {\n  masq from outside 10.64.1.5/24\n}\n`, 'cidr-host-bits', '10.64.1.5/24');
  assert.is(d.hint, 'write 10.64.1.0/24');
  assert.match(d.message, /10\.64\.1\.0\/24/);
  expectDiag(`cluster {\n  masq from outside 10.64.1.0/33\n}\n`, 'invalid-cidr', '10.64.1.0/33');
  expectDiag(`cluster {\n  masq from outside fd00::/129\n}\n`, 'invalid-cidr', 'fd00::/129');
  expectDiag(`cluster {\n  nodePort addresses 192.168.0.0/24, 10.0.0.1/8\n}\n`, 'cidr-host-bits', '10.0.0.1/8');
  expectDiag(
    svc('http: LoadBalancer 10.0.0.10:80/tcp nodePort 30080 -> endpoints', 'loadBalancerSourceRanges 203.0.113.1/25'),
    'cidr-host-bits',
    '203.0.113.1/25',
  );
  expectDiag(`node a {\n  podCIDR 10.64.1.1/24\n}\n`, 'cidr-host-bits', '10.64.1.1/24');
  expectClean(`cluster {\n  masq from outside 10.64.1.0/24\n  nodePort addresses 192.168.0.0/24, 0.0.0.0/0\n}\n`, [
    'no-services',
  ]);
});

test('invalid-port: service, target and endpoint ports outside 1-65535', () => {
  expectDiag(svc('http: ClusterIP 10.0.0.10:0/tcp -> endpoints'), 'invalid-port', '0/tcp');
  expectDiag(svc('http: ClusterIP 10.0.0.10:65536/tcp -> endpoints'), 'invalid-port', '65536');
  expectDiag(svc('http: ClusterIP 10.0.0.10:80/tcp -> endpoints:70000'), 'invalid-port', '70000');
  expectDiag(
    svc('http: ClusterIP 10.0.0.10:80/tcp -> endpoints:web', 'endpoints 10.0.0.1 ports web=0'),
    'invalid-port',
    'web=|0',
  );
  expectClean(svc('http: ClusterIP 10.0.0.10:65535/tcp -> endpoints:1'));
});

test('node-port-out-of-range: default range, a settable range, health-check node port', () => {
  const np = (n: number) => `http: NodePort 10.0.0.10:80/tcp nodePort ${n} -> endpoints`;
  expectDiag(svc(np(3001)), 'node-port-out-of-range', '3001');
  expectDiag(svc(np(32768)), 'node-port-out-of-range', '32768');
  expectClean(svc(np(30000)));
  expectClean(svc(np(32767)));
  // kube-proxy's own tests use NodePorts like 3001: the range is settable.
  expectClean(`cluster {\n  nodePort range 3000-3100\n}\n${svc(np(3001))}`);
  expectDiag(`cluster {\n  nodePort range 3000-3100\n}\n${svc(np(30000))}`, 'node-port-out-of-range', '30000');
  const lb = `http: LoadBalancer 10.0.0.10:80/tcp nodePort 30080 -> endpoints, externalTrafficPolicy local`;
  expectDiag(svc(lb, 'healthCheckNodePort 29999'), 'node-port-out-of-range', '29999');
  expectClean(svc(lb, 'healthCheckNodePort 30001\n  endpoints 10.0.0.1 on n1'));
});

test('invalid-node-port-range, invalid-masq-bit', () => {
  expectDiag(`cluster {\n  nodePort range 32767-30000\n}\n`, 'invalid-node-port-range', 'nodePort range');
  expectDiag(`cluster {\n  nodePort range 0-100\n}\n`, 'invalid-node-port-range', 'nodePort range');
  expectDiag(`cluster {\n  masq bit 32\n}\n`, 'invalid-masq-bit', '32');
  expectClean(`cluster {\n  masq bit 0\n  nodePort range 30000-30000\n}\n`, ['no-services']);
  expectClean(`cluster {\n  masq bit 31\n}\n`, ['no-services']);
});

test('invalid-affinity-timeout: 1 to 86400 seconds', () => {
  const line = 'http: ClusterIP 10.0.0.10:80/tcp -> endpoints';
  expectDiag(svc(line, 'sessionAffinity clientIP 0'), 'invalid-affinity-timeout', 'clientIP |0');
  expectDiag(svc(`${line}, sessionAffinity clientIP 86401`), 'invalid-affinity-timeout', '86401');
  const r = expectClean(svc(line, 'sessionAffinity clientIP 86400'));
  assert.equal(r.model!.services[0]!.sessionAffinity, { type: 'ClientIP', timeoutSeconds: 86400 });
  const d = expectClean(svc(line, 'sessionAffinity clientIP'));
  assert.equal(d.model!.services[0]!.sessionAffinity, { type: 'ClientIP', timeoutSeconds: 10800 });
});

test('affinity-timeout-without-client-ip: a timeout on affinity none (not writable, so built as AST)', () => {
  const text = svc('http: ClusterIP 10.0.0.10:80/tcp -> endpoints', 'sessionAffinity clientIP 300');
  const source = makeSourceFile('t.ksvc', text);
  const parsed = parseKsvc(source);
  const svcBlock = parsed.file.blocks.find((b) => b.kind === 'Service')!;
  assert.ok(svcBlock.kind === 'Service');
  const aff = svcBlock.items.find((i) => i.kind === 'SessionAffinity')!;
  assert.ok(aff.kind === 'SessionAffinity');
  aff.affinity = { ...aff.affinity, value: 'None' };
  const r = checkFile(parsed.file, source);
  const d = r.diagnostics.find((x) => x.code === 'affinity-timeout-without-client-ip');
  assert.ok(d);
  assert.is(`${d!.span!.start.line}:${d!.span!.start.column}`, posOf(text, 'clientIP |300'));
  assert.is(r.model, null);
});

test('reserved-cluster-ip: unspecified, loopback, multicast, link-local', () => {
  for (const ip of ['0.0.0.0', '127.0.0.1', '224.0.0.5', '169.254.1.1', '255.255.255.255']) {
    expectDiag(svc(`http: ClusterIP ${ip}:80/tcp -> endpoints`), 'reserved-cluster-ip', ip);
  }
  for (const ip of ['::', '::1', 'ff02::1', 'fe80::1']) {
    expectDiag(svc(`http: ClusterIP [${ip}]:80/tcp -> endpoints`), 'reserved-cluster-ip', ip);
  }
});

test('reserved-address: external IPs and endpoints the API refuses', () => {
  const lb = 'http: LoadBalancer 10.0.0.10:80/tcp nodePort 30080 -> endpoints';
  expectDiag(svc(lb, 'externalIPs 192.168.99.22, 0.0.0.0'), 'reserved-address', '0.0.0.0');
  expectDiag(svc(lb, 'externalIPs 127.0.0.1'), 'reserved-address', '127.0.0.1');
  expectDiag(svc(lb, 'externalIPs 169.254.169.254'), 'reserved-address', '169.254.169.254');
  expectDiag(svc(lb, 'endpoints 127.0.0.1'), 'reserved-address', '127.0.0.1');
  expectDiag(svc(lb, 'externalIPs 224.0.0.251'), 'reserved-address', '224.0.0.251');
  expectDiag(svc(lb, 'endpoints ff02::1'), 'reserved-address', 'ff02::1');
  expectClean(svc(lb, 'externalIPs 192.168.99.22\n  loadBalancerIngress 1.2.3.4\n  endpoints 10.0.0.1'));
});

test('unrouted-address: multicast and broadcast addresses the API takes, and node addresses, are refused as ksvc', () => {
  const lb = 'http: LoadBalancer 10.0.0.10:80/tcp nodePort 30080 -> endpoints';
  // ValidateNonSpecialIP refuses only link-local multicast: a message saying the API refuses these was false
  for (const [spec, ip] of [
    ['externalIPs 239.1.2.3', '239.1.2.3'],
    ['externalIPs 255.255.255.255', '255.255.255.255'],
    ['endpoints ff05::1', 'ff05::1'],
  ] as const) {
    const d = expectDiag(svc(lb, spec), 'unrouted-address', ip);
    assert.match(d.message, 'ksvc refuses it');
    expectNo(svc(lb, spec), 'reserved-address');
  }
  expectDiag(`node a {\n  address 0.0.0.0\n}\n`, 'unrouted-address', '0.0.0.0');
});

test('load-balancer IPs, which the API checks only for syntax: special ones warned about, local ones refused', () => {
  const lb = 'http: LoadBalancer 10.0.0.10:80/tcp nodePort 30080 -> endpoints';
  const w = expectDiag(svc(lb, 'loadBalancerIngress 169.254.169.254'), 'special-load-balancer-ip', '169.254.169.254');
  assert.is(w.severity, 'warning');
  expectDiag(svc(lb, 'loadBalancerIngress 239.1.1.1'), 'special-load-balancer-ip', '239.1.1.1');
  expectDiag(svc(lb, 'loadBalancerIngress 127.0.0.5'), 'local-load-balancer-ip', '127.0.0.5');
  expectDiag(svc(lb, 'loadBalancerIngress 0.0.0.0'), 'local-load-balancer-ip', '0.0.0.0');
  expectNo(svc(lb, 'loadBalancerIngress 169.254.169.254'), 'reserved-address');
});

test('duplicate-list-entry: an address listed twice', () => {
  const lb = 'http: LoadBalancer 10.0.0.10:80/tcp nodePort 30080 -> endpoints';
  expectDiag(svc(lb, 'externalIPs 192.168.99.22, 192.168.99.22'), 'duplicate-list-entry', '192.168.99.22', 1);
  expectDiag(svc(lb, 'loadBalancerSourceRanges 10.0.0.0/8, 10.0.0.0/8'), 'duplicate-list-entry', '10.0.0.0/8', 1);
  expectDiag(`node a {\n  address 10.0.0.1, 10.0.0.1\n}\n`, 'duplicate-list-entry', '10.0.0.1', 1);
  expectNo(svc(lb, 'externalIPs 192.168.99.22, 192.168.99.23'), 'duplicate-list-entry');
});

test('a file with only errors in values yields no model and no crash', () => {
  const r = run(svc('http: ClusterIP 10.1:99999/tcp nodePort 1 -> endpoints:0', 'endpoints 1.2.3'));
  assert.is(r.model, null);
  assert.ok(r.diagnostics.length >= 3);
});

test('a number with a leading zero is a warning: a YAML manifest reads 0120 as octal 80, ksvc as 120', () => {
  const r = run(
    'cluster {\n  masq bit 014\n}\nservice a/b {\n  http: NodePort 10.0.0.1:0120/tcp nodePort 030080 -> endpoints:08080\n  sessionAffinity clientIP 0600\n  endpoints 10.0.0.5 ports web=080\n}\n',
  );
  const zeros = r.diagnostics.filter((d) => d.code === 'number-leading-zero');
  assert.equal(
    zeros.map((d) => [d.message, d.hint]),
    [
      [
        'masquerade mark bit 014 has a leading zero: ksvc reads it as 14, a YAML manifest (Kubernetes) as octal 12',
        'write 14',
      ],
      ['port 0120 has a leading zero: ksvc reads it as 120, a YAML manifest (Kubernetes) as octal 80', 'write 120'],
      ['nodePort 030080 has a leading zero: ksvc reads it as 30080', 'write 30080'],
      ['target port 08080 has a leading zero: ksvc reads it as 8080', 'write 8080'],
      ['endpoint port web 080 has a leading zero: ksvc reads it as 80', 'write 80'],
      [
        'affinity timeout 0600 has a leading zero: ksvc reads it as 600, a YAML manifest (Kubernetes) as octal 384',
        'write 600',
      ],
    ],
  );
  assert.ok(zeros.every((d) => d.severity === 'warning'));
  assert.equal(
    run('cluster {\n  masq bit 0\n}\n').diagnostics.filter((d) => d.code === 'number-leading-zero'),
    [],
  );
});

test.run();
