// The formatter: canonical output for a messy input (golden string below, read line by line when
// it was written), idempotence, comment placement, and ASTs that were built rather than parsed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeSourceFile, type Span } from '../../common/source.ts';
import type { FileNode, PortLine, ServiceBlock } from '../../grammar/ast.ts';
import { formatFile } from '../../grammar/format.ts';
import { parseKsvc } from '../../grammar/parse-ksvc.ts';
import { ACCEPTANCE, SEED_CLUSTERIP, SEED_LOCAL, SEED_NODEPORT } from '../property/parse-corpus.ts';
import { stripSpans } from '../support/ast.ts';

function parseClean(text: string): FileNode {
  const r = parseKsvc(makeSourceFile('t.ksvc', text));
  assert.equal(
    r.diagnostics.map((d) => d.message),
    [],
    'input parses without errors',
  );
  return r.file;
}
const fmt = (text: string): string => formatFile(parseClean(text));

const strip = stripSpans;

const MESSY = `   # header comment
cluster{masq from outside 10.64.0.0/16 masq bit 14
  nodePort   range 30000 - 32767   # the default range
}
node   n1 { address 172.16.1.35,fd00::35
podCIDR 10.64.1.0/24 }
# the DNS service
service kube-system/kube-dns {   # trailing on the header
    metrics: ClusterIP 10.32.0.10:9153/tcp->endpoints:9153
  dns: ClusterIP 10.32.0.10:53/udp -> endpoints:53 , externalTrafficPolicy Local,sessionAffinity ClientIP 600
      dns-tcp :ClusterIP 10.32.0.10:53/tcp -> endpoints:53

  # the pods
  endpoints 10.64.1.7 on n1 ready zone z1, 10.64.1.8 terminating on n1,   # second is draining
     10.64.1.9 ports dns=53 on n2
  endpoints 10.64.1.10 on n1 zone zone-a ports dns=53 dns-tcp=53 metrics=9153, 10.64.1.11 on n2 zone zone-b ports dns=53 dns-tcp=53 metrics=9153
  sessionAffinity None
  # before the brace
}   # after the brace
service default/web { web: NodePort [fd00::1]:80/tcp nodePort 30080 -> endpoints:http
ClusterIP 10.0.0.1:8080/sctp -> endpoints }
service a/empty {}
# the end
`;

const MESSY_FORMATTED = `# header comment
cluster {
  masq from outside 10.64.0.0/16
  masq bit 14
  nodePort range 30000-32767  # the default range
}

node n1 {
  address 172.16.1.35, fd00::35
  podCIDR 10.64.1.0/24
}

# the DNS service
service kube-system/kube-dns {  # trailing on the header
  metrics: ClusterIP 10.32.0.10:9153/tcp -> endpoints:9153
  dns:     ClusterIP 10.32.0.10:53/udp   -> endpoints:53, externalTrafficPolicy local, sessionAffinity clientIP 600
  dns-tcp: ClusterIP 10.32.0.10:53/tcp   -> endpoints:53

  # the pods
  endpoints 10.64.1.7 on n1 zone z1 ready,
            10.64.1.8 on n1 terminating,  # second is draining
            10.64.1.9 on n2 ports dns=53
  endpoints 10.64.1.10 on n1 zone zone-a ports dns=53 dns-tcp=53 metrics=9153,
            10.64.1.11 on n2 zone zone-b ports dns=53 dns-tcp=53 metrics=9153
  sessionAffinity none
  # before the brace
}  # after the brace

service default/web {
  web: NodePort  [fd00::1]:80/tcp   nodePort 30080 -> endpoints:http
       ClusterIP 10.0.0.1:8080/sctp                -> endpoints
}

service a/empty {
}

# the end
`;

test('a messy file gets the canonical layout (one blank line kept where the author left some)', () => {
  assert.fixture(fmt(MESSY), MESSY_FORMATTED);
});

test('formatting is idempotent and keeps the meaning', () => {
  for (const text of [MESSY, ...ACCEPTANCE]) {
    const once = fmt(text);
    assert.fixture(fmt(once), once);
    assert.equal(strip(parseClean(once).blocks), strip(parseClean(text).blocks));
    assert.is(parseClean(once).comments.length, parseClean(text).comments.length, 'no comment lost');
  }
});

test('the acceptance examples are already canonical', () => {
  for (const text of [SEED_CLUSTERIP, SEED_NODEPORT, SEED_LOCAL]) assert.fixture(fmt(text), text);
});

