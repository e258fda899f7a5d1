// The formatter never changes meaning: for generated ASTs (built, with dummy spans, like the
// Kubernetes import builds them) and for parsed files with comments, parse(fmt(x)) is x up to spans
// and comments, and fmt(parse(fmt(x))) == fmt(x).

import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeSourceFile, type Span } from '../../common/source.ts';
import type {
  AddressLit,
  CidrLit,
  ClusterSetting,
  DetectorSpec,
  EndpointEntry,
  FileNode,
  NodeStatement,
  PortLine,
  ServiceAttribute,
  ServiceItem,
  TopLevelBlock,
} from '../../grammar/ast.ts';
import { formatFile } from '../../grammar/format.ts';
import { parseKsvc } from '../../grammar/parse-ksvc.ts';
import { stripSpans } from '../support/ast.ts';
import { ACCEPTANCE } from './parse-corpus.ts';

const Z: Span = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };
const L = <T>(value: T) => ({ value, span: Z });
/** A number literal as the parser reads it back: the digits the formatter prints. */
const N = (value: number) => ({ value, text: String(value), span: Z });

const strip = stripSpans;

// Names: plain words, keywords (names may be keywords), digit-led words, dotted words, ranges.
const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
const keywordName = fc.constantFrom(
  'http',
  'node',
  'local',
  'cluster',
  'on',
  'zone',
  'ports',
  'endpoints',
  'ready',
  'service',
  'tcp',
  'ClusterIP',
  'masq',
  'none',
);
const name = fc.oneof(
  word,
  keywordName,
  fc.constantFrom('2048-game', 'ip-10-0-0-1.ec2.internal', '123', '30000-32767', 'a_b'),
);
/** Port names stand before ':', where a dotted word would read as an address. */
const portName = fc.oneof(word, keywordName, fc.constantFrom('2048-game', '53', 'dns-tcp'));
/** `interface prefix X` is the prefix mode, so an interface literally named "prefix" is left out. */
const ifName = word.filter((w) => w !== 'prefix');
const targetName = fc.oneof(word, keywordName);

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const ipv6 = fc.constantFrom('fd00::1', 'fd00:32::10', '::1', '2001:db8::a:b', 'fe80::1:2:3:4', '::ffff:10.0.0.1');
const addrText = fc.oneof(ipv4, ipv6, fc.constantFrom('10.1', '010.0.0.1', '300.1.1.1'));
const address: fc.Arbitrary<AddressLit> = addrText.map((text) => ({ kind: 'Address', text, span: Z }));
const cidr: fc.Arbitrary<CidrLit> = fc
  .tuple(addrText, fc.nat(128))
  .map(([a, p]) => ({ kind: 'Cidr', text: `${a}/${p}`, span: Z }));
const nat = fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.constantFrom(99999999999, 30000, 32767));
const list = <T>(a: fc.Arbitrary<T>) => fc.array(a, { minLength: 1, maxLength: 3 });

const detector: fc.Arbitrary<DetectorSpec> = fc.oneof(
  cidr.map((c) => ({ kind: 'Cidr' as const, cidr: c })),
  fc.constant({ kind: 'NodePodCIDR' as const, span: Z }),
  ifName.map((n) => ({ kind: 'BridgeInterface' as const, name: L(n) })),
  word.map((n) => ({ kind: 'InterfaceNamePrefix' as const, prefix: L(n) })),
);

const clusterSetting: fc.Arbitrary<ClusterSetting> = fc.oneof(
  detector.map((d) => ({ kind: 'MasqFromOutside' as const, span: Z, detector: d })),
  fc.constant({ kind: 'MasqAll' as const, span: Z }),
  fc.nat(31).map((b) => ({ kind: 'MasqBit' as const, span: Z, bit: N(b) })),
  list(cidr).map((cidrs) => ({ kind: 'NodePortAddresses' as const, span: Z, cidrs, primary: false })),
  fc.constant(null).map(() => ({ kind: 'NodePortAddresses' as const, span: Z, cidrs: [] as CidrLit[], primary: true })),
  fc.boolean().map((b) => ({ kind: 'LocalhostNodePorts' as const, span: Z, enabled: L(b) })),
  fc.tuple(nat, nat).map(([a, b]) => ({ kind: 'NodePortRange' as const, span: Z, min: N(a), max: N(b) })),
);

const nodeStatement: fc.Arbitrary<NodeStatement> = fc.oneof(
  list(address).map((addresses) => ({ kind: 'NodeAddress' as const, span: Z, addresses })),
  list(cidr).map((cidrs) => ({ kind: 'NodePodCIDRs' as const, span: Z, cidrs })),
  name.map((z) => ({ kind: 'NodeZone' as const, span: Z, zone: L(z) })),
);

