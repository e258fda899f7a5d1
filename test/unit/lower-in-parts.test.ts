// compiler/lower-in-parts.ts: a file lowered a part at a time gives exactly the programs of parse,
// check and lower on the whole file, and declines (null) whenever the whole file has anything to
// report, including what only shows across parts (duplicates, shared-rule findings).
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKsvc } from '../../bench/generate.ts';
import type { Family } from '../../common/ip.ts';
import { makeSourceFile } from '../../common/source.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { printKsvc } from '../../compiler/kube/print-ksvc.ts';
import { loadKsvc } from '../../compiler/load-ksvc.ts';
import { type LowerOptions, lowerModel } from '../../compiler/lower/index.ts';
import { lowerKsvcInParts } from '../../compiler/lower-in-parts.ts';
import { arbitraryModel } from '../property/arbitrary-model.ts';

/** The ordinary path's programs, or null when it reports anything at all. */
function ordinary(text: string, options: LowerOptions): IRProgram[] | null {
  const front = loadKsvc(makeSourceFile('t.ksvc', text));
  if (front.model === null || front.diagnostics.length > 0) return null;
  const lowered = lowerModel(front.model, options);
  return lowered.diagnostics.length > 0 ? null : lowered.programs;
}

const inParts = (text: string, options: LowerOptions, partServices: number): IRProgram[] | null =>
  lowerKsvcInParts(makeSourceFile('t.ksvc', text), options, partServices);

/** Both paths agree: the same programs, or both decline. */
function assertSame(text: string, options: LowerOptions, partServices: number, label: string): void {
  const want = ordinary(text, options);
  const got = inParts(text, options, partServices);
  if (want === null) assert.is(got, null, `${label}: the ordinary path reports something, so parts must decline`);
  else assert.equal(got, want, `${label}: parts of ${partServices}`);
}

const optionVariants = (nodes: readonly string[]): LowerOptions[] => {
  const node = nodes[0];
  const base: LowerOptions = node === undefined ? {} : { node };
  return [
    base,
    { ...base, family: 'ipv4' },
    { ...base, family: 'ipv6' },
    {
      ...base,
      overrides: { masqueradeAll: true, localhostNodePorts: false },
      environment: { nfacct: false, randomFully: false, conntrackLiberal: true },
    },
    ...nodes.slice(1).map((n) => ({ node: n })),
    { node: 'no-such-node' },
  ];
};

test('generated clusters of every shape: the same programs, whatever the part size', () => {
  const shapes = [
    { services: 300, endpointsPerService: 4, seed: 3 },
    { services: 200, endpointsPerService: 6, seed: 4, singlePort: true, etpLocalShare: 0.5, affinityShare: 0.05 },
    { services: 150, endpointsPerService: 3, seed: 5, affinityShare: 1 },
  ];
  for (const shape of shapes) {
    const text = generateKsvc(shape);
    const nodes = loadKsvc(makeSourceFile('t.ksvc', text)).model!.nodes.map((n) => n.name);
    for (const options of optionVariants(nodes.slice(0, 2))) {
      for (const size of [1, 7, 256]) assertSame(text, options, size, `seed ${shape.seed}`);
    }
    const programs = inParts(text, { node: nodes[0]! }, 7);
    assert.ok(programs !== null && programs[0]!.servicePorts.length >= shape.services, 'the fast path answered');
  }
});

test('every bundled example, for every node and family', () => {
  const dir = new URL('../../examples/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.ksvc'));
  assert.ok(files.length >= 4, 'the examples are found');
  for (const f of files) {
    const text = readFileSync(new URL(f, dir), 'utf8');
    const nodes = loadKsvc(makeSourceFile(f, text)).model?.nodes.map((n) => n.name) ?? [];
    for (const options of optionVariants(nodes)) for (const size of [1, 2, 256]) assertSame(text, options, size, f);
  }
});

