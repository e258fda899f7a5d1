// The .ksvc parser: the acceptance examples and every construct parse to the expected AST; syntax
// errors carry a code, a position and a message in plain words; recovery reports several errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Diagnostic } from '../../common/diagnostics.ts';
import { makeSourceFile } from '../../common/source.ts';
import type { ClusterBlock, NodeBlock, PortLine, ServiceBlock, ServiceItem } from '../../grammar/ast.ts';
import { KsvcGrammar } from '../../grammar/grammar.ts';
import { parseKsvc } from '../../grammar/parse-ksvc.ts';
import { EVERY_CONSTRUCT, SEED_CLUSTERIP, SEED_LOCAL, SEED_NODEPORT } from '../property/parse-corpus.ts';
import { stripSpans } from '../support/ast.ts';

const parse = (text: string) => parseKsvc(makeSourceFile('t.ksvc', text));

const strip = stripSpans;

function ok(text: string) {
  const r = parse(text);
  assert.equal(
    r.diagnostics.map((d) => `${d.code} ${d.message}`),
    [],
    'no diagnostics',
  );
  return r.file;
}

const onlyService = (text: string): ServiceBlock => {
  const f = ok(text);
  assert.is(f.blocks.length, 1);
  assert.is(f.blocks[0]!.kind, 'Service');
  return f.blocks[0] as ServiceBlock;
};
const items = (body: string): ServiceItem[] => onlyService(`service ns/svc {\n${body}\n}\n`).items;
const port = (line: string): PortLine => {
  const it = items(line);
  assert.is(it.length, 1);
  assert.is(it[0]!.kind, 'Port');
  return it[0] as PortLine;
};

const at = (d: Diagnostic | undefined) => (d?.span ? `${d.span.start.line}:${d.span.start.column}` : 'none');

// ---------------------------------------------------------------------------------------------
// Acceptance examples: the language's design examples (the same as test/property/parse-corpus.ts)

test("the grammar passes chevrotain's own validations (the shared parser skips them)", () => {
  // chevrotain throws "Parser Definition Errors detected" when a validation fails.
  assert.not.throws(() => new KsvcGrammar({ validate: true }));
});

test('acceptance: seed-clusterip parses to the expected AST', () => {
  const f = ok(SEED_CLUSTERIP);
  assert.equal(
    f.blocks.map((b) => b.kind),
    ['Cluster', 'Node', 'Service', 'Service'],
  );
  assert.equal(strip((f.blocks[0] as ClusterBlock).settings), [
    { kind: 'MasqFromOutside', detector: { kind: 'Cidr', cidr: { kind: 'Cidr', text: '10.64.1.0/24' } } },
  ]);
  const node = f.blocks[1] as NodeBlock;
  assert.is(node.name.value, 'ecs-matrix-k8s-cluster-3');
  assert.equal(strip(node.statements), [
    { kind: 'NodeAddress', addresses: [{ kind: 'Address', text: '172.16.1.35' }] },
  ]);
  const dns = f.blocks[3] as ServiceBlock;
  assert.is(dns.namespace.value, 'kube-system');
  assert.is(dns.name.value, 'kube-dns');
  const ports = dns.items.filter((i): i is PortLine => i.kind === 'Port');
  assert.equal(
    ports.map((p) => [
      p.name?.value,
      p.type.value,
      p.clusterIP.text,
      p.port.value,
      p.protocol.value,
      p.targetPort?.value,
    ]),
    [
      ['dns', 'ClusterIP', '10.32.0.10', 53, 'udp', 53],
      ['dns-tcp', 'ClusterIP', '10.32.0.10', 53, 'tcp', 53],
      ['metrics', 'ClusterIP', '10.32.0.10', 9153, 'tcp', 9153],
    ],
  );
  assert.equal(strip(dns.items[3]), {
    kind: 'Endpoints',
    endpoints: [
      {
        address: { kind: 'Address', text: '10.64.1.7' },
        node: { value: 'ecs-matrix-k8s-cluster-3' },
        zone: null,
        forZones: [],
        forNodes: [],
        conditions: [],
        ports: [],
      },
    ],
  });
  assert.is(f.comments.length, 1);
  assert.is(f.comments[0]!.text, ' kube-dns and the API service, as captured on ecs-matrix-k8s-cluster-3');
});

