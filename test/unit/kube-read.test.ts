// The Kubernetes import reads objects as kube-proxy does: defaults, sloppy IPs, family filtering,
// skipped services, EndpointSlice conditions and duplicates.

import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isMap, isScalar, isSeq, parseDocument, stringify, type Node as YNode } from 'yaml';
import { parseJsonNodes } from '../../compiler/kube/json-reader.ts';
import { defaultClusterSettings } from '../../compiler/model.ts';
import { codesOf, docs, imp, only, slice, stripOrigins, svc, WEB } from './kube-helpers.ts';

test('a ClusterIP service with its slice: defaults filled as the API server does', () => {
  const r = imp(
    docs(
      WEB,
      slice(`addressType: IPv4
ports:
- name: http
  port: 8080
endpoints:
- addresses: [10.64.1.7]
  nodeName: node-a`),
    ),
  );
  assert.equal(codesOf(r.diagnostics), ['node-without-object']);
  const s = r.model!.services[0]!;
  assert.is(s.type, 'ClusterIP');
  assert.equal(s.clusterIPs, ['10.32.0.5']);
  assert.equal(r.model!.settings, defaultClusterSettings());
  assert.equal(JSON.parse(JSON.stringify(s.ports.map(({ origin: _o, ...p }) => p))), [
    { name: 'http', protocol: 'tcp', port: 80, nodePort: null, targetPort: 8080 },
  ]);
  assert.is(s.externalTrafficPolicy, 'Cluster');
  assert.is(s.internalTrafficPolicy, 'Cluster');
  assert.equal(s.sessionAffinity, { type: 'None' });
  assert.is(s.endpoints.length, 1);
  const ep = s.endpoints[0]!;
  assert.equal([ep.address, ep.family, ep.nodeName, ep.zone], ['10.64.1.7', 'ipv4', 'node-a', null]);
  // Conditions all nil: ready and serving default to true, terminating to false.
  assert.equal(ep.conditions, { ready: true, serving: true, terminating: false });
  assert.equal(ep.ports, { http: 8080 });
  // node-a has no Node object: a node without addresses, with a warning.
  assert.equal(r.model!.nodes, [{ name: 'node-a', addresses: [], podCIDRs: [] }]);
});

