// Bad Kubernetes input gets a located error: file, line, column of the YAML node, and the field
// path — for YAML syntax, unknown kinds, missing fields, wrong types and values the API refuses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeSourceFile } from '../../common/source.ts';
import { MAX_READ_ERRORS } from '../../compiler/kube/error-budget.ts';
import { importKubernetes } from '../../compiler/kube/index.ts';
import { MAX_YAML_NESTING } from '../../compiler/kube/yaml-documents.ts';
import { codesOf, docs, imp, only, slice, svc, WEB } from './kube-helpers.ts';

const at = (d: { file: string; span: { start: { line: number; column: number } } | null; path?: string }) =>
  `${d.file}:${d.span?.start.line}:${d.span?.start.column} ${d.path ?? ''}`;

test('an invalid protocol points at spec.ports[1].protocol, with a hint for the wrong case', () => {
  const text = svc(`  clusterIP: 10.32.0.10
  ports:
  - name: dns
    port: 53
    protocol: UDP
  - name: dns-tcp
    port: 53
    protocol: TCPP
  - name: metrics
    port: 9153
    protocol: tcp`);
  const r = imp(text, {}, 'svc.yaml');
  assert.is(r.model, null);
  const errs = r.diagnostics.filter((d) => d.code === 'unsupported-value');
  assert.equal(errs.map(at), ['svc.yaml:14:15 spec.ports[1].protocol', 'svc.yaml:17:15 spec.ports[2].protocol']);
  assert.is(errs[0]!.message, "unsupported protocol 'TCPP' (allowed: TCP, UDP, SCTP)");
  assert.is(errs[1]!.hint, "did you mean 'TCP'?");
});

test('wrong types: a quoted port, a list where a mapping belongs, a non-integer number', () => {
  const r = imp(svc('  clusterIP: 10.32.0.10\n  ports:\n  - port: "80"\n    targetPort: 80.5'));
  const wrong = r.diagnostics.filter((d) => d.code === 'wrong-type');
  assert.equal(
    wrong.map((d) => d.path),
    ['spec.ports[0].port', 'spec.ports[0].targetPort'],
  );
  assert.is(wrong[0]!.message, '\'port\' must be an integer, found a string ("80")');
  assert.equal(wrong.map(at), ['in.yaml:9:11 spec.ports[0].port', 'in.yaml:10:17 spec.ports[0].targetPort']);
  // past 2^53: said as out of range, not as a number that is no integer (YAML and JSON alike)
  for (const big of ['9007199254740993', '99999999999999999999999']) {
    const d = only(imp(svc(`  clusterIP: 10.32.0.10\n  ports:\n  - port: ${big}`)).diagnostics, 'wrong-type');
    assert.is(d.message, `'port' must be an integer in range, found ${big}, far out of range`);
  }
  const m = imp('apiVersion: v1\nkind: Service\nmetadata: [web]\n');
  assert.is(only(m.diagnostics, 'wrong-type').path, 'metadata');
});

test('missing required fields are named by path', () => {
  const r = imp(svc('  clusterIP: 10.32.0.10\n  ports:\n  - name: a\n    protocol: TCP', 'namespace: shop'));
  assert.equal(
    r.diagnostics
      .filter((d) => d.code === 'missing-field')
      .map((d) => d.path)
      .sort(),
    ['metadata.name', 'spec.ports[0].port'],
  );
  const noPorts = imp(svc('  clusterIP: 10.32.0.10'));
  assert.is(only(noPorts.diagnostics, 'missing-field').path, 'spec.ports');
  const noKind = imp('apiVersion: v1\nmetadata: {name: x}\n');
  assert.is(at(only(noKind.diagnostics, 'missing-kind')), 'in.yaml:1:1 ');
});