test('acceptance: seed-nodeport and seed-local', () => {
  const np = (ok(SEED_NODEPORT).blocks[2] as ServiceBlock).items[0] as PortLine;
  assert.equal(
    [np.name?.value, np.type.value, np.port.value, np.nodePort?.value, np.targetPort?.value],
    ['nginx-svc-port', 'NodePort', 8080, 30080, 80],
  );
  const f = ok(SEED_LOCAL);
  assert.is(f.blocks.length, 4);
  const p = (f.blocks[3] as ServiceBlock).items[0] as PortLine;
  assert.equal(strip(p.clauses), [{ kind: 'ExternalTrafficPolicy', policy: { value: 'Local' } }]);
});

test('acceptance: the design-card line', () => {
  const p = port(
    'dns: ClusterIP 10.32.0.10:53/udp -> endpoints, masq from outside 10.64.1.0/24, externalTrafficPolicy local',
  );
  assert.is(p.targetPort, null);
  assert.equal(strip(p.clauses), [
    { kind: 'MasqFromOutside', detector: { kind: 'Cidr', cidr: { kind: 'Cidr', text: '10.64.1.0/24' } } },
    { kind: 'ExternalTrafficPolicy', policy: { value: 'Local' } },
  ]);
});

// ---------------------------------------------------------------------------------------------
// Constructs

test('the every-construct corpus file parses cleanly', () => {
  const f = ok(EVERY_CONSTRUCT);
  assert.equal(
    f.blocks.map((b) => b.kind),
    ['Cluster', 'Node', 'Service', 'Service'],
  );
  assert.is(f.comments.length, 3);
});

test('cluster settings and every detector mode', () => {
  const f = ok(`cluster {
  masq from outside 10.64.0.0/16
  masq from outside fd00:64::/48
  masq from outside node podCIDR
  masq from outside interface cbr0
  masq from outside interface prefix veth
  masq all
  masq bit 14
  nodePort addresses 192.168.10.0/24, fd00:10::/64
  nodePort addresses primary
  nodePort range 30000-32767
  nodePort range 3000 - 3100
  localhost nodePorts on
  localhost nodePorts off
}`);
  assert.equal(strip((f.blocks[0] as ClusterBlock).settings), [
    { kind: 'MasqFromOutside', detector: { kind: 'Cidr', cidr: { kind: 'Cidr', text: '10.64.0.0/16' } } },
    { kind: 'MasqFromOutside', detector: { kind: 'Cidr', cidr: { kind: 'Cidr', text: 'fd00:64::/48' } } },
    { kind: 'MasqFromOutside', detector: { kind: 'NodePodCIDR' } },
    { kind: 'MasqFromOutside', detector: { kind: 'BridgeInterface', name: { value: 'cbr0' } } },
    { kind: 'MasqFromOutside', detector: { kind: 'InterfaceNamePrefix', prefix: { value: 'veth' } } },
    { kind: 'MasqAll' },
    { kind: 'MasqBit', bit: { value: 14 } },
    {
      kind: 'NodePortAddresses',
      cidrs: [
        { kind: 'Cidr', text: '192.168.10.0/24' },
        { kind: 'Cidr', text: 'fd00:10::/64' },
      ],
      primary: false,
    },
    { kind: 'NodePortAddresses', cidrs: [], primary: true },
    { kind: 'NodePortRange', min: { value: 30000 }, max: { value: 32767 } },
    { kind: 'NodePortRange', min: { value: 3000 }, max: { value: 3100 } },
    { kind: 'LocalhostNodePorts', enabled: { value: true } },
    { kind: 'LocalhostNodePorts', enabled: { value: false } },
  ]);
});

test('nodePort range written as one word keeps both spans', () => {
  const f = ok('cluster {\n  nodePort range 30000-32767\n}');
  const r = (f.blocks[0] as ClusterBlock).settings[0]!;
  assert.is(r.kind, 'NodePortRange');
  if (r.kind !== 'NodePortRange') return;
  assert.equal(
    [r.min.span.start.column, r.min.span.end.column, r.max.span.start.column, r.max.span.end.column],
    [18, 23, 24, 29],
  );
});