test('TestBadIPs: sloppy addresses are normalised the way kube-proxy reads them', () => {
  const r = imp(
    docs(
      svc(
        `  type: LoadBalancer
  clusterIP: 172.30.0.041
  externalIPs: [192.168.099.022]
  loadBalancerSourceRanges: [" 203.0.113.000/025"]
  ports:
  - name: p80
    port: 80
    nodePort: 3001`,
        'name: svc1\n  namespace: ns1',
        `  loadBalancer:
    ingress:
    - ip: 1.2.3.004`,
      ),
      slice(
        `addressType: IPv4
ports: [{name: p80, port: 80}]
endpoints: [{addresses: [10.180.00.001]}]`,
        'svc1-x',
        'svc1',
        'ns1',
      ),
    ),
  );
  assert.equal(
    r.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const s = r.model!.services[0]!;
  assert.equal(s.clusterIPs, ['172.30.0.41']);
  assert.equal(s.externalIPs, ['192.168.99.22']);
  assert.equal(s.loadBalancerIngress, ['1.2.3.4']);
  assert.equal(s.loadBalancerSourceRanges, ['203.0.113.0/25']);
  assert.is(s.endpoints[0]!.address, '10.180.0.1');
  // nodePort 3001 is outside the default range and no range was given: the range widens.
  assert.equal(r.model!.settings.nodePortRange, { min: 3001, max: 32767 });
});

test('headless and ExternalName services produce nothing, and their slices are ignored quietly', () => {
  const r = imp(
    docs(
      svc('  clusterIP: None\n  ports: [{name: http, port: 80}]', 'name: pods\n  namespace: shop'),
      svc('  type: ExternalName\n  externalName: db.example.com', 'name: db\n  namespace: shop'),
      slice(
        'addressType: IPv4\nports: [{name: http, port: 80}]\nendpoints: [{addresses: [10.64.1.9]}]',
        'pods-1',
        'pods',
      ),
    ),
  );
  assert.equal(r.diagnostics, []);
  assert.equal(r.model!.services, []);
});

test('objects kube-proxy never lists: a service-proxy-name or headless label hides a Service or EndpointSlice', () => {
  // another proxy's service (its spec is not read: a bad port is not kube-proxy's concern) and its slice
  const other = docs(
    svc(
      '  clusterIP: 10.32.0.9\n  ports: [{name: http, port: 0}]',
      'name: mesh\n  namespace: shop\n  labels:\n    service.kubernetes.io/service-proxy-name: other-proxy',
    ),
    slice(
      'addressType: IPv4\nports: [{name: http, port: 80}]\nendpoints: [{addresses: [10.64.1.9]}]',
      'mesh-1',
      'mesh',
    ),
    svc(
      '  clusterIP: 10.32.0.10\n  ports: [{name: http, port: 80}]',
      'name: marked\n  namespace: shop\n  labels:\n    service.kubernetes.io/headless: ""',
    ),
  );
  const r = imp(other);
  assert.equal(r.diagnostics, []);
  assert.equal(r.model!.services, []);

  // a listed service with one hidden slice: that slice's endpoints are missing, with a warning at the label
  const hidden = (label: string) =>
    `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-hidden
  namespace: shop
  labels:
    kubernetes.io/service-name: web
    ${label}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [10.64.1.8]}]
`;
  for (const label of ['service.kubernetes.io/service-proxy-name: other-proxy', 'service.kubernetes.io/headless: ""']) {
    const input = docs(
      WEB,
      slice('addressType: IPv4\nports: [{name: http, port: 8080}]\nendpoints: [{addresses: [10.64.1.7]}]'),
      hidden(label),
    );
    const m = imp(input);
    const d = only(m.diagnostics, 'slice-hidden-by-label');
    assert.equal(codesOf(m.diagnostics), ['slice-hidden-by-label']);
    assert.is(d.severity, 'warning');
    assert.match(d.message, `'${label.split(':')[0]}'`);
    assert.match(d.message, 'service shop/web gets none of its endpoints');
    assert.is(d.span?.start.line, input.split('\n').indexOf(`    ${label}`) + 1);
    assert.equal(
      m.model!.services[0]!.endpoints.map((e) => e.address),
      ['10.64.1.7'],
    );
    // the same objects as a JSON List (the JSON reader's path)
    const items = input.split('---\n').map((d) => parseDocument(d).toJS());
    const j = imp(JSON.stringify({ apiVersion: 'v1', kind: 'List', items }), {}, 'in.json');
    assert.equal(codesOf(j.diagnostics), ['slice-hidden-by-label']);
    assert.equal(stripOrigins(j.model), stripOrigins(m.model));
  }
});

test('a service without any clusterIP is skipped with a warning', () => {
  const r = imp(svc('  ports: [{port: 80}]'));
  assert.equal(codesOf(r.diagnostics), ['no-cluster-ip']);
  assert.equal(r.model!.services, []);
});

test('dual-stack clusterIPs keep the primary family first; ipFamilies must agree', () => {
  const r = imp(
    svc(
      '  clusterIP: fd00:32::10\n  clusterIPs: ["fd00:32::10", 10.32.0.10]\n  ipFamilies: [IPv6, IPv4]\n  ports: [{port: 53, protocol: UDP}]',
    ),
  );
  assert.equal(r.model!.services[0]!.clusterIPs, ['fd00:32::10', '10.32.0.10']);
  // Without ipFamilies kube-proxy reads spec.clusterIP only.
  const old = imp(svc('  clusterIPs: [10.32.0.10, "fd00:32::10"]\n  ports: [{port: 53}]'));
  assert.is(only(old.diagnostics, 'second-cluster-ip-ignored').path, 'spec.clusterIPs[1]');
  assert.equal(old.model!.services[0]!.clusterIPs, ['10.32.0.10']);
  const bad = imp(svc('  clusterIPs: [10.32.0.10]\n  ipFamilies: [IPv6]\n  ports: [{port: 53}]'));
  assert.is(only(bad.diagnostics, 'invalid-value').path, 'spec.ipFamilies[0]');
  const mismatch = imp(svc('  clusterIP: 10.32.0.10\n  clusterIPs: [10.32.0.11]\n  ports: [{port: 53}]'));
  assert.is(only(mismatch.diagnostics, 'invalid-value').path, 'spec.clusterIPs[0]');
});

test('load-balancer ingress: ipMode Proxy, empty IPs and hostnames carry no VIP', () => {
  const r = imp(
    svc(
      '  type: LoadBalancer\n  clusterIP: 10.32.0.7\n  ports: [{port: 80, nodePort: 30080}]',
      undefined,
      `  loadBalancer:
    ingress:
    - ip: 5.6.7.8
      ipMode: Proxy
    - hostname: lb.example.com
    - ip: ""
    - ip: 1.2.3.4
      ipMode: VIP`,
    ),
  );
  assert.equal(r.diagnostics, []);
  assert.equal(r.model!.services[0]!.loadBalancerIngress, ['1.2.3.4']);
});

test('load-balancer ingress IPs are checked only for syntax by the API: a special one is warned about and kept, a loopback one refused', () => {
  const withIngress = (ip: string) =>
    imp(
      svc(
        '  type: LoadBalancer\n  clusterIP: 10.32.0.7\n  ports: [{port: 80, nodePort: 30080}]',
        undefined,
        `  loadBalancer:\n    ingress:\n    - ip: ${ip}`,
      ),
    );
  const linkLocal = withIngress('169.254.10.10');
  assert.equal(codesOf(linkLocal.diagnostics), ['special-load-balancer-ip']);
  assert.equal(linkLocal.model!.services[0]!.loadBalancerIngress, ['169.254.10.10']);
  assert.equal(codesOf(withIngress('127.0.0.5').diagnostics), ['local-load-balancer-ip']);
});

test('the source-ranges annotation is not read by kube-proxy: warned, not used', () => {
  const r = imp(
    svc(
      '  type: LoadBalancer\n  clusterIP: 10.32.0.7\n  ports: [{port: 80, nodePort: 30080}]',
      'name: web\n  namespace: shop\n  annotations:\n    service.beta.kubernetes.io/load-balancer-source-ranges: 10.0.0.0/8',
    ),
  );
  assert.equal(codesOf(r.diagnostics), ['source-ranges-annotation-ignored']);
  assert.equal(r.model!.services[0]!.loadBalancerSourceRanges, []);
});

test('session affinity: default timeout 10800, explicit timeout kept', () => {
  const a = imp(svc('  clusterIP: 10.32.0.7\n  sessionAffinity: ClientIP\n  ports: [{port: 80}]'));
  assert.equal(a.model!.services[0]!.sessionAffinity, { type: 'ClientIP', timeoutSeconds: 10800 });
  const b = imp(
    svc(
      '  clusterIP: 10.32.0.7\n  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}\n  ports: [{port: 80}]',
    ),
  );
  assert.equal(b.model!.services[0]!.sessionAffinity, { type: 'ClientIP', timeoutSeconds: 60 });
});

test('endpoint conditions keep their nil defaults per field', () => {
  const r = imp(
    docs(
      WEB,
      slice(`addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints:
- {addresses: [10.64.1.1], conditions: {ready: false}}
- {addresses: [10.64.1.2], conditions: {ready: false, serving: false}}
- {addresses: [10.64.1.3], conditions: {ready: false, terminating: true}}
- {addresses: [10.64.1.4], conditions: {serving: false, terminating: true}}`),
    ),
  );
  const c = r.model!.services[0]!.endpoints.map((e) => [e.address, e.conditions]);
  assert.equal(c, [
    ['10.64.1.1', { ready: false, serving: true, terminating: false }],
    ['10.64.1.2', { ready: false, serving: false, terminating: false }],
    ['10.64.1.3', { ready: false, serving: true, terminating: true }],
    ['10.64.1.4', { ready: true, serving: false, terminating: true }],
  ]);
});

test('duplicates across slices: a non-terminating copy replaces a terminating one, never the reverse', () => {
  const terminating =
    '- {addresses: [10.64.1.5], conditions: {ready: false, serving: true, terminating: true}, nodeName: old}';
  const running = '- {addresses: [10.64.1.5], conditions: {ready: true}, nodeName: new}';
  const body = (ep: string) => `addressType: IPv4\nports: [{name: http, port: 8080}]\nendpoints:\n${ep}`;
  for (const [first, second] of [
    [terminating, running],
    [running, terminating],
  ]) {
    const r = imp(docs(WEB, slice(body(first!), 'web-1'), slice(body(second!), 'web-2')));
    const eps = r.model!.services[0]!.endpoints;
    assert.is(eps.length, 1);
    assert.is(eps[0]!.nodeName, 'new');
    assert.is(eps[0]!.conditions.terminating, false);
  }
});

test('slice ports match service ports by name and protocol; numberless ports are ignored', () => {
  const two = svc(`  clusterIP: 10.32.0.10
  ports:
  - {name: dns, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 53, protocol: TCP}`);
  const r = imp(
    docs(
      two,
      slice(`addressType: IPv4
ports:
- {name: dns, port: 5353, protocol: UDP}
- {name: dns-tcp}
- {name: web, port: 80}
endpoints: [{addresses: [10.64.1.7]}]`),
    ),
  );
  assert.equal(codesOf(r.diagnostics), ['slice-port-ignored', 'slice-port-unmatched']);
  assert.equal(
    r.model!.services[0]!.endpoints.map((e) => e.ports),
    [{ dns: 5353 }],
  );
});

test('only the first address of an endpoint is used; endpoints of a family without a cluster IP are left out', () => {
  const r = imp(
    docs(
      WEB,
      slice(
        'addressType: IPv4\nports: [{name: http, port: 8080}]\nendpoints: [{addresses: [10.64.1.7, 10.64.1.8]}]',
        'a',
      ),
      slice('addressType: IPv6\nports: [{name: http, port: 8080}]\nendpoints: [{addresses: ["fd00::7"]}]', 'b'),
      slice('addressType: FQDN\nports: [{name: http, port: 8080}]\nendpoints: [{addresses: [web.example.com]}]', 'c'),
    ),
  );
  assert.equal(codesOf(r.diagnostics), ['endpoint-family-unused']);
  assert.equal(
    r.model!.services[0]!.endpoints.map((e) => e.address),
    ['10.64.1.7'],
  );
});

test('named target ports: each endpoint keeps the slice port of the service port', () => {
  const r = imp(
    docs(
      svc('  clusterIP: 10.32.0.5\n  ports: [{name: web, port: 80, targetPort: http}]'),
      slice('addressType: IPv4\nports: [{name: web, port: 8080}]\nendpoints: [{addresses: [10.64.1.1]}]', 'a'),
      slice('addressType: IPv4\nports: [{name: web, port: 9090}]\nendpoints: [{addresses: [10.64.1.2]}]', 'b'),
    ),
  );
  const s = r.model!.services[0]!;
  assert.is(s.ports[0]!.targetPort, 'http');
  assert.equal(
    s.endpoints.map((e) => [e.address, e.ports]),
    [
      ['10.64.1.1', { web: 8080 }],
      ['10.64.1.2', { web: 9090 }],
    ],
  );
});

test('topology hints: a name listed twice is refused, as validateHints refuses it', () => {
  const r = imp(
    docs(
      WEB,
      slice(`addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints:
- {addresses: [10.64.1.1], hints: {forZones: [{name: a}, {name: b}, {name: a}], forNodes: [{name: n1}, {name: n1}]}}`),
    ),
  );
  assert.equal(
    r.diagnostics.filter((d) => d.code === 'duplicate-value').map((d) => d.message),
    ["duplicate zone hint 'a'", "duplicate node hint 'n1'"],
  );
});

test('topology hints: forZones and forNodes names as sets, the Node zone label, invalid names refused', () => {
  const r = imp(
    docs(
      WEB,
      slice(`addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints:
- {addresses: [10.64.1.1], hints: {forZones: [{name: a}, {name: b}], forNodes: [{name: n1}]}}
- {addresses: [10.64.1.2], hints: {forZones: []}}
- {addresses: [10.64.1.3]}`),
      `apiVersion: v1
kind: Node
metadata: {name: n1, labels: {topology.kubernetes.io/zone: a}}
`,
      `apiVersion: v1
kind: Node
metadata: {name: n2, labels: {topology.kubernetes.io/zone: ""}}
`,
    ),
  );
  assert.equal(codesOf(r.diagnostics), []);
  const eps = r.model!.services[0]!.endpoints;
  assert.equal(
    eps.map((e) => [e.address, e.zoneHints, e.nodeHints]),
    [
      ['10.64.1.1', ['a', 'b'], ['n1']],
      ['10.64.1.2', undefined, undefined],
      ['10.64.1.3', undefined, undefined],
    ],
  );
  assert.equal(
    r.model!.nodes.map((n) => [n.name, n.zone]),
    [
      ['n1', 'a'],
      ['n2', undefined],
    ],
  );
  const bad = imp(
    docs(
      WEB,
      slice(`addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints:
- {addresses: [10.64.1.1], hints: {forZones: [{name: "-a"}], forNodes: [{name: N_1}], forRegions: []}}`),
    ),
  );
  assert.equal(codesOf(bad.diagnostics).sort(), ['invalid-name', 'invalid-name', 'unknown-field']);
});

test('a node address kube-proxy cannot parse, or of a type it does not read, is skipped with a warning (GetNodeHostIPs)', () => {
  const r = imp(`apiVersion: v1
kind: Node
metadata: {name: n2}
status:
  addresses:
  - {type: InternalIP, address: 192.168.0.3/24}
  - {type: InternalIP, address: 192.168.000.0003}
  - {type: ExternalIP, address: n2.example.com}
  - {type: VendorIP, address: 10.9.9.9}
`);
  assert.equal(codesOf(r.diagnostics), [
    'no-services',
    'node-address-skipped',
    'node-address-skipped',
    'node-address-skipped',
  ]);
  assert.ok(r.diagnostics.every((d) => d.severity !== 'error'));
  const skipped = r.diagnostics.filter((d) => d.code === 'node-address-skipped').map((d) => d.message);
  assert.match(skipped[0]!, "node address '192.168.0.3/24' is skipped, as kube-proxy skips it: not an IP address");
  assert.match(skipped[2]!, "a node address of type 'VendorIP' is skipped");
  assert.equal(r.model!.nodes[0]!.addresses, ['192.168.0.3']);
});

test('a special address on a Node other than --node is skipped with a warning; on the node compiled for it stays an error', () => {
  const nodes = `apiVersion: v1
kind: Node
metadata: {name: n1}
status: {addresses: [{type: InternalIP, address: 192.168.0.2}]}
---
apiVersion: v1
kind: Node
metadata: {name: n2}
status: {addresses: [{type: InternalIP, address: 0.0.0.0}, {type: InternalIP, address: 192.168.0.3}]}
`;
  const other = imp(nodes, { node: 'n1' });
  assert.equal(codesOf(other.diagnostics), ['no-services', 'node-address-skipped']);
  assert.match(
    other.diagnostics.find((d) => d.code === 'node-address-skipped')!.message,
    'on a node other than --node n1',
  );
  assert.equal(other.model!.nodes.find((n) => n.name === 'n2')!.addresses, ['192.168.0.3']);
  assert.ok(codesOf(imp(nodes, { node: 'n2' }).diagnostics).includes('unrouted-address'));
  assert.ok(codesOf(imp(nodes).diagnostics).includes('unrouted-address'));
});

test("nodes: InternalIP addresses before ExternalIP ones (kube-proxy's GetNodeHostIPs: the first is the node IP), podCIDRs with podCIDR fallback", () => {
  const r = imp(`apiVersion: v1
kind: Node
metadata: {name: n1.example.com}
spec: {podCIDR: 10.64.01.0/24}
status:
  addresses:
  - {type: Hostname, address: n1}
  - {type: ExternalIP, address: 203.0.113.5}
  - {type: InternalIP, address: 10.0.0.5}
  - {type: InternalIP, address: 10.0.0.5}
  - {type: ExternalIP, address: 198.51.100.5}
  - {type: InternalIP, address: 10.0.0.6}
`);
  assert.equal(codesOf(r.diagnostics), ['no-services']);
  assert.equal(r.model!.nodes, [
    {
      name: 'n1.example.com',
      addresses: ['10.0.0.5', '10.0.0.6', '203.0.113.5', '198.51.100.5'],
      podCIDRs: ['10.64.1.0/24'],
      origin: r.model!.nodes[0]!.origin!,
    },
  ]);
});

test('kind: List (kubectl get -o yaml) and JSON are read like separate documents', () => {
  const list = `apiVersion: v1
kind: List
items:
- ${WEB.trim().split('\n').join('\n  ')}
`;
  const a = imp(list);
  const b = imp(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ServiceList',
      items: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: 'shop' },
          spec: { clusterIP: '10.32.0.5', ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
        },
      ],
    }),
    {},
    'in.json',
  );
  const c = imp(WEB);
  assert.equal(a.diagnostics, []);
  assert.equal(b.diagnostics, []);
  assert.equal(stripOrigins(a.model), stripOrigins(c.model));
  assert.equal(stripOrigins(b.model), stripOrigins(c.model));
  assert.is(a.model!.services[0]!.origin!.path, 'items[0]');
});