test('comments: own-line before the next item, trailing at the end of its line', () => {
  const out = fmt(`# top
service a/b { # on the header
  # before http
  http: ClusterIP 10.0.0.1:80/tcp
        -> endpoints   # after the port line
  endpoints 10.0.0.2,
    # before the second endpoint
    10.0.0.3 # after the second endpoint
  # before the brace
}
# at the end
`);
  assert.fixture(
    out,
    `# top
service a/b {  # on the header
  # before http
  http: ClusterIP 10.0.0.1:80/tcp -> endpoints  # after the port line
  endpoints 10.0.0.2,
            # before the second endpoint
            10.0.0.3  # after the second endpoint
  # before the brace
}

# at the end
`,
  );
  assert.fixture(fmt(out), out);
});

test('comments inside a statement printed on one line stay with it, above it, without a blank line', () => {
  const out = fmt(`service a/b {
  http: ClusterIP 10.0.0.1:80/tcp -> endpoints,  # the web port
    sessionAffinity clientIP 600  # sticky

  dns: ClusterIP 10.0.0.1:53/udp
    # resolved by the endpoints
    -> endpoints:53
  endpoints 10.0.0.2
}
`);
  assert.fixture(
    out,
    `service a/b {
  # the web port
  http: ClusterIP 10.0.0.1:80/tcp -> endpoints, sessionAffinity clientIP 600  # sticky

  # resolved by the endpoints
  dns:  ClusterIP 10.0.0.1:53/udp -> endpoints:53
  endpoints 10.0.0.2
}
`,
  );
  assert.fixture(fmt(out), out);
});

test("a comment on the '{' line stays on the header; one between the header's words goes above it", () => {
  const out = fmt(`service a/b
{  # the storefront
  ClusterIP 10.0.0.1:80/tcp -> endpoints
}
service ns /
# x
name {
  ClusterIP 10.0.0.2:80/tcp -> endpoints
}
cluster
# before the brace
{
}
`);
  assert.fixture(
    out,
    `service a/b {  # the storefront
  ClusterIP 10.0.0.1:80/tcp -> endpoints
}

# x
service ns/name {
  ClusterIP 10.0.0.2:80/tcp -> endpoints
}

# before the brace
cluster {
}
`,
  );
  assert.fixture(fmt(out), out);
});

test('a comment inside an endpoint entry stays with that entry, not the next one', () => {
  const out = fmt(`service a/b {
  ClusterIP 10.0.0.1:80/tcp -> endpoints
  endpoints 10.1.1.1
    # drained: moves to rack 7 on friday
    on n1,
    10.1.1.2
    # the middle one
    on n2,
    10.1.1.3 on n3
  endpoints 10.1.1.1  # old rack
    on n1,
    10.1.1.2 on n2
}
`);
  assert.fixture(
    out,
    `service a/b {
  ClusterIP 10.0.0.1:80/tcp -> endpoints
  # drained: moves to rack 7 on friday
  endpoints 10.1.1.1 on n1,
            # the middle one
            10.1.1.2 on n2,
            10.1.1.3 on n3
  endpoints 10.1.1.1 on n1,  # old rack
            10.1.1.2 on n2
}
`,
  );
  assert.fixture(fmt(out), out);
  // inside the last entry too (it went above the statement, which stayed on one line)
  const last = fmt(
    'service a/b {\n  ClusterIP 10.0.0.1:80/tcp -> endpoints\n  endpoints 10.1.1.1, 10.1.1.2\n    # last\n    on n1\n}\n',
  );
  assert.fixture(
    last,
    'service a/b {\n  ClusterIP 10.0.0.1:80/tcp -> endpoints\n  endpoints 10.1.1.1,\n            # last\n            10.1.1.2 on n1\n}\n',
  );
  assert.fixture(fmt(last), last);
});

test('long endpoint lists break one entry per line; short ones stay on one line', () => {
  const short = fmt('service a/b { endpoints 10.0.0.1 on n1, 10.0.0.2 on n2 }');
  assert.fixture(short, 'service a/b {\n  endpoints 10.0.0.1 on n1, 10.0.0.2 on n2\n}\n');
  const many = Array.from({ length: 8 }, (_, i) => `10.0.0.${i + 1} on node-${i}`).join(', ');
  const long = fmt(`service a/b { endpoints ${many} }`);
  assert.is(long.split('\n').length, 8 + 3);
  assert.match(long, '  endpoints 10.0.0.1 on node-0,\n            10.0.0.2 on node-1,\n');
  for (const line of long.split('\n')) assert.ok(line.length <= 100, line);
});

test('an empty file and a file of comments', () => {
  assert.is(fmt(''), '');
  assert.is(fmt('  \n\n'), '');
  assert.is(fmt('# only\n#   comments   \n'), '# only\n#   comments\n');
  assert.is(fmt('# one\n\n\n# two\n'), '# one\n\n# two\n', 'one blank line kept between them');
});