test('node block: addresses and pod CIDRs, keyword and dotted names', () => {
  const f = ok(
    'node node { address 10.0.0.1, fd00::1\n podCIDR 10.64.1.0/24, fd00:64:0:1::/64 }\nnode ip-10-0-0-1.ec2.internal { }',
  );
  const n = f.blocks[0] as NodeBlock;
  assert.is(n.name.value, 'node');
  assert.equal(strip(n.statements), [
    {
      kind: 'NodeAddress',
      addresses: [
        { kind: 'Address', text: '10.0.0.1' },
        { kind: 'Address', text: 'fd00::1' },
      ],
    },
    {
      kind: 'NodePodCIDRs',
      cidrs: [
        { kind: 'Cidr', text: '10.64.1.0/24' },
        { kind: 'Cidr', text: 'fd00:64:0:1::/64' },
      ],
    },
  ]);
  assert.is((f.blocks[1] as NodeBlock).name.value, 'ip-10-0-0-1.ec2.internal');
});

test('node zone, and the hint keywords are names too', () => {
  const f = ok(
    'node for-zone { zone us-east-1a }\nservice for-node/for-zone { endpoints 10.0.0.1 on for-zone for-zone zone for-node for-node }',
  );
  const n = f.blocks[0] as NodeBlock;
  assert.is(n.name.value, 'for-zone');
  assert.equal(strip(n.statements), [{ kind: 'NodeZone', zone: { value: 'us-east-1a' } }]);
  const s = f.blocks[1] as ServiceBlock;
  assert.equal([s.namespace.value, s.name.value], ['for-node', 'for-zone']);
  const e = (s.items[0] as Extract<ServiceItem, { kind: 'Endpoints' }>).endpoints[0]!;
  assert.equal(
    [e.node?.value, e.forZones.map((z) => z.value), e.forNodes.map((x) => x.value)],
    ['for-zone', ['zone'], ['for-node']],
  );
});

test('service names may be keywords or start with a digit', () => {
  const s = onlyService('service local/2048-game { }');
  assert.equal([s.namespace.value, s.name.value, s.items.length], ['local', '2048-game', 0]);
  const t = onlyService('service service/node {}');
  assert.equal([t.namespace.value, t.name.value], ['service', 'node']);
});

test('port lines: the three types, nodePort, target by number and by name, unnamed', () => {
  const a = port('web: LoadBalancer 10.0.0.1:80/tcp nodePort 30080 -> endpoints:http');
  assert.equal(
    [a.type.value, a.nodePort?.value, a.targetPort?.value, a.bracketed],
    ['LoadBalancer', 30080, 'http', false],
  );
  const b = port('NodePort 10.0.0.1:53/sctp nodePort 30053 -> endpoints:5353');
  assert.equal([b.name, b.type.value, b.protocol.value, b.targetPort?.value], [null, 'NodePort', 'sctp', 5353]);
  const c = port('ClusterIP 172.30.0.41:80/tcp -> endpoints');
  assert.equal([c.name, c.clusterIP.text, c.port.value, c.targetPort], [null, '172.30.0.41', 80, null]);
  // keywords as port names
  const d = port('http: ClusterIP 10.0.0.1:80/tcp -> endpoints');
  assert.is(d.name?.value, 'http');
  const e = port('endpoints: ClusterIP 10.0.0.1:80/tcp->endpoints:endpoints');
  assert.equal([e.name?.value, e.targetPort?.value], ['endpoints', 'endpoints']);
});

test('IPv6 port lines are bracketed; a dual-stack service has one line per family', () => {
  const it = items(
    'dns: ClusterIP 10.32.0.10:53/udp -> endpoints\ndns: ClusterIP [fd00:32::10]:53/udp -> endpoints\nendpoints fd00:10:180::1 on n1, 10.0.0.1 on n1',
  );
  const v6 = it[1] as PortLine;
  assert.equal([v6.name?.value, v6.clusterIP.text, v6.bracketed, v6.port.value], ['dns', 'fd00:32::10', true, 53]);
  assert.is(v6.clusterIP.span.start.column, 17);
  const eps = it[2]!;
  assert.is(eps.kind, 'Endpoints');
  if (eps.kind === 'Endpoints')
    assert.equal(
      eps.endpoints.map((e) => [e.address.text, e.node?.value]),
      [
        ['fd00:10:180::1', 'n1'],
        ['10.0.0.1', 'n1'],
      ],
    );
});

