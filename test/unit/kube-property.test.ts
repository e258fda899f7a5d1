// Properties of the Kubernetes import and of model -> .ksvc printing:
//  1. any valid model (test/property/arbitrary-model.ts) either is reported not-representable, or
//     prints to a .ksvc file that parses and checks cleanly and compiles to the same bytes
//     (iptables restore text, every node and family);
//  2. random Service/EndpointSlice/Node objects (valid for the API, with duplicates across slices,
//     partial port coverage, sloppy addresses and every condition combination) never make the
//     import throw; what it accepts round-trips the same way;
//  3. randomly mutated example files never make the import throw.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderIptables } from '../../backends/iptables/index.ts';
import { makeSourceFile } from '../../common/source.ts';
import { importKubernetes } from '../../compiler/kube/index.ts';
import { modelToAst } from '../../compiler/kube/to-ast.ts';
import { loadKsvc } from '../../compiler/load-ksvc.ts';
import { lowerModel, modelFamilies } from '../../compiler/lower/index.ts';
import type { ClusterModel } from '../../compiler/model.ts';
import { formatFile } from '../../grammar/format.ts';
import { arbitraryModel } from '../property/arbitrary-model.ts';

const RUNS = 150;

function compileAll(model: ClusterModel): string {
  const nodes = model.nodes.length > 0 ? model.nodes.map((n) => n.name) : [undefined];
  let out = '';
  for (const node of nodes) {
    for (const family of modelFamilies(model)) {
      const r = lowerModel(model, node === undefined ? { family } : { node, family });
      if (r.programs.length === 0) out += `# ${node} ${family}: ${r.diagnostics.map((d) => d.code).join(',')}\n`;
      else out += `# ${node} ${family}\n${renderIptables(r.programs[0]!, { format: 'restore' })}`;
    }
  }
  return out;
}

/** Print, read back, compare compiled output. Returns false when the model is not representable. */
function roundTrip(model: ClusterModel): boolean {
  const ast = modelToAst(model);
  if (ast.diagnostics.length > 0) {
    assert.ok(
      ast.diagnostics.every((d) => d.code === 'not-representable'),
      JSON.stringify(ast.diagnostics),
    );
    return false;
  }
  const text = formatFile(ast.file);
  const back = loadKsvc(makeSourceFile('imported.ksvc', text));
  assert.equal(
    back.diagnostics.filter((d) => d.severity === 'error'),
    [],
    text,
  );
  assert.fixture(compileAll(back.model!), compileAll(model));
  return true;
}

/**
 * The generator may let one address serve one port twice at one number (two slices listing it),
 * which the import merges and no input can say; at two numbers it is two endpoints, printed so.
 */
const servesAPortTwice = (model: ClusterModel): boolean =>
  model.services.some((s) =>
    s.ports.some((p) => {
      const served = s.endpoints
        .filter((e) => e.ports[p.name] !== undefined)
        .map((e) => `${e.address} ${e.ports[p.name]}`);
      return new Set(served).size !== served.length;
    }),
  );

test('every valid model prints to .ksvc that compiles to the same bytes (issue 11 item 16)', () => {
  let printed = 0;
  fc.assert(
    fc.property(arbitraryModel({ maxServices: 4, maxEndpoints: 5, maxNodes: 3 }), (model) => {
      const ok = roundTrip(model);
      assert.is(ok, !servesAPortTwice(model));
      if (ok) printed++;
    }),
    { numRuns: RUNS, seed: 20261127 },
  );
  assert.ok(printed > RUNS * 0.3, `${printed} of ${RUNS}`);
});

// ---------------------------------------------------------------------------------------------
// Random Kubernetes objects

const condArb = fc.oneof(
  // What the EndpointSlice controller writes (ready = serving && !terminating) ...
  fc.constantFrom(
    { ready: true, serving: true, terminating: false },
    { ready: false, serving: true, terminating: true },
    { ready: false, serving: false, terminating: true },
    { ready: false, serving: false, terminating: false },
  ),
  // ... and anything else, fields possibly missing.
  fc.record({ ready: fc.boolean(), serving: fc.boolean(), terminating: fc.boolean() }, { requiredKeys: [] }),
);