test('YAML syntax errors are located; other documents of the file are still read', () => {
  const r = imp(docs('apiVersion: v1\nkind: Service\nmetadata: {name: a\n', WEB), {}, 'bad.yaml');
  const d = only(r.diagnostics, 'yaml-syntax');
  assert.is(d.file, 'bad.yaml');
  assert.ok(d.span && d.span.start.line >= 3, JSON.stringify(d.span));
  const dup = imp('apiVersion: v1\nkind: Service\nkind: Service\n');
  assert.is(at(only(dup.diagnostics, 'yaml-syntax')), 'in.yaml:3:1 ');
});

test('a document nested thousands of levels deep: a located too-deeply-nested error, no YAML syntax error, YAML or JSON', () => {
  const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
  for (const text of [
    `apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n  annotations:\n    a: ${deep}\n`,
    `{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x", "annotations": {"a": ${deep}}}}`,
  ]) {
    const r = imp(text).diagnostics;
    assert.equal(codesOf(r), ['too-deeply-nested'], 'valid JSON or YAML: no syntax error');
    const d = only(r, 'too-deeply-nested');
    assert.match(
      d.message,
      /^the document nests arrays or objects \(YAML sequences or mappings\) more than 256 levels deep/,
    );
    assert.ok(d.span !== null && d.span.start.offset > text.indexOf('['), JSON.stringify(d.span));
  }
});

test('nesting: up to MAX_YAML_NESTING levels are read, deeper documents are refused before they are composed', () => {
  // the block map, metadata and annotations are three levels; the flow sequences the rest
  const nested = (levels: number) =>
    `apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n  annotations:\n    a: ${'['.repeat(levels - 3)}${']'.repeat(levels - 3)}\n`;
  const atLimit = imp(nested(MAX_YAML_NESTING)).diagnostics;
  assert.not.ok(codesOf(atLimit).includes('too-deeply-nested'), codesOf(atLimit).join(' '));
  assert.is(only(atLimit, 'wrong-type').path, 'metadata.annotations.a'); // read, and its type checked
  const over = nested(MAX_YAML_NESTING + 1);
  const d = only(imp(over).diagnostics, 'too-deeply-nested');
  assert.is(d.span?.start.offset, over.indexOf('[') + MAX_YAML_NESTING - 3);
  // Deep documents one after another, in one file and in two (the second used to end the process:
  // V8 compiled a regular expression at the stack's end), each reported in file order
  const deep = nested(20_000);
  const two = imp(`${deep}---\n${deep}`).diagnostics.filter((x) => x.code === 'too-deeply-nested');
  assert.equal(
    two.map((x) => x.span?.start.line),
    [6, 13], // the second after its `---` line
  );
  const files = importKubernetes([makeSourceFile('a.yaml', deep), makeSourceFile('b.json', deep)]).diagnostics;
  assert.equal(
    files.filter((x) => x.code === 'too-deeply-nested').map((x) => x.file),
    ['a.yaml', 'b.json'],
  );
});

test('a .ksvc file given as Kubernetes input: one error that says so, at its first block', () => {
  for (const [text, at] of [
    ['# exported\r\n\r\ncluster {\n}\n', '3:1'],
    ['service default/web {\n  http: ClusterIP 10.0.0.1:80/tcp -> endpoints\n}\n', '1:1'],
    ['\n  node n1 {\n  address 10.0.0.1\n}\n', '2:3'],
  ] as const) {
    const d = only(imp(text).diagnostics, 'ksvc-input');
    assert.is(d.message, 'this is a .ksvc file, not Kubernetes YAML or JSON');
    assert.is(`${d.span!.start.line}:${d.span!.start.column}`, at, text);
  }
});

test('unknown kinds are errors (at the kind), or skipped on request; Endpoints gets a hint', () => {
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n';
  const r = imp(docs(pod, WEB));
  const d = only(r.diagnostics, 'unknown-kind');
  assert.is(at(d), 'in.yaml:2:7 ');
  assert.is(imp(docs(pod, WEB), { skipUnknownKinds: true }).diagnostics.length, 0);
  const ep = imp('apiVersion: v1\nkind: Endpoints\nmetadata: {name: web}\n');
  assert.match(only(ep.diagnostics, 'unknown-kind').hint!, /EndpointSlices/);
  const beta = imp(slice('addressType: IPv4').replace('discovery.k8s.io/v1', 'discovery.k8s.io/v1beta1'));
  assert.is(only(beta.diagnostics, 'unsupported-api-version').path, 'apiVersion');
});