test('attributes as statements and as clauses', () => {
  assert.equal(
    strip(
      items(`externalTrafficPolicy Local
internalTrafficPolicy cluster
sessionAffinity clientIP
sessionAffinity ClientIP 600
sessionAffinity none
sessionAffinity None
masq from outside interface prefix veth
http: ClusterIP 10.0.0.1:80/tcp -> endpoints, sessionAffinity clientIP 60, internalTrafficPolicy Cluster`),
    ),
    [
      { kind: 'ExternalTrafficPolicy', policy: { value: 'Local' } },
      { kind: 'InternalTrafficPolicy', policy: { value: 'Cluster' } },
      { kind: 'SessionAffinity', affinity: { value: 'ClientIP' }, timeout: null },
      { kind: 'SessionAffinity', affinity: { value: 'ClientIP' }, timeout: { value: 600 } },
      { kind: 'SessionAffinity', affinity: { value: 'None' }, timeout: null },
      { kind: 'SessionAffinity', affinity: { value: 'None' }, timeout: null },
      { kind: 'MasqFromOutside', detector: { kind: 'InterfaceNamePrefix', prefix: { value: 'veth' } } },
      {
        kind: 'Port',
        name: { value: 'http' },
        type: { value: 'ClusterIP' },
        clusterIP: { kind: 'Address', text: '10.0.0.1' },
        bracketed: false,
        port: { value: 80 },
        protocol: { value: 'tcp' },
        nodePort: null,
        targetPort: null,
        clauses: [
          { kind: 'SessionAffinity', affinity: { value: 'ClientIP' }, timeout: { value: 60 } },
          { kind: 'InternalTrafficPolicy', policy: { value: 'Cluster' } },
        ],
      },
    ],
  );
});

test('list statements: externalIPs, loadBalancerIngress, loadBalancerSourceRanges, healthCheckNodePort', () => {
  assert.equal(
    strip(
      items(
        'externalIPs 192.168.99.22, fd00::22\nloadBalancerIngress 203.0.113.10\nloadBalancerSourceRanges 198.51.100.0/24, 203.0.113.0/25\nhealthCheckNodePort 30000',
      ),
    ),
    [
      {
        kind: 'ExternalIPs',
        addresses: [
          { kind: 'Address', text: '192.168.99.22' },
          { kind: 'Address', text: 'fd00::22' },
        ],
      },
      { kind: 'LoadBalancerIngress', addresses: [{ kind: 'Address', text: '203.0.113.10' }] },
      {
        kind: 'LoadBalancerSourceRanges',
        cidrs: [
          { kind: 'Cidr', text: '198.51.100.0/24' },
          { kind: 'Cidr', text: '203.0.113.0/25' },
        ],
      },
      { kind: 'HealthCheckNodePort', port: { value: 30000 } },
    ],
  );
});

test('endpoints: node, zone, conditions and ports in any order; several statements', () => {
  const it = items(
    'endpoints 10.0.0.1 on a, 10.0.0.2 on b terminating zone z1 for-zone z1 for-node b for-zone z2, 10.0.0.3 not-ready ports http=8080 metrics=9090\nendpoints 10.0.0.4 ports http=80 on node serving not-serving ready',
  );
  assert.equal(strip(it), [
    {
      kind: 'Endpoints',
      endpoints: [
        {
          address: { kind: 'Address', text: '10.0.0.1' },
          node: { value: 'a' },
          zone: null,
          forZones: [],
          forNodes: [],
          conditions: [],
          ports: [],
        },
        {
          address: { kind: 'Address', text: '10.0.0.2' },
          node: { value: 'b' },
          zone: { value: 'z1' },
          forZones: [{ value: 'z1' }, { value: 'z2' }],
          forNodes: [{ value: 'b' }],
          conditions: [{ value: 'terminating' }],
          ports: [],
        },
        {
          address: { kind: 'Address', text: '10.0.0.3' },
          node: null,
          zone: null,
          forZones: [],
          forNodes: [],
          conditions: [{ value: 'not-ready' }],
          ports: [
            { name: { value: 'http' }, port: { value: 8080 } },
            { name: { value: 'metrics' }, port: { value: 9090 } },
          ],
        },
      ],
    },
    {
      kind: 'Endpoints',
      endpoints: [
        {
          address: { kind: 'Address', text: '10.0.0.4' },
          node: { value: 'node' },
          zone: null,
          forZones: [],
          forNodes: [],
          conditions: [{ value: 'serving' }, { value: 'not-serving' }, { value: 'ready' }],
          ports: [{ name: { value: 'http' }, port: { value: 80 } }],
        },
      ],
    },
  ]);
  const e = (it[0] as Extract<ServiceItem, { kind: 'Endpoints' }>).endpoints[1]!;
  assert.equal([e.span.start.column, e.span.end.column], [26, 94]);
});