test('settings come from kube-proxy flags', () => {
  const r = imp(WEB, {
    clusterCIDRs: ['10.64.0.0/16,fd00:64::/48'],
    masqueradeAll: true,
    masqueradeBit: 15,
    nodePortAddresses: ['192.168.0.0/24'],
    localhostNodePorts: false,
    nodePortRange: '30000-30100',
  });
  assert.equal(r.model!.settings, {
    localDetector: { mode: 'ClusterCIDR', cidrs: ['10.64.0.0/16', 'fd00:64::/48'] },
    masqueradeAll: true,
    masqueradeBit: 15,
    nodePortAddresses: ['192.168.0.0/24'],
    localhostNodePorts: false,
    nodePortRange: { min: 30000, max: 30100 },
  });
  // ClusterCIDR without a CIDR is no detector, as kube-proxy reads it (its default mode), said
  const noCIDR = imp(WEB, { detectLocalMode: 'ClusterCIDR' });
  assert.equal(codesOf(noCIDR.diagnostics), ['option-as-kube-proxy'], 'ClusterCIDR without a CIDR');
  assert.equal(noCIDR.model!.settings.localDetector, { mode: 'None' });
  assert.is(imp(WEB, { nodePortAddresses: ['primary'] }).model!.settings.nodePortAddresses, 'primary');
  assert.equal(
    codesOf(imp(WEB, { nodePortAddresses: ['primary,192.168.0.0/24'] }).diagnostics),
    ['invalid-option'],
    'primary stands alone',
  );
  assert.equal(imp(WEB, { detectLocalMode: 'None' }).model!.settings.localDetector, { mode: 'None' });
  assert.equal(
    imp(WEB, { detectLocalMode: 'BridgeInterface', podBridgeInterface: 'cbr0' }).model!.settings.localDetector,
    { mode: 'BridgeInterface', interfaceName: 'cbr0' },
  );
  assert.equal(
    imp(WEB, { detectLocalMode: 'InterfaceNamePrefix', podInterfaceNamePrefix: 'veth' }).model!.settings.localDetector,
    { mode: 'InterfaceNamePrefix', prefix: 'veth' },
  );
  const bad = imp(WEB, { clusterCIDRs: ['10.64.0.0/16', '10.65.0.0/16'], detectLocalMode: 'Bridge' });
  assert.equal(codesOf(bad.diagnostics), ['invalid-option', 'invalid-option']);
  assert.is(bad.model, null);
});