const objectsArb = fc.record({
  nodes: fc.subarray(['node-a', 'node-b', 'node-c']),
  services: fc.array(
    fc.record({
      type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer'),
      families: fc.constantFrom(['IPv4'], ['IPv6'], ['IPv4', 'IPv6'], ['IPv6', 'IPv4']),
      ports: fc.uniqueArray(
        fc.record({
          name: fc.constantFrom('http', 'https', 'dns', 'metrics'),
          protocol: fc.constantFrom('TCP', 'UDP'),
          named: fc.boolean(),
        }),
        {
          minLength: 1,
          maxLength: 3,
          selector: (p) => p.name,
        },
      ),
      local: fc.boolean(),
      affinity: fc.boolean(),
      ingress: fc.constantFrom('none', 'vip', 'proxy'),
      slices: fc.array(
        fc.record({
          family: fc.constantFrom('IPv4', 'IPv6'),
          ports: fc.subarray([0, 1, 2]),
          portBase: fc.constantFrom(8080, 9090),
          endpoints: fc.array(
            fc.record({
              host: fc.integer({ min: 1, max: 4 }),
              node: fc.option(fc.constantFrom('node-a', 'node-b', 'node-c', 'node-z')),
              cond: condArb,
              forZones: fc.subarray(['zone-node-a', 'zone-node-b']),
              forNodes: fc.subarray(['node-a', 'node-b', 'node-z']),
            }),
            { maxLength: 4 },
          ),
        }),
        { maxLength: 3 },
      ),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

type Objects = typeof objectsArb extends fc.Arbitrary<infer T> ? T : never;

function toYaml(o: Objects): string {
  const docs: unknown[] = [];
  for (const n of o.nodes)
    docs.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: n, ...(n === 'node-c' ? {} : { labels: { 'topology.kubernetes.io/zone': `zone-${n}` } }) },
      status: { addresses: [{ type: 'InternalIP', address: `192.168.0.${n.charCodeAt(5)}` }] },
    });
  let nodePort = 30000;
  o.services.forEach((s, i) => {
    const ips = s.families.map((f) => (f === 'IPv4' ? `10.32.0.0${i + 1}` : `fd00:32::${i + 1}`));
    const external = s.type !== 'ClusterIP';
    docs.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `svc-${i}`, namespace: 'ns' },
      spec: {
        type: s.type,
        clusterIP: ips[0],
        clusterIPs: ips,
        ipFamilies: s.families,
        ports: s.ports.map((p, j) => ({
          ...(s.ports.length > 1 || j > 0 ? { name: p.name } : { name: p.name }),
          port: 80 + j,
          protocol: p.protocol,
          targetPort: p.named ? `t-${p.name}` : 8080 + j,
          ...(external ? { nodePort: nodePort++ } : {}),
        })),
        ...(external ? { externalTrafficPolicy: s.local ? 'Local' : 'Cluster' } : {}),
        ...(s.type === 'LoadBalancer' && s.local ? { healthCheckNodePort: nodePort++ } : {}),
        ...(s.type === 'LoadBalancer' ? { loadBalancerSourceRanges: [' 203.0.113.000/25'] } : {}),
        internalTrafficPolicy: !external && s.local ? 'Local' : 'Cluster',
        ...(s.affinity
          ? { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 100 + i } } }
          : {}),
      },
      status: {
        loadBalancer:
          s.type === 'LoadBalancer' && s.ingress !== 'none'
            ? { ingress: [{ ip: `1.2.3.00${i + 1}`, ...(s.ingress === 'proxy' ? { ipMode: 'Proxy' } : {}) }] }
            : {},
      },
    });
    s.slices.forEach((sl, k) => {
      docs.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `svc-${i}-${k}`, namespace: 'ns', labels: { 'kubernetes.io/service-name': `svc-${i}` } },
        addressType: sl.family,
        ports: sl.ports
          .filter((j) => j < s.ports.length)
          .map((j) => ({ name: s.ports[j]!.name, protocol: s.ports[j]!.protocol, port: sl.portBase + j })),
        endpoints: sl.endpoints.map((e) => ({
          addresses: [sl.family === 'IPv4' ? `10.64.${i}.0${e.host}` : `fd00:64:${i}::${e.host}`],
          conditions: e.cond,
          ...(e.node === null ? {} : { nodeName: e.node }),
          ...(e.forZones.length + e.forNodes.length === 0
            ? {}
            : {
                hints: {
                  ...(e.forZones.length === 0 ? {} : { forZones: e.forZones.map((name) => ({ name })) }),
                  ...(e.forNodes.length === 0 ? {} : { forNodes: e.forNodes.map((name) => ({ name })) }),
                },
              }),
        })),
      });
    });
  });
  return docs.map((d) => JSON.stringify(d)).join('\n---\n');
}