test('malformed addresses and huge numbers still parse (the checker judges them)', () => {
  const it = items('externalIPs 10.1, 010.0.0.1, 300.1.1.1\nhealthCheckNodePort 99999999999');
  assert.equal(strip(it), [
    { kind: 'ExternalIPs', addresses: ['10.1', '010.0.0.1', '300.1.1.1'].map((text) => ({ kind: 'Address', text })) },
    { kind: 'HealthCheckNodePort', port: { value: 99999999999 } },
  ]);
});

test('newlines are not significant; comments are collected with positions', () => {
  const f = ok(
    'service a/b { http: ClusterIP 10.0.0.1:80/tcp -> endpoints endpoints 10.0.0.2 } # trailing\n# own line\nnode n { address\n 1.2.3.4 }',
  );
  assert.is(f.blocks.length, 2);
  assert.equal(
    f.comments.map((c) => [c.text, c.span.start.line, c.span.start.column, c.span.end.column]),
    [
      [' trailing', 1, 81, 91],
      [' own line', 2, 1, 11],
    ],
  );
});

test('spans: 1-based line and column, offsets', () => {
  const s = onlyService('\n  service ns/svc {\n    http: ClusterIP 10.0.0.1:80/tcp -> endpoints\n  }\n');
  assert.equal([s.span.start.line, s.span.start.column, s.span.end.line, s.span.end.column], [2, 3, 4, 4]);
  const p = s.items[0] as PortLine;
  assert.equal([p.span.start.line, p.span.start.column, p.span.end.column], [3, 5, 49]);
  assert.equal([p.port.span.start.column, p.port.span.start.offset], [30, 49]);
});

// ---------------------------------------------------------------------------------------------
// Errors

function errors(text: string) {
  return parse(text).diagnostics;
}

test('error: missing -> after the protocol', () => {
  const [d, ...rest] = errors('service a/b {\n  http: ClusterIP 10.0.0.1:80/tcp endpoints\n}');
  assert.is(rest.length, 0);
  assert.is(d!.code, 'expected-token');
  assert.is(at(d), '2:35');
  assert.match(d!.message, "expected '->' after the protocol");
  assert.match(d!.message, "found 'endpoints'");
});

test('error: missing -> at the end of the line points just after the protocol', () => {
  const [d] = errors('service a/b {\n  http: ClusterIP 10.0.0.1:80/tcp\n  endpoints 10.0.0.2\n}');
  assert.is(d!.code, 'expected-token');
  assert.is(at(d), '2:34');
  assert.match(d!.message, "expected '->' after the protocol");
});

test('error: bad protocol, with a suggestion', () => {
  const [d] = errors('service a/b {\n  http: ClusterIP 10.0.0.1:80/tcpp -> endpoints\n}');
  assert.is(d!.code, 'expected-token');
  assert.is(at(d), '2:31');
  assert.match(d!.message, 'expected a protocol (tcp, udp or sctp)');
  assert.is(d!.hint, "did you mean 'tcp'?");
});

test('error: unbracketed IPv6 host:port', () => {
  const r = parse('service a/b {\n  dns: ClusterIP fd00::10:53/udp -> endpoints\n}');
  const [d] = r.diagnostics;
  assert.is(r.diagnostics.length, 1);
  assert.is(d!.code, 'ipv6-needs-brackets');
  assert.is(at(d), '2:18');
  assert.match(d!.message, 'IPv6 addresses in ip:port positions are written in brackets');
  assert.is(d!.hint, 'write [fd00::10]:53');
  // the rest of the line was still read
  const p = (r.file.blocks[0] as ServiceBlock).items[0] as PortLine;
  assert.equal([p.clusterIP.text, p.port.value, p.protocol.value], ['fd00::10', 53, 'udp']);
});

test('error: missing port number', () => {
  const [d] = errors('service a/b {\n  http: ClusterIP 10.0.0.1:/tcp -> endpoints\n}');
  assert.is(d!.code, 'expected-token');
  assert.is(at(d), '2:28');
  assert.match(d!.message, "expected a port number after ':'");
});