test('values the API server refuses', () => {
  const cases: [string, string, string][] = [
    [svc('  clusterIP: 10.32.0.1\n  ports: [{port: 70000}]'), 'invalid-port', 'spec.ports[0].port'],
    [svc('  clusterIP: 10.32.0.1\n  ports: [{port: 80}]', 'name: Web_Svc'), 'invalid-name', 'metadata.name'],
    [svc('  clusterIP: 10.32.0.1\n  ports: [{port: 80}]', 'name: 1web'), 'invalid-name', 'metadata.name'],
    [
      svc('  clusterIP: 10.32.0.1\n  ports: [{name: a, port: 80}, {name: a, port: 81}]'),
      'duplicate-value',
      'spec.ports[1].name',
    ],
    [
      svc('  clusterIP: 10.32.0.1\n  ports: [{name: a, port: 80}, {name: b, port: 80}]'),
      'duplicate-value',
      'spec.ports[1]',
    ],
    [svc('  clusterIP: 10.32.0.1\n  ports: [{port: 80}, {port: 81}]'), 'missing-field', 'spec.ports[0]'],
    [
      svc('  clusterIP: 10.32.0.1\n  ports: [{port: 80, nodePort: 30080}]'),
      'forbidden-field',
      'spec.ports[0].nodePort',
    ],
    [
      svc('  clusterIP: 10.32.0.1\n  ports: [{port: 80, targetPort: "8080"}]'),
      'invalid-value',
      'spec.ports[0].targetPort',
    ],
    [
      svc('  clusterIP: 10.32.0.1\n  externalTrafficPolicy: Local\n  ports: [{port: 80}]'),
      'forbidden-field',
      'spec.externalTrafficPolicy',
    ],
    [
      svc('  clusterIP: 10.32.0.1\n  loadBalancerSourceRanges: [10.0.0.0/8]\n  ports: [{port: 80}]'),
      'forbidden-field',
      'spec.loadBalancerSourceRanges',
    ],
    [
      svc(
        '  type: NodePort\n  clusterIP: 10.32.0.1\n  healthCheckNodePort: 30000\n  ports: [{port: 80, nodePort: 30080}]',
      ),
      'forbidden-field',
      'spec.healthCheckNodePort',
    ],
    [
      svc('  clusterIP: 10.32.0.1\n  externalIPs: [127.0.0.1]\n  ports: [{port: 80}]'),
      'reserved-address',
      'spec.externalIPs[0]',
    ],
    [
      svc('  clusterIP: 10.32.0.1\n  externalIPs: [239.1.2.3]\n  ports: [{port: 80}]'),
      'unrouted-address',
      'spec.externalIPs[0]',
    ],
    [
      svc('  clusterIP: 10.32.0.1\n  externalIPs: [10.1.1]\n  ports: [{port: 80}]'),
      'invalid-address',
      'spec.externalIPs[0]',
    ],
    [
      svc(
        '  clusterIP: 10.32.0.1\n  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 90000}}\n  ports: [{port: 80}]',
      ),
      'invalid-value',
      'spec.sessionAffinityConfig.clientIP.timeoutSeconds',
    ],
    [svc('  type: Headless\n  clusterIP: 10.32.0.1\n  ports: [{port: 80}]'), 'unsupported-value', 'spec.type'],
    [
      svc('  clusterIP: 10.32.0.1\n  trafficDistribution: Bogus\n  ports: [{port: 80}]'),
      'unsupported-value',
      'spec.trafficDistribution',
    ],
    [
      docs(WEB, slice('addressType: IPv4\nendpoints: [{addresses: ["fd00::1"]}]')),
      'wrong-family',
      'endpoints[0].addresses[0]',
    ],
    [docs(WEB, slice('addressType: IPv4\nendpoints: [{addresses: []}]')), 'invalid-value', 'endpoints[0].addresses'],
    [
      docs(WEB, slice('addressType: IPv4\nendpoints: [{addresses: [10.0.0.1], zone: "bad zone"}]')),
      'invalid-name',
      'endpoints[0].zone',
    ],
    [
      docs(WEB, slice('addressType: IPv4\nendpoints: [{addresses: [10.0.0.1], conditions: {ready: "yes"}}]')),
      'wrong-type',
      'endpoints[0].conditions.ready',
    ],
  ];
  for (const [text, code, path] of cases) {
    const r = imp(text);
    assert.is(r.model, null, `${code} ${path}: model should be null`);
    const d = r.diagnostics.find((x) => x.code === code);
    assert.ok(d, `${code} expected, got ${JSON.stringify(r.diagnostics.map((x) => [x.code, x.path]))}`);
    assert.is(d!.path, path, code);
    assert.ok(d!.span, `${code} has a span`);
  }
});

