// compiler/lower-in-parts.ts: a file lowered a part at a time gives exactly the programs and the
// warnings of parse, check and lower on the whole file, and declines (null) whenever the whole file
// has an error, including what only shows across parts (duplicates, shared-rule findings).
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKsvc } from '../../bench/generate.ts';
import { type Diagnostic, sortDiagnostics } from '../../common/diagnostics.ts';
import type { Family } from '../../common/ip.ts';
import { makeSourceFile } from '../../common/source.ts';
import { printKsvc } from '../../compiler/kube/print-ksvc.ts';
import { loadKsvc } from '../../compiler/load-ksvc.ts';
import { type LowerOptions, lowerModel } from '../../compiler/lower/index.ts';
import { type LoweredInParts, lowerKsvcInParts } from '../../compiler/lower-in-parts.ts';
import { MAX_DIAGNOSTICS_PER_CODE } from '../../compiler/shared-rules/cap.ts';
import { arbitraryModel } from '../property/arbitrary-model.ts';

/** The ordinary path's programs and warnings, or null when it reports an error. */
function ordinary(text: string, options: LowerOptions): LoweredInParts | null {
  const front = loadKsvc(makeSourceFile('t.ksvc', text));
  if (front.model === null) return null;
  const lowered = lowerModel(front.model, options);
  return lowered.diagnostics.length > 0 ? null : { programs: lowered.programs, diagnostics: front.diagnostics };
}

const inParts = (text: string, options: LowerOptions, partServices: number): LoweredInParts | null =>
  lowerKsvcInParts(makeSourceFile('t.ksvc', text), options, partServices);

/** Diagnostics as the CLI shows them: sorted, spans as lines and columns. */
const shown = (ds: readonly Diagnostic[]): string => JSON.stringify(sortDiagnostics(ds));

/**
 * Why parts may decline a file without errors: the ordinary path shows fewer warnings of some code
 * than it found (which ones depends on the whole file's order), or the file has no service, or a
 * cluster or node block after a service.
 */
function mayDecline(text: string, r: LoweredInParts): boolean {
  if (r.diagnostics.some((d) => d.code === 'more-warnings-omitted')) return true;
  const kinds = loadKsvc(makeSourceFile('t.ksvc', text)).ast.blocks.map((b) => b.kind);
  const firstService = kinds.indexOf('Service');
  return firstService < 0 || kinds.slice(firstService).some((k) => k !== 'Service');
}

/** Both paths agree: the same programs and warnings, or both decline. */
function assertSame(text: string, options: LowerOptions, partServices: number, label: string): void {
  const want = ordinary(text, options);
  const got = inParts(text, options, partServices);
  if (want === null) {
    assert.is(got, null, `${label}: the ordinary path reports an error, so parts must decline`);
    return;
  }
  if (got === null) {
    assert.ok(mayDecline(text, want), `${label}: parts of ${partServices} declined a file without errors`);
    return;
  }
  assert.equal(got.programs, want.programs, `${label}: parts of ${partServices}`);
  assert.is(shown(got.diagnostics), shown(want.diagnostics), `${label}: warnings, parts of ${partServices}`);
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
    const lowered = inParts(text, { node: nodes[0]! }, 7);
    assert.ok(lowered !== null && lowered.programs[0]!.servicePorts.length >= shape.services, 'answered');
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

test('random models, mostly with warnings or errors: the same programs and warnings, or both decline', () => {
  let warned = 0;
  fc.assert(
    fc.property(arbitraryModel({ maxServices: 6 }), fc.integer({ min: 1, max: 4 }), (model, size) => {
      const printed = printKsvc(model);
      if (printed.text === null) return;
      for (const options of optionVariants(model.nodes.map((n) => n.name).slice(0, 2))) {
        assertSame(printed.text, options, size, 'random model');
        if ((inParts(printed.text, options, size)?.diagnostics.length ?? 0) > 0) warned++;
      }
    }),
    { numRuns: 150, seed: 42 },
  );
  assert.ok(warned > 20, `files with warnings were answered (${warned})`);
});

const header = 'cluster {\n  masq bit 14\n}\nnode n1 {\n  address 192.168.0.1\n  podCIDR 10.244.1.0/24\n}\n';
const service = (name: string, ip: string, portExtra = '', clause = '') =>
  `service default/${name} {\n  http: ClusterIP ${ip}:80/tcp${portExtra} -> endpoints:8080${clause}\n  endpoints 10.244.1.5 on n1\n}\n`;
/** A ClusterIP service with externalTrafficPolicy: a warning of its own (not applicable). */
const etp = ', externalTrafficPolicy local';

test('a clean file with services in several parts is answered', () => {
  const text = header + service('a', '10.96.0.1') + service('b', '10.96.0.2') + service('c', '10.96.0.3');
  const got = inParts(text, { node: 'n1' }, 1);
  assert.ok(got !== null, 'answered');
  assert.equal(got.programs, ordinary(text, { node: 'n1' })?.programs);
  assert.equal(got.diagnostics, []);
});

test('warnings: each once, wherever found, as the ordinary path gives them', () => {
  const cases: [string, string][] = [
    ['a warning in a later part', header + service('a', '10.96.0.1') + service('b', '10.96.0.2', '', etp)],
    [
      "a cluster IP that is an earlier part's endpoint",
      header + service('a', '10.96.0.1') + service('b', '10.244.1.5'),
    ],
    [
      'a warning about the cluster block, which every part sees',
      header.replace('masq bit 14', 'masq from outside node podCIDR').replace('  podCIDR 10.244.1.0/24\n', '') +
        service('a', '10.96.0.1') +
        service('b', '10.96.0.2'),
    ],
    [
      'reported at the first of the services that use pod-CIDR detection only',
      header.replace('  podCIDR 10.244.1.0/24\n', '') +
        service('a', '10.96.0.1') +
        service('b', '10.96.0.2').replace('\n}', '\n  masq from outside node podCIDR\n}') +
        service('c', '10.96.0.3').replace('\n}', '\n  masq from outside node podCIDR\n}'),
    ],
  ];
  for (const [label, text] of cases) {
    const got = inParts(text, {}, 1);
    assert.ok(got !== null && got.diagnostics.length > 0, `${label}: answered, with warnings`);
    assertSame(text, {}, 1, label);
  }
  const many =
    header +
    Array.from({ length: MAX_DIAGNOSTICS_PER_CODE + 1 }, (_, i) =>
      service(`s${i}`, `10.96.0.${i + 1}`, ' nodePort 30080'),
    ).join('');
  assert.is(inParts(many, {}, 4), null, 'more warnings of one code than are shown: the ordinary path decides which');
  assertSame(many, {}, 4, 'capped');
});

test('declines every error, also what only shows across parts', () => {
  // Files without errors that the ordinary path takes: the parts pipeline needs the cluster and node
  // blocks first, and a service (no-services is a warning about the whole file).
  for (const [label, text] of [
    ['a node block after a service', service('a', '10.96.0.1') + header],
    ['no service at all', header],
  ]) {
    assert.is(inParts(text!, {}, 1), null, label);
    assert.ok(ordinary(text!, {}) !== null, `${label}: no error`);
  }
  const cases: [string, string, LowerOptions][] = [
    ['a service declared in two parts', header + service('a', '10.96.0.1') + service('a', '10.96.0.2'), {}],
    ['one cluster IP in two parts', header + service('a', '10.96.0.1') + service('b', '10.96.0.1'), {}],
    ['an error in a later part', header + service('a', '10.96.0.1') + service('b', '10.96.0.2', ' nodePort 99999'), {}],
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