test('error: missing } before the next block and at the end of the file', () => {
  const ds = errors(
    'service a/b {\n  http: ClusterIP 10.0.0.1:80/tcp -> endpoints\n\nservice c/d {\n  endpoints 10.0.0.1\n',
  );
  assert.equal(
    ds.map((d) => [d.code, at(d)]),
    [
      ['missing-brace', '4:1'],
      ['missing-brace', '6:1'],
    ],
  );
  assert.match(ds[0]!.message, "missing '}' for the service 'a/b' opened at 1:1");
  assert.match(ds[1]!.message, 'end of the file');
  // a long name is cut alone: where the block opened and what was reached stay (they were cut off)
  const a63 = 'a'.repeat(63);
  const long = errors(`service ${a63}/${a63} {\n  http: ClusterIP 10.0.0.1:80/tcp -> endpoints\n\nservice c/d {\n}\n`);
  assert.is(
    long[0]!.message,
    `missing '}' for the service '${a63}/${a63}' opened at 1:1: reached the next 'service' block`,
  );
  const node = `n${'x'.repeat(252)}`;
  const cut = errors(`node ${node} {\n  address 10.0.0.1\n\nnode b {\n}\n`)[0]!.message;
  assert.match(
    cut,
    /^missing '\}' for the node 'nx+… \(\d+ characters\) opened at 1:1: reached the next 'node' block$/,
  );
});

test('error: stray token at the top level and inside a block', () => {
  const ds = errors('stray\nservice a/b {\n  bogus 1\n}\n');
  assert.equal(
    ds.map((d) => [d.code, at(d)]),
    [
      ['unexpected-token', '1:1'],
      ['unexpected-token', '3:3'],
    ],
  );
  assert.match(ds[0]!.message, "expected 'service NAMESPACE/NAME {', 'node NAME {' or 'cluster {'");
  assert.match(ds[1]!.message, "unexpected 'bogus' in the service block");
});

test('error: a typo in a keyword gets a suggestion', () => {
  const [d] = errors('service a/b {\n  externalTrafficPolicy lcoal\n}');
  assert.is(at(d), '2:25');
  assert.match(d!.message, 'expected a traffic policy (local or cluster)');
  assert.is(d!.hint, "did you mean 'local'?");
  const [e] = errors('service a/b {\n  endpoint 10.0.0.1\n}');
  assert.is(e!.hint, "did you mean 'endpoints'?");
});

test('error: service without a namespace', () => {
  const [d] = errors('service web {\n}');
  assert.is(d!.code, 'expected-token');
  assert.match(d!.message, "expected '/' after the namespace");
});

test('error: unexpected characters are reported once per run', () => {
  const r = parse(
    'node n {\n  address 10.0.0.1%%eth0\n}\nservice a/b {\n  http: ClusterIP 10.0.0.1:80/tcp -> endpoints\n}',
  );
  assert.equal(
    r.diagnostics.map((d) => [d.code, at(d), d.message]),
    [['unexpected-character', '2:19', "unexpected characters '%%' (2 characters skipped)"]],
  );
  assert.is(r.file.blocks.length, 2);
});

test('error hints that need context: port name without ":", endpoint mistakes, -> 8080, nodePort:', () => {
  const [a] = errors('service a/b {\n  http ClusterIP 10.0.0.1:80/tcp -> endpoints\n}');
  assert.equal([a!.code, at(a), a!.message], ['expected-token', '2:7', "expected ':' after the port name 'http'"]);
  const [b] = errors('service a/b {\n  endpoints 10.0.0.1 on a 10.0.0.2 on b\n}');
  assert.equal(
    [b!.code, at(b), b!.message, b!.hint],
    ['expected-token', '2:27', "expected ',' between endpoints, found '10.0.0.2'", "separate endpoints with ','"],
  );
  const [c] = errors('service a/b {\n  endpoints 10.0.0.1 node n1\n}');
  assert.equal([c!.code, at(c), c!.message], ['unexpected-token', '2:22', "unexpected 'node' after an endpoint"]);
  assert.match(c!.hint!, "did you mean 'on'?");
  const [d] = errors('service a/b {\n  http: ClusterIP 10.0.0.1:80/tcp -> 8080\n}');
  assert.equal([d!.message, d!.hint], ["expected 'endpoints' after '->', found '8080'", "write '-> endpoints:8080'"]);
  // a typo of 'endpoints' is said as one: `-> endpoints:endpoint` would name a port no endpoint has
  for (const typo of ['endpoint', 'Endpoints', 'endpints']) {
    const [t] = errors(`service a/b {\n  http: ClusterIP 10.0.0.1:80/tcp -> ${typo}\n}`);
    assert.is(t!.hint, "did you mean 'endpoints'?", typo);
  }
  const [n] = errors('service a/b {\n  http: ClusterIP 10.0.0.1:80/tcp -> web\n}');
  assert.is(n!.hint, "write '-> endpoints:web'");
  // a rule that says what it follows says it once
  for (const [text, message] of [
    ['cluster {\n  masq al\n}', "expected 'from outside', 'all' or 'bit' after 'masq', found 'al'"],
    [
      'cluster {\n  nodePort adresses 10.0.0.0/8\n}',
      "expected 'addresses' or 'range' after 'nodePort', found 'adresses'",
    ],
    [
      'cluster {\n  masq from outside interface }',
      "expected an interface name or 'prefix NAME' after 'interface', found '}'",
    ],
  ] as const) {
    assert.is(errors(text)[0]!.message, message);
  }
  const [e] = errors('service a/b {\n  http: NodePort 10.0.0.1:80/tcp nodePort: 30080 -> endpoints\n}');
  assert.equal([at(e), e!.hint], ['2:34', "'nodePort' takes its value without ':' (write 'nodePort 30080')"]);
  const [g] = errors('service a/b {\n  endpoints [fd00::1] on n1\n}');
  assert.equal([at(g), g!.message], ['2:13', "expected an IP address after 'endpoints', found '['"]);
  assert.match(g!.hint!, 'without brackets');
  const [h] = errors('service a/b {\n  endpoints 10.0.0.1:8080\n}');
  assert.equal([at(h), h!.message], ['2:21', "unexpected ':' after the endpoint '10.0.0.1'"]);
  const [f] = errors('cluster {\n  nodeport range 30000-32767\n}');
  assert.equal([f!.code, at(f), f!.hint], ['unexpected-token', '2:3', "did you mean 'nodePort'?"]);
});

