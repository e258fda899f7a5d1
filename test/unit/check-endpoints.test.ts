// Checker rules on endpoints and on the cluster and node blocks; the condition resolution table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConditionWords } from '../../compiler/check/conditions.ts';
import type { EndpointCondition } from '../../grammar/ast.ts';
import { BASE, expectClean, expectDiag, expectNo, run } from './check-helpers.ts';

const S = (body: string) =>
  `${BASE}service default/web {\n  http: ClusterIP 10.0.0.10:80/tcp -> endpoints:8080\n${body}\n}\n`;

test('unknown-endpoint-node, with a did-you-mean hint', () => {
  const d = expectDiag(S('  endpoints 10.0.0.1 on n3'), 'unknown-endpoint-node', 'n3');
  assert.match(d.hint ?? '', /did you mean n[12]\?/);
  expectClean(S('  endpoints 10.0.0.1 on n2'));
});

test('endpoint-family-mismatch', () => {
  expectDiag(S('  endpoints 10.0.0.1, fd00::1'), 'endpoint-family-mismatch', 'fd00::1');
  expectDiag(
    `service a/b {\n  h: ClusterIP [fd00::10]:80/tcp -> endpoints\n  endpoints 10.0.0.1\n}\n`,
    'endpoint-family-mismatch',
    '10.0.0.1',
  );
});

test('duplicate-endpoint', () => {
  const d = expectDiag(
    S('  endpoints 10.0.0.1 on n1\n  endpoints 10.0.0.1 on n2'),
    'duplicate-endpoint',
    '10.0.0.1 on n2',
  );
  assert.is(d.related?.[0]?.span?.start.line, 9);
});

test('one address at two numbers of a named port is two endpoints (ip:port), at one number a duplicate', () => {
  const named = (eps: string) =>
    `${BASE}service default/web {\n  http: ClusterIP 10.0.0.10:80/tcp -> endpoints:metrics\n  endpoints ${eps}\n}\n`;
  const two = expectClean(named('10.0.0.1 on n1 ports metrics=9100, 10.0.0.1 on n1 ports metrics=9200'));
  assert.equal(
    two.model!.services[0]!.endpoints.map((e) => `${e.address}:${e.ports.http}`),
    ['10.0.0.1:9100', '10.0.0.1:9200'],
  );
  expectDiag(
    named('10.0.0.1 on n1 ports metrics=9100, 10.0.0.1 on n2 ports metrics=9100'),
    'duplicate-endpoint',
    '10.0.0.1 on n2',
  );
  // a numeric target reaches every entry at its one number: always a duplicate
  expectDiag(
    S('  endpoints 10.0.0.1 ports metrics=9100, 10.0.0.1 ports metrics=9200'),
    'duplicate-endpoint',
    '10.0.0.1 ports metrics=9200',
  );
});

test('duplicate-endpoint in a large endpoint list (the map path)', () => {
  const eps = Array.from({ length: 20 }, (_, i) => `10.1.0.${i + 1}`);
  eps.push('10.1.0.7');
  expectDiag(S(`  endpoints ${eps.join(', ')}`), 'duplicate-endpoint', '0.20, |10.1.0.7');
  expectClean(S(`  endpoints ${eps.slice(0, 20).join(', ')}`));
});

test('contradictory-conditions', () => {
  expectDiag(S('  endpoints 10.0.0.1 ready not-ready'), 'contradictory-conditions', 'not-ready');
  expectDiag(S('  endpoints 10.0.0.1 serving not-serving'), 'contradictory-conditions', 'not-serving');
  // Shapes kube-proxy handles (issue 11 item 16): accepted, with a warning.
  const rt = expectClean(S('  endpoints 10.0.0.1 terminating ready'), ['unusual-conditions']);
  assert.equal(rt.model!.services[0]!.endpoints[0]!.conditions, { ready: true, serving: true, terminating: true });
  const rn = expectClean(S('  endpoints 10.0.0.1 ready not-serving'), ['unusual-conditions']);
  assert.equal(rn.model!.services[0]!.endpoints[0]!.conditions, { ready: true, serving: false, terminating: false });
});

test('condition resolution table (Kubernetes: ready = serving and not terminating)', () => {
  const r = (...w: EndpointCondition[]) => {
    const c = resolveConditionWords(new Set(w));
    return `${+c.ready}${+c.serving}${+c.terminating}`;
  };
  assert.is(r(), '110');
  assert.is(r('ready'), '110');
  assert.is(r('serving'), '110');
  assert.is(r('not-ready'), '000');
  assert.is(r('not-serving'), '000');
  assert.is(r('not-ready', 'serving'), '010');
  assert.is(r('not-ready', 'not-serving'), '000');
  assert.is(r('terminating'), '011');
  assert.is(r('terminating', 'serving'), '011');
  assert.is(r('terminating', 'not-serving'), '001');
  assert.is(r('terminating', 'not-ready'), '011');
});