test('comments after the last block: one blank line kept where the author left some, as inside blocks', () => {
  const out = fmt('node a {\n  address 10.0.0.1\n}\n# one\n# two\n\n\n# three\n');
  assert.fixture(out, 'node a {\n  address 10.0.0.1\n}\n\n# one\n# two\n\n# three\n');
  assert.fixture(fmt(out), out);
});

// ASTs built by hand (like the Kubernetes import): dummy spans, no comments.
const Z: Span = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };
const L = <T>(value: T) => ({ value, span: Z });
const N = (value: number) => ({ value, text: String(value), span: Z });

test('a built AST prints every field, and parses back to the same AST', () => {
  const port = (
    name: string | null,
    ip: string,
    p: number,
    proto: 'tcp' | 'udp',
    target: number | string | null,
  ): PortLine => ({
    kind: 'Port',
    span: Z,
    name: name === null ? null : L(name),
    type: L('NodePort'),
    clusterIP: { kind: 'Address', text: ip, span: Z },
    bracketed: false,
    port: N(p),
    protocol: L(proto),
    nodePort: N(30053),
    targetPort: target === null ? null : typeof target === 'number' ? N(target) : L(target),
    clauses: [{ kind: 'ExternalTrafficPolicy', span: Z, policy: L('Local') }],
  });
  const svc: ServiceBlock = {
    kind: 'Service',
    span: Z,
    namespace: L('kube-system'),
    name: L('kube-dns'),
    items: [
      port('dns', '10.32.0.10', 53, 'udp', 53),
      port('dns', 'fd00:32::10', 53, 'udp', 'dns'),
      { kind: 'SessionAffinity', span: Z, affinity: L('ClientIP'), timeout: N(10800) },
      { kind: 'HealthCheckNodePort', span: Z, port: N(31000) },
      {
        kind: 'Endpoints',
        span: Z,
        endpoints: [
          {
            span: Z,
            address: { kind: 'Address', text: '10.64.1.7', span: Z },
            node: L('n1'),
            zone: L('z'),
            forZones: [L('z'), L('z2')],
            forNodes: [L('n1')],
            conditions: [L('terminating')],
            ports: [{ span: Z, name: L('dns'), port: N(53) }],
          },
        ],
      },
    ],
  };
  const file: FileNode = {
    kind: 'File',
    span: Z,
    comments: [],
    blocks: [
      {
        kind: 'Cluster',
        span: Z,
        settings: [{ kind: 'MasqFromOutside', span: Z, detector: { kind: 'NodePodCIDR', span: Z } }],
      },
      svc,
    ],
  };
  const text = formatFile(file);
  assert.fixture(
    text,
    `cluster {
  masq from outside node podCIDR
}

service kube-system/kube-dns {
  dns: NodePort 10.32.0.10:53/udp    nodePort 30053 -> endpoints:53, externalTrafficPolicy local
  dns: NodePort [fd00:32::10]:53/udp nodePort 30053 -> endpoints:dns, externalTrafficPolicy local
  sessionAffinity clientIP 10800
  healthCheckNodePort 31000
  endpoints 10.64.1.7 on n1 zone z for-zone z for-zone z2 for-node n1 terminating ports dns=53
}
`,
  );
  const back = parseClean(text);
  // The IPv6 line comes back bracketed (that is how it must be written); everything else is equal.
  (svc.items[1] as PortLine).bracketed = true;
  assert.equal(strip(back.blocks), strip(file.blocks));
});

test('blank lines inside a block: one kept where the author had any, none after { or before } (issue 11 item 15)', () => {
  const out = fmt(`service a/b {


  http: ClusterIP 10.0.0.1:80/tcp -> endpoints
  dns: ClusterIP 10.0.0.1:53/udp -> endpoints



  # the pods

  endpoints 10.0.0.2
  endpoints 10.0.0.3

}
`);
  assert.fixture(
    out,
    `service a/b {
  http: ClusterIP 10.0.0.1:80/tcp -> endpoints
  dns:  ClusterIP 10.0.0.1:53/udp -> endpoints

  # the pods

  endpoints 10.0.0.2
  endpoints 10.0.0.3
}
`,
  );
  assert.fixture(fmt(out), out);
});

test('blank lines among the comments above a block: one kept where the author had any, none added', () => {
  const out = fmt(`# a file's header



# about node a
node a {
  address 10.0.0.1
}
# about b (a blank line follows)

node b {
  address 10.0.0.2
}
`);
  assert.fixture(
    out,
    `# a file's header

# about node a
node a {
  address 10.0.0.1
}

# about b (a blank line follows)

node b {
  address 10.0.0.2
}
`,
  );
  assert.fixture(fmt(out), out);
});

test.run();