test('a full kubectl List (managedFields, last-applied annotation, node status) reads without warnings', () => {
  const r = imp(`apiVersion: v1
items:
- apiVersion: v1
  kind: Service
  metadata:
    annotations:
      kubectl.kubernetes.io/last-applied-configuration: |
        {"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"name":"web","namespace":"shop"},"spec":{"ports":[{"port":80}]}}
    creationTimestamp: "2024-01-01T00:00:00Z"
    managedFields:
    - apiVersion: v1
      fieldsType: FieldsV1
      fieldsV1:
        f:spec:
          f:ports:
            .: {}
      manager: kubectl-client-side-apply
      operation: Update
    name: web
    namespace: shop
    resourceVersion: "42"
    uid: 0b1c
  spec:
    clusterIP: 10.32.0.5
    clusterIPs:
    - 10.32.0.5
    internalTrafficPolicy: Cluster
    ipFamilies:
    - IPv4
    ipFamilyPolicy: SingleStack
    ports:
    - port: 80
      protocol: TCP
      targetPort: 80
    sessionAffinity: None
    type: ClusterIP
  status:
    loadBalancer: {}
- addressType: IPv4
  apiVersion: discovery.k8s.io/v1
  endpoints:
  - addresses:
    - 10.64.1.9
    conditions:
      ready: true
      serving: true
      terminating: false
    nodeName: node-a
    targetRef:
      kind: Pod
      name: web-0
      namespace: shop
      uid: 1a2b
    zone: zone-a
  kind: EndpointSlice
  metadata:
    generateName: web-
    labels:
      endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io
      kubernetes.io/service-name: web
    name: web-x7k2q
    namespace: shop
    ownerReferences:
    - apiVersion: v1
      kind: Service
      name: web
  ports:
  - name: ""
    port: 80
    protocol: TCP
- apiVersion: v1
  kind: Node
  metadata:
    labels:
      kubernetes.io/hostname: node-a
    name: node-a
  spec:
    podCIDR: 10.64.1.0/24
    podCIDRs:
    - 10.64.1.0/24
    providerID: kind://docker/kind/node-a
  status:
    addresses:
    - address: 172.18.0.2
      type: InternalIP
    - address: node-a
      type: Hostname
    allocatable:
      cpu: "8"
    conditions:
    - type: Ready
      status: "True"
    images:
    - names: [registry.k8s.io/pause:3.9]
      sizeBytes: 268051
    nodeInfo:
      kubeProxyVersion: v1.30.0
kind: List
metadata:
  resourceVersion: ""
`);
  assert.equal(r.diagnostics, []);
  const s = r.model!.services[0]!;
  assert.equal(
    [s.ports[0]!.name, s.endpoints[0]!.address, s.endpoints[0]!.zone, s.endpoints[0]!.ports],
    ['', '10.64.1.9', 'zone-a', { '': 80 }],
  );
  assert.equal(
    r.model!.nodes.map((n) => [n.name, n.addresses, n.podCIDRs]),
    [['node-a', ['172.18.0.2'], ['10.64.1.0/24']]],
  );
});