test('objects against each other: duplicates, cluster IPs and nodePorts claimed twice', () => {
  const dup = imp(docs(WEB, WEB));
  const d = only(dup.diagnostics, 'duplicate-object');
  assert.is(d.message, 'duplicate Service shop/web');
  assert.is(d.related![0]!.span!.start.line, 1);
  const other = svc('  clusterIP: 10.32.0.5\n  ports: [{port: 80}]', 'name: other\n  namespace: shop');
  assert.is(only(imp(docs(WEB, other)).diagnostics, 'cluster-ip-in-use').path, 'spec.clusterIP');
  const np = (name: string, ip: string, proto: string) =>
    svc(
      `  type: NodePort\n  clusterIP: ${ip}\n  ports: [{port: 80, protocol: ${proto}, nodePort: 30080}]`,
      `name: ${name}\n  namespace: shop`,
    );
  // The allocator hands out numbers whatever the protocol.
  assert.is(
    only(imp(docs(np('a', '10.32.0.1', 'TCP'), np('b', '10.32.0.2', 'UDP'))).diagnostics, 'duplicate-node-port').path,
    'spec.ports[0].nodePort',
  );
});

test('nodePorts outside a given range are errors; without a range the range widens', () => {
  const s = svc('  type: NodePort\n  clusterIP: 10.32.0.1\n  ports: [{port: 80, nodePort: 3001}]');
  assert.is(
    only(imp(s, { nodePortRange: '30000-32767' }).diagnostics, 'node-port-out-of-range').path,
    'spec.ports[0].nodePort',
  );
  assert.equal(imp(s).model!.settings.nodePortRange, { min: 3001, max: 32767 });
});

test('unknown fields are warned about, in the objects ksvc reads', () => {
  const r = imp(svc('  clusterIP: 10.32.0.1\n  prots: []\n  ports: [{port: 80, tragetPort: 8080}]'));
  assert.equal(
    r.diagnostics.filter((x) => x.code === 'unknown-field').map((x) => x.path),
    ['spec.prots', 'spec.ports[0].tragetPort'],
  );
  assert.ok(r.model, 'warnings only');
});

test('a YAML merge key is an error (kubectl merges it; read without it the port would be another)', () => {
  const r = imp(
    svc(
      '  clusterIP: 10.32.0.10\n  ports:\n  - &base {name: dns, port: 53, protocol: UDP}\n  - <<: *base\n    name: alt\n    port: 5353',
    ),
  );
  assert.is(r.model, null);
  const d = only(r.diagnostics, 'yaml-merge-key');
  assert.is(d.path, 'spec.ports[1]');
  assert.equal(at(d), 'in.yaml:10:5 spec.ports[1]');
  // a quoted '<<' is an ordinary key, even in YAML 1.1: an unknown field
  const quoted = imp(svc('  clusterIP: 10.32.0.10\n  ports:\n  - {"<<": x, port: 53}'));
  assert.equal(codesOf(quoted.diagnostics), ['unknown-field']);
});