test('conditions reach the model', () => {
  const r = expectClean(
    S('  endpoints 10.0.0.1 on n1, 10.0.0.2 on n2 terminating, 10.0.0.3 not-ready serving zone z1'),
  );
  assert.equal(
    r.model!.services[0]!.endpoints.map((e) => [e.address, e.nodeName, e.zone, e.conditions]),
    [
      ['10.0.0.1', 'n1', null, { ready: true, serving: true, terminating: false }],
      ['10.0.0.2', 'n2', null, { ready: false, serving: true, terminating: true }],
      ['10.0.0.3', null, 'z1', { ready: false, serving: true, terminating: false }],
    ],
  );
});

test('unknown-target-port-name: a named target no endpoint defines', () => {
  const text = `service default/web {\n  http: ClusterIP 10.0.0.10:80/tcp -> endpoints:web\n  endpoints 10.0.0.1 ports www=8080\n}\n`;
  expectDiag(text, 'unknown-target-port-name', 'endpoints:|web');
  // Without endpoints there is nothing to resolve against (a service without endpoints is legal).
  expectClean(`service default/web {\n  http: ClusterIP 10.0.0.10:80/tcp -> endpoints:web\n}\n`);
});

test('named target ports resolve per endpoint; endpoints without the name get no entry', () => {
  const r = expectClean(
    `service default/web {\n  http: ClusterIP 10.0.0.10:80/tcp -> endpoints:web\n  metrics: ClusterIP 10.0.0.10:9090/tcp -> endpoints:9100\n  endpoints 10.0.0.1 ports web=8080, 10.0.0.2 ports web=8081, 10.0.0.3\n}\n`,
  );
  assert.equal(
    r.model!.services[0]!.endpoints.map((e) => e.ports),
    [{ http: 8080, metrics: 9100 }, { http: 8081, metrics: 9100 }, { metrics: 9100 }],
  );
  assert.equal(
    r.model!.services[0]!.ports.map((p) => [p.name, p.port, p.targetPort]),
    [
      ['http', 80, 'web'],
      ['metrics', 9090, 9100],
    ],
  );
});

test('endpoint-never-used (warning): neither ready nor serving, or no target port', () => {
  const w = expectDiag(S('  endpoints 10.0.0.1 not-ready'), 'endpoint-never-used', 'endpoints |10.0.0.1');
  assert.is(w.severity, 'warning');
  expectDiag(S('  endpoints 10.0.0.1 terminating not-serving'), 'endpoint-never-used', 'endpoints |10.0.0.1');
  expectDiag(
    `service default/web {\n  http: ClusterIP 10.0.0.10:80/tcp -> endpoints:web\n  endpoints 10.0.0.1 ports web=80, 10.0.0.2\n}\n`,
    'endpoint-never-used',
    '10.0.0.2',
  );
  expectNo(S('  endpoints 10.0.0.1 terminating'), 'endpoint-never-used');
  const one = expectDiag(
    `service default/web {\n  http: ClusterIP 10.0.0.10:80/tcp -> endpoints:web\n  endpoints 10.0.0.1 ports web=80, 10.0.0.2\n}\n`,
    'endpoint-never-used',
    '10.0.0.2',
  );
  assert.is(
    one.message,
    "endpoint 10.0.0.2 never receives traffic: it defines none of the target ports (web); add 'ports NAME=N'",
  );
});

test('endpoint-never-used: many unused endpoints of one service make one summary warning', () => {
  const eps = Array.from({ length: 6 }, (_, i) => `10.1.0.${i + 1} not-ready`).join(', ');
  const r = run(S(`  endpoints ${eps}`));
  const ws = r.diagnostics.filter((d) => d.code === 'endpoint-never-used');
  assert.is(ws.length, 1);
  assert.is(
    ws[0]!.message,
    '6 endpoints of default/web (10.1.0.1, 10.1.0.2, 10.1.0.3, ...) never receive traffic: they are neither ready nor serving, and kube-proxy only uses serving endpoints',
  );
  assert.is(ws[0]!.related?.length, 2);
  assert.ok(r.model, 'warnings only');
});

// ---- cluster and nodes ----------------------------------------------------------------------

test('detector: ClusterCIDR, one CIDR per family', () => {
  const r = expectClean(`cluster {\n  masq from outside 10.64.0.0/16\n  masq from outside fd00:64::/48\n}\n`, [
    'no-services',
  ]);
  assert.equal(r.model!.settings.localDetector, { mode: 'ClusterCIDR', cidrs: ['10.64.0.0/16', 'fd00:64::/48'] });
  const d = expectDiag(
    `cluster {\n  masq from outside 10.64.0.0/16\n  masq from outside 10.65.0.0/16\n}\n`,
    'duplicate-cluster-cidr-family',
    'masq',
    1,
  );
  assert.is(d.related?.[0]?.span?.start.line, 2);
  expectClean(`cluster {\n  masq from outside 10.64.0.0/16\n  masq from outside 10.64.0.0/16\n}\n`, ['no-services']);
});