const policy = fc.constantFrom('Local' as const, 'Cluster' as const);
const attribute: fc.Arbitrary<ServiceAttribute> = fc.oneof(
  policy.map((p) => ({ kind: 'ExternalTrafficPolicy' as const, span: Z, policy: L(p) })),
  policy.map((p) => ({ kind: 'InternalTrafficPolicy' as const, span: Z, policy: L(p) })),
  fc.option(nat, { nil: null }).map((t) => ({
    kind: 'SessionAffinity' as const,
    span: Z,
    affinity: L('ClientIP' as const),
    timeout: t === null ? null : N(t),
  })),
  fc.constant({ kind: 'SessionAffinity' as const, span: Z, affinity: L('None' as const), timeout: null }),
  detector.map((d) => ({ kind: 'MasqFromOutside' as const, span: Z, detector: d })),
);

const portLine: fc.Arbitrary<PortLine> = fc
  .record({
    name: fc.option(portName, { nil: null }),
    type: fc.constantFrom('ClusterIP' as const, 'NodePort' as const, 'LoadBalancer' as const),
    ip: fc.oneof(
      ipv4.map((t) => ({ t, br: false })),
      ipv4.map((t) => ({ t, br: true })),
      ipv6.map((t) => ({ t, br: true })),
    ),
    port: nat,
    protocol: fc.constantFrom('tcp' as const, 'udp' as const, 'sctp' as const),
    nodePort: fc.option(nat, { nil: null }),
    target: fc.option(fc.oneof(nat, targetName), { nil: null }),
    clauses: fc.array(attribute, { maxLength: 3 }),
  })
  .map((r) => ({
    kind: 'Port',
    span: Z,
    name: r.name === null ? null : L(r.name),
    type: L(r.type),
    clusterIP: { kind: 'Address', text: r.ip.t, span: Z },
    bracketed: r.ip.br,
    port: N(r.port),
    protocol: L(r.protocol),
    nodePort: r.nodePort === null ? null : N(r.nodePort),
    targetPort: r.target === null ? null : typeof r.target === 'number' ? N(r.target) : L(r.target),
    clauses: r.clauses,
  }));

const condition = fc.constantFrom(
  'ready' as const,
  'not-ready' as const,
  'serving' as const,
  'not-serving' as const,
  'terminating' as const,
);
const endpoint: fc.Arbitrary<EndpointEntry> = fc
  .record({
    address,
    node: fc.option(name, { nil: null }),
    zone: fc.option(name, { nil: null }),
    forZones: fc.array(name, { maxLength: 2 }),
    forNodes: fc.array(name, { maxLength: 2 }),
    conditions: fc.array(condition, { maxLength: 3 }),
    ports: fc.array(fc.tuple(name, nat), { maxLength: 3 }),
  })
  .map((r) => ({
    span: Z,
    address: r.address,
    node: r.node === null ? null : L(r.node),
    zone: r.zone === null ? null : L(r.zone),
    forZones: r.forZones.map(L),
    forNodes: r.forNodes.map(L),
    conditions: r.conditions.map(L),
    ports: r.ports.map(([n, p]) => ({ span: Z, name: L(n), port: N(p) })),
  }));

const serviceItem: fc.Arbitrary<ServiceItem> = fc.oneof(
  { arbitrary: portLine, weight: 4 },
  { arbitrary: attribute, weight: 1 },
  { arbitrary: list(address).map((addresses) => ({ kind: 'ExternalIPs' as const, span: Z, addresses })), weight: 1 },
  {
    arbitrary: list(address).map((addresses) => ({ kind: 'LoadBalancerIngress' as const, span: Z, addresses })),
    weight: 1,
  },
  { arbitrary: list(cidr).map((cidrs) => ({ kind: 'LoadBalancerSourceRanges' as const, span: Z, cidrs })), weight: 1 },
  { arbitrary: nat.map((p) => ({ kind: 'HealthCheckNodePort' as const, span: Z, port: N(p) })), weight: 1 },
  {
    arbitrary: fc
      .array(endpoint, { minLength: 1, maxLength: 12 })
      .map((endpoints) => ({ kind: 'Endpoints' as const, span: Z, endpoints })),
    weight: 3,
  },
);