/** A node tree as plain data: kind, value, source range (start, value end). */
function shape(n: YNode | null): unknown {
  if (n === null) return null;
  const r = [n.range?.[0], n.range?.[1]];
  if (isMap(n)) return ['map', r, n.items.map((p) => [shape(p.key as YNode), shape(p.value as YNode)])];
  if (isSeq(n)) return ['seq', r, n.items.map((x) => shape(x as YNode))];
  if (isScalar(n)) return ['scalar', r, n.value];
  return ['other'];
}

test('the JSON fast path builds the same nodes, values and ranges as the YAML reader', () => {
  const texts = [
    readFileSync(new URL('../../examples/seed-clusterip.json', import.meta.url), 'utf8'),
    '{"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n\\"y\\""], "b": {}, "c": []}',
  ];
  for (const text of texts) {
    const fast = parseJsonNodes(text);
    assert.ok(fast.ok);
    assert.equal(shape(fast.ok ? fast.value : null), shape(parseDocument(text).contents as YNode));
  }
  for (const bad of ['{"a": 1,}', '{"a": 1} x', '{"a": 01}', '{"a": 1, "a": 2}', "{'a': 1}", '[1 2]'])
    assert.not.ok(parseJsonNodes(bad).ok, bad);
  // Not plain JSON: the YAML reader takes over (and reports the duplicate key with a location).
  assert.is(only(imp('{"kind": "Service", "kind": "Service"}').diagnostics, 'yaml-syntax').span!.start.column, 21);
});