test('slices of missing services and without the service label are warned about', () => {
  const r = imp(
    docs(
      WEB,
      slice('addressType: IPv4', 'x-1', 'x'),
      slice('addressType: IPv4', 'y-1').replace('    kubernetes.io/service-name: web\n', '    app: web-y\n'),
    ),
  );
  assert.equal(codesOf(r.diagnostics), ['slice-for-unknown-service', 'slice-without-service-label']);
});

test('--node must name a Node of the input, or a node an endpoint is on', () => {
  assert.is(only(imp(WEB, { node: 'node-x' }).diagnostics, 'unknown-node-flag').file, '');
  // `kubectl get svc,endpointslices` has no Node objects: the nodes are known from the endpoints
  const noNodes = docs(
    svc('  clusterIP: 10.32.0.5\n  ports: [{name: http, port: 80, targetPort: 8080}]'),
    slice(
      'addressType: IPv4\nports: [{name: http, port: 8080}]\nendpoints:\n- addresses: [10.64.1.5]\n  nodeName: node-1',
    ),
  );
  const r = imp(noNodes, { node: 'node-1' });
  assert.ok(r.model, r.diagnostics.map((d) => d.message).join('; '));
  assert.equal(codesOf(r.diagnostics), ['node-without-object']);
  assert.equal(codesOf(imp(noNodes, { node: 'node-2' }).diagnostics), ['node-without-object', 'unknown-node-flag']);
});

test('a node address that is multicast, broadcast or unspecified is refused as in .ksvc (import crashed on it)', () => {
  for (const address of ['239.1.2.3', '255.255.255.255', '0.0.0.0']) {
    const node = `apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus:\n  addresses: [{type: InternalIP, address: ${address}}]\n`;
    const d = only(imp(docs(WEB, node)).diagnostics, 'unrouted-address');
    assert.is(d.path, 'status.addresses[0].address', address);
  }
});

test('an empty input is a warning, not a crash', () => {
  assert.equal(codesOf(imp('# nothing\n').diagnostics), ['no-services']);
  assert.equal(codesOf(imp('--- 42\n').diagnostics), ['not-an-object']);
  // with an error nothing is written: no warning about what the ruleset would route
  assert.equal(codesOf(imp('apiVersion: v1\nkind: Foo\nmetadata: {name: a}\n').diagnostics), ['unknown-kind']);
});

test('a file of broken objects is read up to its 10,000th error, and reading stops there', () => {
  // documents (the yaml package's path, composed one at a time) and a JSON List's items
  const over = MAX_READ_ERRORS + 40;
  const stream = '--- {}\n'.repeat(over);
  const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: Array.from({ length: over }, () => ({})) });
  for (const [text, where] of [
    [stream, `in.yaml:${MAX_READ_ERRORS + 1}:5 `],
    [list, `in.yaml:1:${list.indexOf('[{') + 2 + 3 * MAX_READ_ERRORS} `], // `{},` each
  ] as const) {
    const r = imp(text);
    assert.is(at(only(r.diagnostics, 'too-many-errors')), where);
    assert.is(
      only(r.diagnostics, 'more-errors-omitted').message,
      `${MAX_READ_ERRORS - 25} more 'missing-kind' errors not shown (the first ones are above)`,
    );
  }
  // one error fewer: every object is read (the last one's unknown field is reported)
  const under = imp(`${'--- {}\n'.repeat(MAX_READ_ERRORS - 1)}---\n${svc('  clusterIP: 10.32.0.10\n  colour: blue')}`);
  assert.not.ok(codesOf(under.diagnostics).includes('too-many-errors'));
  assert.is(only(under.diagnostics, 'unknown-field').path, 'spec.colour');
});

test.run();