test('conflicting-detector: two detector modes', () => {
  expectDiag(
    `cluster {\n  masq from outside 10.64.0.0/16\n  masq from outside node podCIDR\n}\n`,
    'conflicting-detector',
    'masq',
    1,
  );
  expectDiag(
    `cluster {\n  masq from outside interface cbr0\n  masq from outside interface cbr1\n}\n`,
    'conflicting-cluster-setting',
    'masq',
    1,
  );
});

test('no detector: mode None', () => {
  const r = expectClean('', ['no-services']);
  assert.equal(r.model!.settings.localDetector, { mode: 'None' });
});

test('no-services is not given beside an error (nothing is written then), as for Kubernetes input', () => {
  const r = run('node n1 {\n  address 10.0.0.300\n}\n');
  assert.equal(
    r.diagnostics.map((d) => d.code),
    ['invalid-address'],
  );
});

test('node-cidr-without-pod-cidr (warning)', () => {
  const w = expectDiag(`cluster {\n  masq from outside node podCIDR\n}\n${BASE}`, 'node-cidr-without-pod-cidr', 'masq');
  assert.is(w.severity, 'warning');
  assert.match(w.message, /n1, n2/);
  const r = expectClean(
    `cluster {\n  masq from outside node podCIDR\n}\nnode n1 {\n  address 10.0.0.1\n  podCIDR 10.64.1.0/24, fd00:1::/64\n}\n`,
    ['no-services'],
  );
  assert.equal(r.model!.settings.localDetector, { mode: 'NodeCIDR' });
  assert.equal(r.model!.nodes[0]!.podCIDRs, ['10.64.1.0/24', 'fd00:1::/64']);
});

test('conflicting-cluster-setting: settings given twice with different values', () => {
  expectDiag(`cluster {\n  masq bit 14\n  masq bit 15\n}\n`, 'conflicting-cluster-setting', 'masq bit 15');
  expectDiag(
    `cluster {\n  localhost nodePorts on\n  localhost nodePorts off\n}\n`,
    'conflicting-cluster-setting',
    'localhost nodePorts off',
  );
  expectDiag(
    `cluster {\n  nodePort range 30000-32767\n  nodePort range 3000-3100\n}\n`,
    'conflicting-cluster-setting',
    'nodePort range 3000-',
  );
  expectDiag(
    `cluster {\n  nodePort addresses 10.0.0.0/8\n}\ncluster {\n  nodePort addresses 192.168.0.0/16\n}\n`,
    'conflicting-cluster-setting',
    'nodePort addresses',
    1,
  );
  const r = expectClean(
    `cluster {\n  masq all\n  masq bit 13\n  masq bit 13\n  localhost nodePorts off\n  nodePort addresses 10.0.0.0/8, fd00::/64\n  nodePort range 3000-4000\n}\n`,
    ['no-services'],
  );
  assert.equal(r.model!.settings, {
    localDetector: { mode: 'None' },
    masqueradeAll: true,
    masqueradeBit: 13,
    nodePortAddresses: ['10.0.0.0/8', 'fd00::/64'],
    localhostNodePorts: false,
    nodePortRange: { min: 3000, max: 4000 },
  });
});

test('duplicate-node and duplicate-pod-cidr-family', () => {
  const d = expectDiag(`${BASE}node n1 {\n  address 192.168.0.9\n}\n`, 'duplicate-node', 'n1', 1);
  assert.is(d.related?.[0]?.span?.start.line, 1);
  expectDiag(`node n1 {\n  podCIDR 10.64.1.0/24, 10.64.2.0/24\n}\n`, 'duplicate-pod-cidr-family', '10.64.2.0/24');
});