test('recovery: one broken statement does not hide the next, nor the next service', () => {
  const r = parse(`service a/b {
  http: ClusterIP 10.0.0.1:80/tcpp -> endpoints
  https: ClusterIP 10.0.0.1:443/tcp endpoints
  endpoints 10.0.0.5 on n1
}

service c/d {
  dns: ClusterIP 10.0.0.2/udp -> endpoints
  externalTrafficPolicy local
}
`);
  assert.equal(
    r.diagnostics.map((d) => at(d)),
    ['2:31', '3:37', '8:26'],
  );
  // what was fine is still in the AST
  const [a, c] = r.file.blocks as ServiceBlock[];
  assert.equal(
    a!.items.map((i) => i.kind),
    ['Endpoints'],
  );
  assert.equal(
    c!.items.map((i) => i.kind),
    ['ExternalTrafficPolicy'],
  );
});

test('recovery: continuation lines of a broken list are skipped, not re-reported', () => {
  const r = parse(`service a/b {
  endpoints 10.0.0.1 on n1 zone,
            10.0.0.2 on n2
  http: ClusterIP 10.0.0.1:80/tcp -> endpoints
}`);
  assert.is(r.diagnostics.length, 1);
  assert.is(at(r.diagnostics[0]), '2:32');
  assert.equal(
    (r.file.blocks[0] as ServiceBlock).items.map((i) => i.kind),
    ['Port'],
  );
});

test("a name after 'on' or 'zone' follows on the same line: the next line's word is not taken", () => {
  const errors = (text: string) => parse(text).diagnostics.map((d) => [d.code, at(d), d.message]);
  const endpointsThen = (modifier: string) =>
    `service a/b {\n  http: ClusterIP 10.0.0.1:80/tcp -> endpoints\n  endpoints 10.0.0.1 ${modifier}\n  externalIPs 192.168.99.22\n}\n`;
  assert.equal(errors(endpointsThen('on')), [
    ['expected-token', '3:24', "expected a node name after 'on' on the same line"],
  ]);
  assert.equal(errors(endpointsThen('zone')), [
    ['expected-token', '3:26', "expected a zone name after 'zone' on the same line"],
  ]);
  assert.equal(errors(endpointsThen('for-zone')), [
    ['expected-token', '3:30', "expected a zone name after 'for-zone' on the same line"],
  ]);
  assert.equal(errors(endpointsThen('for-node')), [
    ['expected-token', '3:30', "expected a node name after 'for-node' on the same line"],
  ]);
  // the statement after is read as written
  const items = (parse(endpointsThen('on')).file.blocks[0] as ServiceBlock).items;
  assert.equal(
    items.map((i) => i.kind),
    ['Port', 'Endpoints', 'ExternalIPs'],
  );
  assert.equal(errors('node n1 {\n  zone\n  address 192.168.1.1\n}\n'), [
    ['expected-token', '2:7', "expected a zone name after 'zone' on the same line"],
  ]);
  // on the same line, keywords are names as before
  assert.equal(errors('node n1 {\n  zone zone address 192.168.1.1\n}\n'), []);
  assert.equal(errors(endpointsThen('on node zone zone for-zone on for-node ready')), []);
  // the detector's interface likewise; `interface prefix` ending its line is the interface named so
  assert.equal(errors('cluster {\n  masq from outside interface\n  masq bit 14\n}\n'), [
    ['expected-token', '2:30', "expected an interface name or 'prefix NAME' after 'interface' on the same line"],
  ]);
  const prefixEnds = parse('cluster {\n  masq from outside interface prefix\n  masq bit 14\n}\n');
  assert.equal(prefixEnds.diagnostics, []);
  assert.equal(
    (prefixEnds.file.blocks[0] as ClusterBlock).settings.map((i) => i.kind),
    ['MasqFromOutside', 'MasqBit'],
  );
});