test('random generated clusters and part sizes: the same programs', () => {
  let answered = 0;
  const shape = fc.record({
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    services: fc.integer({ min: 1, max: 30 }),
    endpointsPerService: fc.integer({ min: 1, max: 5 }),
    nodes: fc.integer({ min: 1, max: 4 }),
    singlePort: fc.boolean(),
    etpLocalShare: fc.double({ min: 0, max: 1, noNaN: true }),
    affinityShare: fc.double({ min: 0, max: 1, noNaN: true }),
  });
  fc.assert(
    fc.property(shape, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 5 }), (options, size, pick) => {
      const text = generateKsvc(options);
      const nodes = loadKsvc(makeSourceFile('t.ksvc', text)).model!.nodes.map((n) => n.name);
      const variants = optionVariants(nodes);
      const lowerOptions = variants[pick % variants.length]!;
      assertSame(text, lowerOptions, size, `seed ${options.seed}`);
      if (inParts(text, { node: nodes[0]! }, size) !== null) answered++;
    }),
    { numRuns: 150, seed: 42 },
  );
  assert.is(answered, 150, 'a generated cluster is clean: the fast path answers for every one');
});

test('random models, mostly with something to report: the same programs, or both decline', () => {
  fc.assert(
    fc.property(arbitraryModel({ maxServices: 6 }), fc.integer({ min: 1, max: 4 }), (model, size) => {
      const printed = printKsvc(model);
      if (printed.text === null) return;
      for (const options of optionVariants(model.nodes.map((n) => n.name).slice(0, 2))) {
        assertSame(printed.text, options, size, 'random model');
      }
    }),
    { numRuns: 150, seed: 42 },
  );
});

const header = 'cluster {\n  masq bit 14\n}\nnode n1 {\n  address 192.168.0.1\n  podCIDR 10.244.1.0/24\n}\n';
const service = (name: string, ip: string, portExtra = '') =>
  `service default/${name} {\n  http: ClusterIP ${ip}:80/tcp${portExtra} -> endpoints:8080\n  endpoints 10.244.1.5 on n1\n}\n`;

test('a clean file with services in several parts is answered', () => {
  const text = header + service('a', '10.96.0.1') + service('b', '10.96.0.2') + service('c', '10.96.0.3');
  const got = inParts(text, { node: 'n1' }, 1);
  assert.ok(got !== null, 'answered');
  assert.equal(got, ordinary(text, { node: 'n1' }));
});

test('declines what only shows across parts, and anything the ordinary path reports', () => {
  // Valid files the ordinary path takes: the parts pipeline needs the cluster and node blocks first.
  const layout = service('a', '10.96.0.1') + header;
  assert.is(inParts(layout, {}, 1), null, 'a node block after a service');
  assert.ok(ordinary(layout, {}) !== null, 'which is valid');
  const cases: [string, string, LowerOptions][] = [
    ['a service declared in two parts', header + service('a', '10.96.0.1') + service('a', '10.96.0.2'), {}],
    ['one cluster IP in two parts', header + service('a', '10.96.0.1') + service('b', '10.96.0.1'), {}],
    [
      'a warning in a later part',
      header + service('a', '10.96.0.1') + service('b', '10.96.0.2', ' nodePort 30080'),
      {},
    ],
    [
      "a cluster IP that is an earlier part's endpoint",
      header + service('a', '10.96.0.1') + service('b', '10.244.1.5'),
      {},
    ],
    ['no service at all', header, {}],
    ['an unknown node', header + service('a', '10.96.0.1'), { node: 'n9' }],
    ['an unused family', header + service('a', '10.96.0.1'), { family: 'ipv6' as Family }],
    ['a lexing error in a later piece', `${header + service('a', '10.96.0.1')}\u0001\n`, {}],
  ];
  for (const [label, text, options] of cases) {
    assert.is(inParts(text, options, 1), null, label);
    assert.is(ordinary(text, options), null, `${label}: the ordinary path reports it`);
  }
});

test.run();