test('duplicate-node-zone; a node zone and endpoint hints reach the model (hints as sets)', () => {
  const d = expectDiag(`node n1 {\n  zone a\n  zone b\n}\n`, 'duplicate-node-zone', 'b');
  assert.is(d.related?.[0]?.span?.start.line, 2);
  expectDiag(`node n1 {\n  zone a-\n}\n`, 'invalid-zone', 'a-');
  const r = expectClean(
    `node n1 {\n  zone z1\n}\nnode n2 {\n}\n` +
      `service default/web {\n  http: ClusterIP 10.0.0.10:80/tcp -> endpoints:8080\n` +
      `  endpoints 10.0.0.1 on n1 for-zone z1 for-node n1 for-zone z2 for-zone z1, 10.0.0.2 on n2\n}\n`,
    ['partial-topology-hints', 'partial-topology-hints', 'topology-hint-unmatched'],
  );
  assert.equal(
    r.model!.nodes.map((n) => [n.name, n.zone]),
    [
      ['n1', 'z1'],
      ['n2', undefined],
    ],
  );
  const eps = r.model!.services[0]!.endpoints;
  assert.equal(
    eps.map((e) => [e.zoneHints, e.nodeHints]),
    [
      [['z1', 'z2'], ['n1']],
      [undefined, undefined],
    ],
  );
  assert.ok(
    !('zoneHints' in eps[1]!) && !('nodeHints' in eps[1]!),
    'no hints: no fields (the import gives the same model)',
  );
  expectDiag(S('  endpoints 10.0.0.1 on n1 for-zone z-'), 'invalid-zone', 'z-');
  expectDiag(S('  endpoints 10.0.0.1 on n1 for-node N1'), 'invalid-node-name', 'N1');
});

test('partial-topology-hints: hints on some ready endpoints only', () => {
  const d = expectDiag(
    S('  endpoints 10.0.0.1 on n1 for-zone z1, 10.0.0.2 on n2, 10.0.0.3 not-ready'),
    'partial-topology-hints',
    '10.0.0.2',
  );
  assert.match(d.message, /1 of the 2 ready endpoints of default\/web have zone hints/);
  expectDiag(
    S('  endpoints 10.0.0.1 for-zone z1 for-node n1, 10.0.0.2 for-zone z1'),
    'partial-topology-hints',
    '10.0.0.2',
  );
  // every ready endpoint hinted (a not-ready one need not be), or none: no partial-topology-hints
  expectClean(S('  endpoints 10.0.0.1 for-zone z1, 10.0.0.2 for-zone z2, 10.0.0.3 not-ready serving'), [
    'topology-hint-unmatched',
    'topology-hint-unmatched',
  ]);
  expectClean(S('  endpoints 10.0.0.1, 10.0.0.2'));
  // per service port: an unhinted endpoint that serves only another named port spoils nothing
  // (kube-proxy applies the hints to the port all of whose endpoints have them)
  const ports = (third: string) =>
    `${BASE}service default/web {\n  http: ClusterIP 10.0.0.10:80/tcp -> endpoints:http\n  m: ClusterIP 10.0.0.10:81/tcp -> endpoints:m\n` +
    `  endpoints 10.0.0.1 on n1 for-node n1 ports http=80, 10.0.0.2 on n2 for-node n2 ports http=80, ${third}\n}\n`;
  expectNo(ports('10.0.0.3 on n1 ports m=81'), 'partial-topology-hints');
  const spoils = expectDiag(ports('10.0.0.3 on n1 ports http=80 m=81'), 'partial-topology-hints', '10.0.0.3');
  assert.match(spoils.message, /2 of the 3 ready endpoints of default\/web \(target port http\) have node hints/);
});

test('topology-hint-unmatched: a zone no node is in, an undeclared node; once per service and name', () => {
  const zoned = `node n1 {\n  address 192.168.0.1\n  zone z1\n}\nnode n2 {\n  address 192.168.0.2\n}\n`;
  const svc = (eps: string) =>
    `${zoned}service default/web {\n  http: ClusterIP 10.0.0.10:80/tcp -> endpoints:8080\n  endpoints ${eps}\n}\n`;
  const d = expectDiag(svc('10.0.0.1 for-zone z1 for-zone zz, 10.0.0.2 for-zone zz'), 'topology-hint-unmatched', 'zz');
  assert.match(d.message, "no node is in zone 'zz'");
  const r = run(svc('10.0.0.1 for-zone z1 for-zone zz, 10.0.0.2 for-zone zz'));
  assert.is(r.diagnostics.filter((x) => x.code === 'topology-hint-unmatched').length, 1, 'once per service and name');
  expectDiag(
    svc('10.0.0.1 for-zone z1 for-node n9, 10.0.0.2 for-zone z1 for-node n2'),
    'topology-hint-unmatched',
    'n9',
  );
  expectClean(svc('10.0.0.1 for-zone z1 for-node n1, 10.0.0.2 for-zone z1 for-node n2'));
});

test('nodes reach the model with canonical addresses', () => {
  const r = expectClean(`node n1 {\n  address 172.16.1.35, 2001:DB8::1\n  podCIDR 10.64.1.0/24\n}\n`, ['no-services']);
  assert.equal(
    r.model!.nodes.map((n) => [n.name, n.addresses, n.podCIDRs]),
    [['n1', ['172.16.1.35', '2001:db8::1'], ['10.64.1.0/24']]],
  );
  assert.is(r.model!.nodes[0]!.origin?.span?.start.line, 1);
});

test.run();