test('a typed List (ServiceList, EndpointSliceList) as the API writes it: items without kind and apiVersion', () => {
  const service = {
    metadata: { name: 'web', namespace: 'shop' },
    spec: { clusterIP: '10.32.0.5', ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
  const slice = {
    metadata: { name: 'web-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080 }],
    endpoints: [{ addresses: ['10.64.1.5'], nodeName: 'node-a' }],
  };
  const typed = [
    { kind: 'ServiceList', apiVersion: 'v1', metadata: {}, items: [service] },
    { kind: 'EndpointSliceList', apiVersion: 'discovery.k8s.io/v1', metadata: {}, items: [slice] },
  ];
  const written = [
    { kind: 'Service', apiVersion: 'v1', ...service },
    { kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', ...slice },
  ];
  const want = imp(written.map((o) => JSON.stringify(o)).join('\n---\n'));
  assert.ok(want.model);
  const json = typed.map((o) => JSON.stringify(o, null, 2));
  for (const [what, text] of [
    ['JSON, streamed', json.join('\n---\n')],
    ['JSON, read whole', json.map((t) => `${t}\n# the package's path`).join('\n---\n')],
    ['YAML', typed.map((o) => stringify(o)).join('---\n')],
  ] as const) {
    const r = imp(text);
    assert.equal(codesOf(r.diagnostics), codesOf(want.diagnostics), what);
    assert.equal(stripOrigins(r.model), stripOrigins(want.model), what);
  }
  // an item that says its kind keeps it; `kind: List` gives its items nothing
  assert.ok(
    imp(
      JSON.stringify({
        kind: 'ServiceList',
        apiVersion: 'v1',
        items: [{ kind: 'Service', apiVersion: 'v1', ...service }],
      }),
    ).model,
  );
  assert.equal(codesOf(imp(JSON.stringify({ kind: 'List', apiVersion: 'v1', items: [service] })).diagnostics), [
    'missing-kind',
  ]);
});

test.run();