const block: fc.Arbitrary<TopLevelBlock> = fc.oneof(
  fc.array(clusterSetting, { maxLength: 5 }).map((settings) => ({ kind: 'Cluster' as const, span: Z, settings })),
  fc
    .tuple(name, fc.array(nodeStatement, { maxLength: 3 }))
    .map(([n, statements]) => ({ kind: 'Node' as const, span: Z, name: L(n), statements })),
  fc
    .tuple(name, name, fc.array(serviceItem, { maxLength: 8 }))
    .map(([ns, n, items]) => ({ kind: 'Service' as const, span: Z, namespace: L(ns), name: L(n), items })),
);

const fileAst: fc.Arbitrary<FileNode> = fc
  .array(block, { maxLength: 5 })
  .map((blocks) => ({ kind: 'File', span: Z, blocks, comments: [] }));

/** What parsing the formatted text must give back: IPv6 cluster IPs are always written bracketed. */
function expected(file: FileNode): unknown {
  const copy = structuredClone(file);
  for (const b of copy.blocks) {
    if (b.kind !== 'Service') continue;
    for (const i of b.items) if (i.kind === 'Port' && i.clusterIP.text.includes(':')) i.bracketed = true;
  }
  return strip(copy.blocks);
}

function parseOk(text: string): FileNode {
  const r = parseKsvc(makeSourceFile('fmt.ksvc', text));
  if (r.diagnostics.length > 0) throw new Error(`formatted text does not parse: ${r.diagnostics[0]!.message}\n${text}`);
  return r.file;
}

test('built ASTs: parse(fmt(ast)) == ast, and fmt is idempotent', () => {
  fc.assert(
    fc.property(fileAst, (file) => {
      const text = formatFile(file);
      const back = parseOk(text);
      assert.equal(strip(back.blocks), expected(file));
      assert.is(formatFile(back), text);
      for (const line of text.split('\n'))
        if (line !== line.trimEnd()) throw new Error(`trailing whitespace: '${line}'`);
    }),
    { numRuns: 300 },
  );
});

// Comments sprinkled at line ends and on their own lines of formatted files.
test('parsed files with comments: meaning and comments kept, idempotent', () => {
  const withComments = fc
    .tuple(
      fc.oneof(fileAst.map(formatFile), fc.constantFrom(...ACCEPTANCE)),
      fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.stringMatching(/^[ a-z0-9#-]{0,12}$/)), { maxLength: 6 }),
    )
    .map(([text, inserts]) => {
      const lines = text.split('\n');
      for (const [at, own, body] of inserts) {
        const i = at % lines.length;
        if (own) lines.splice(i, 0, `  #${body}`);
        else lines[i] = `${lines[i]} #${body}`;
      }
      return lines.join('\n');
    });
  fc.assert(
    fc.property(withComments, (text) => {
      const before = parseOk(text);
      const once = formatFile(before);
      const after = parseOk(once);
      assert.equal(strip(after.blocks), strip(before.blocks));
      assert.equal(
        after.comments.map((c) => c.text.trimEnd()),
        before.comments.map((c) => c.text.trimEnd()),
        'comments kept, in order',
      );
      assert.is(formatFile(after), once);
    }),
    { numRuns: 300 },
  );
});

// Whatever parses cleanly formats to text that parses to the same AST: token soups and mutated
// examples reach layouts (odd line breaks, statements sharing lines) the generator above does not.
test('any cleanly parsing input round-trips through fmt', () => {
  const words = [
    'service',
    'node',
    'cluster',
    'endpoints',
    'on',
    'zone',
    'ports',
    'ready',
    'masq',
    'from',
    'outside',
    'ClusterIP',
    'tcp',
    '->',
    ':',
    ',',
    '/',
    '=',
    '{',
    '}',
    '\n',
    '#c\n',
    '10.0.0.1',
    'fd00::1',
    '24',
    '80',
    'ns',
    'http',
  ];
  const mutated = fc
    .tuple(
      fc.constantFrom(...ACCEPTANCE),
      fc.array(fc.tuple(fc.nat(), fc.nat(6), fc.constantFrom(...words, '', ' ')), { minLength: 1, maxLength: 3 }),
    )
    .map(([text, edits]) =>
      edits.reduce((t, [at, del, ins]) => {
        const i = at % (t.length + 1);
        return t.slice(0, i) + ins + t.slice(i + del);
      }, text),
    );
  fc.assert(
    fc.property(mutated, (text) => {
      const first = parseKsvc(makeSourceFile('m.ksvc', text));
      if (first.diagnostics.length > 0) return;
      const once = formatFile(first.file);
      const back = parseOk(once);
      assert.equal(strip(back.blocks), strip(first.file.blocks));
      assert.is(formatFile(back), once);
    }),
    { numRuns: 400 },
  );
});

test.run();