test('random Kubernetes objects import without throwing and round-trip when representable', () => {
  let accepted = 0;
  let printed = 0;
  fc.assert(
    fc.property(objectsArb, (o) => {
      const text = toYaml(o);
      const r = importKubernetes([makeSourceFile('gen.yaml', text)], {
        clusterCIDRs: ['10.64.0.0/16', 'fd00:64::/48'],
      });
      // The generator only makes API-valid objects, the same address with two port numbers for one
      // service port among them (portBase differs per slice): kube-proxy uses both, and so the import.
      assert.ok(r.model, JSON.stringify(r.diagnostics));
      accepted++;
      if (roundTrip(r.model)) printed++;
    }),
    { numRuns: RUNS, seed: 42 },
  );
  assert.is(accepted, RUNS, 'every API-valid input is accepted');
  assert.ok(printed > accepted / 3, `only ${printed} of ${accepted} accepted inputs printed`);
});

// ---------------------------------------------------------------------------------------------
// Mutated input never makes the import throw

const EXAMPLE_TEXTS = ['seed-local.yaml', 'seed-clusterip.json', 'shop-dual-stack.yaml'].map((f) =>
  readFileSync(new URL(`../../examples/${f}`, import.meta.url), 'utf8'),
);
const PIECES = [
  '',
  ' ',
  '\n',
  '-',
  ':',
  '"',
  "'",
  '{',
  '}',
  '[',
  ']',
  ',',
  '#',
  '---\n',
  '&a',
  '*a',
  '!!int',
  'null',
  '0',
  '-1',
  '99999999999',
  '1.5',
  'x',
];

const mutationArb = fc.record({
  text: fc.constantFrom(...EXAMPLE_TEXTS),
  edits: fc.array(fc.record({ at: fc.nat(), len: fc.nat({ max: 12 }), insert: fc.constantFrom(...PIECES) }), {
    minLength: 1,
    maxLength: 4,
  }),
});

test('mutated examples never make the import throw; every diagnostic has a file and a code', () => {
  fc.assert(
    fc.property(mutationArb, ({ text, edits }) => {
      let t = text;
      for (const e of edits) {
        const at = e.at % (t.length + 1);
        t = t.slice(0, at) + e.insert + t.slice(at + e.len);
      }
      const r = importKubernetes([makeSourceFile('m.yaml', t)], { clusterCIDRs: ['10.64.0.0/16'] });
      for (const d of r.diagnostics) {
        assert.ok(d.code && d.message && (d.file === 'm.yaml' || d.file === ''), JSON.stringify(d));
        if (d.span)
          assert.ok(d.span.start.offset <= d.span.end.offset && d.span.end.offset <= t.length, JSON.stringify(d));
      }
      if (r.model) {
        const ast = modelToAst(r.model);
        if (ast.diagnostics.length === 0) loadKsvc(makeSourceFile('m.ksvc', formatFile(ast.file)));
      }
    }),
    { numRuns: 250, seed: 7 },
  );
});

test.run();