test('errors are capped', () => {
  const r = parse(`service a/b {\n${'x: ClusterIP 1.2.3.4:80/bad -> endpoints\n'.repeat(200)}}`);
  assert.is(r.diagnostics.length, 51);
  assert.is(r.diagnostics.at(-1)!.code, 'too-many-syntax-errors');
});

test('a comment holding a control, bidi or invisible character is a warning at it (a tab is not); the comment is kept', () => {
  const text =
    'service a/b {\n  # evil \u001b]0;title\u0007 tab\there\n  endpoints 10.0.0.1  # \u202eright-to-left\n}\n';
  const r = parse(text);
  assert.equal(
    r.diagnostics.map((d) => [d.code, d.severity, at(d), d.message]),
    [
      [
        'comment-control-character',
        'warning',
        '2:10',
        'this comment holds \\u001b, a character a terminal or editor acts on or hides; it is kept as written',
      ],
      [
        'comment-control-character',
        'warning',
        '3:25',
        'this comment holds \\u202e, a character a terminal or editor acts on or hides; it is kept as written',
      ],
    ],
  );
  assert.is(r.file.comments[0]!.text, ' evil \u001b]0;title\u0007 tab\there');
  // a file long enough to be read piece by piece says the same
  const long = `${'service x/y {\n  endpoints 10.0.0.1\n}\n'.repeat(2000)}${text}`;
  assert.equal(
    parse(long).diagnostics.map((d) => d.code),
    ['comment-control-character', 'comment-control-character'],
  );
  assert.equal(parse('service a/b {\n  # only\ta tab\n}\n').diagnostics, []);
});

test('duplicate endpoint modifiers are reported', () => {
  const [d] = errors('service a/b {\n  endpoints 10.0.0.1 on a on b\n}');
  assert.is(d!.code, 'duplicate-endpoint-modifier');
  assert.is(at(d), '2:27');
});

test('Kubernetes YAML or JSON given as .ksvc: one error that says so, at the first manifest token', () => {
  const cases: [string, string, string][] = [
    ['# a comment\n\napiVersion: v1\nkind: Service\n', 'YAML', '3:1-3:11'],
    ['kind: List\n', 'YAML', '1:1-1:5'],
    ['---\napiVersion: v1\n', 'YAML', '1:1-1:4'],
    ['  {"apiVersion": "v1"}', 'JSON', '1:3-1:4'],
    ['[]', 'JSON', '1:1-1:2'],
  ];
  for (const [text, format, where] of cases) {
    const r = parse(text);
    assert.is(r.diagnostics.length, 1, text);
    const d = r.diagnostics[0]!;
    assert.is(d.code, 'kubernetes-input');
    assert.is(d.message, `this is Kubernetes ${format}, not a .ksvc file`);
    assert.match(d.hint!, /--from-k8s/);
    assert.is(`${d.span!.start.line}:${d.span!.start.column}-${d.span!.end.line}:${d.span!.end.column}`, where, text);
  }
  // a .ksvc file whose comments mention the words is still .ksvc
  assert.equal(errors('# apiVersion: v1\ncluster {\n}\n'), []);
  // a comment of many '#' is read in linear time (a first regex backtracked exponentially on it)
  assert.is(parse(`${'#'.repeat(60)}\nx`).diagnostics[0]!.code, 'unexpected-token');
});

test.run();
