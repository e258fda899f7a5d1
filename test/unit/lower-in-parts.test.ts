// compiler/lower-in-parts.ts: a file lowered a part at a time gives exactly the programs and the
// diagnostics of parse, check and lower on the whole file (its errors when it has any), including
// what only shows across parts (shared-rule findings), and declines (null) only where it says.
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

interface Ordinary extends Pick<LoweredInParts, 'programs' | 'diagnostics'> {
  /** Lowering reported something (an unknown node, an unused family): parts decline. */
  lowerReported: boolean;
}

/** The ordinary path: parse and check the whole file, then lower it when it has no error. */
function ordinary(text: string, options: LowerOptions): Ordinary {
  const front = loadKsvc(makeSourceFile('t.ksvc', text));
  if (front.model === null) return { programs: null, diagnostics: front.diagnostics, lowerReported: false };
  const lowered = lowerModel(front.model, options);
  return { programs: lowered.programs, diagnostics: front.diagnostics, lowerReported: lowered.diagnostics.length > 0 };
}

const inParts = (text: string, options: LowerOptions, partServices: number): LoweredInParts | null =>
  lowerKsvcInParts(makeSourceFile('t.ksvc', text), options, partServices);

/** Diagnostics as the CLI shows them: sorted, spans as lines and columns. */
const shown = (ds: readonly Diagnostic[]): string => JSON.stringify(sortDiagnostics(ds));

/**
 * Why parts may decline: lowering reports something; the ordinary path shows fewer diagnostics of
 * some code than it found (which ones depends on the whole file's order); a service is declared
 * twice; the file has no service, or a cluster or node block after a service.
 */
function mayDecline(text: string, r: Ordinary): boolean {
  if (r.lowerReported) return true;
  const codes = new Set(r.diagnostics.map((d) => d.code));
  if (codes.has('more-warnings-omitted') || codes.has('more-errors-omitted') || codes.has('duplicate-service'))
    return true;
  const kinds = loadKsvc(makeSourceFile('t.ksvc', text)).ast.blocks.map((b) => b.kind);
  const firstService = kinds.indexOf('Service');
  return firstService < 0 || kinds.slice(firstService).some((k) => k !== 'Service');
}

/** Both paths agree: the same programs (or none) and diagnostics, unless parts may decline. */
function assertSame(text: string, options: LowerOptions, partServices: number, label: string): void {
  const want = ordinary(text, options);
  const got = inParts(text, options, partServices);
  if (got === null) {
    assert.ok(mayDecline(text, want), `${label}: parts of ${partServices} declined`);
    return;
  }
  assert.not.ok(want.lowerReported, `${label}: lowering reports something, so parts must decline`);
  assert.equal(got.programs, want.programs, `${label}: parts of ${partServices}`);
  assert.is(shown(got.diagnostics), shown(want.diagnostics), `${label}: diagnostics, parts of ${partServices}`);
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
    assert.ok((lowered?.programs?.[0]?.servicePorts.length ?? 0) >= shape.services, 'answered');
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

test('random models, mostly with warnings: the same programs and diagnostics', () => {
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

/** The index of the k-th line (cyclically) that `is` picks, or -1. */
function nthLine(lines: readonly string[], is: (l: string) => boolean, k: number): number {
  const picked = lines.flatMap((l, i) => (is(l) ? [i] : []));
  return picked.length === 0 ? -1 : picked[k % picked.length]!;
}

/** Seeded defects for generated files: errors, a warning, a syntax error, one that spans parts. */
const defects: ((lines: string[], k: number) => void)[] = [
  (lines, k) => {
    const i = nthLine(lines, (l) => l.includes(': ClusterIP '), k);
    if (i >= 0) lines[i] = lines[i]!.replace(' -> ', ' nodePort 30999 -> '); // node-port-on-cluster-ip
  },
  (lines, k) => {
    const i = nthLine(lines, (l) => l.trimStart().startsWith('endpoints '), k);
    if (i >= 0) lines[i] = lines[i]!.replace(/endpoints (\d+\.\d+\.\d+)\.\d+/, 'endpoints $1.999'); // invalid address
  },
  (lines, k) => {
    const i = nthLine(lines, (l) => / on node-\d+/.test(l), k);
    if (i >= 0) lines[i] = lines[i]!.replace(/ on node-\d+/, ' on node-zz'); // unknown node
  },
  (lines, k) => {
    const i = nthLine(lines, (l) => l.includes(': ClusterIP '), k);
    if (i >= 0) lines[i] += ', externalTrafficPolicy local'; // a warning
  },
  (lines, k) => {
    const i = nthLine(lines, (l) => l.includes(' -> '), k);
    if (i >= 0) lines[i] = lines[i]!.replace(' -> ', ' ->> '); // a syntax error
  },
  (lines, k) => {
    // the first service's cluster IP in a later service: found only across parts
    const first = nthLine(lines, (l) => l.includes(': ClusterIP '), 0);
    const i = nthLine(lines, (l) => l.includes(': ClusterIP '), k + 1);
    const ip = first >= 0 ? /ClusterIP (\S+):/.exec(lines[first]!)?.[1] : undefined;
    if (ip !== undefined && i > first) lines[i] = lines[i]!.replace(/ClusterIP \S+:/, `ClusterIP ${ip}:`);
  },
];

test('random generated clusters with seeded defects: the same programs or errors, and diagnostics', () => {
  const outcome = { failed: 0, warned: 0 };
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1_000_000 }),
      fc.integer({ min: 2, max: 25 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: defects.length - 1 }), fc.nat(40)), { minLength: 1, maxLength: 3 }),
      fc.integer({ min: 1, max: 6 }),
      (seed, services, picked, size) => {
        const lines = generateKsvc({ services, endpointsPerService: 3, seed }).split('\n');
        for (const [d, k] of picked) defects[d]!(lines, k);
        const text = lines.join('\n');
        assertSame(text, { node: 'node-01' }, size, `seed ${seed}`);
        const got = inParts(text, { node: 'node-01' }, size);
        if (got?.programs === null) outcome.failed++;
        else if ((got?.diagnostics.length ?? 0) > 0) outcome.warned++;
      },
    ),
    { numRuns: 200, seed: 11 },
  );
  assert.ok(outcome.failed > 50, `files with errors were answered (${outcome.failed})`);
  assert.ok(outcome.warned > 5, `files with warnings only were answered (${outcome.warned})`);
});

const header = 'cluster {\n  masq bit 14\n}\nnode n1 {\n  address 192.168.0.1\n  podCIDR 10.244.1.0/24\n}\n';
const service = (name: string, ip: string, portExtra = '', clause = '') =>
  `service default/${name} {\n  http: ClusterIP ${ip}:80/tcp${portExtra} -> endpoints:8080${clause}\n  endpoints 10.244.1.5 on n1\n}\n`;
/** A ClusterIP service with externalTrafficPolicy: a warning of its own (not applicable). */
const etp = ', externalTrafficPolicy local';
/** A ClusterIP port with a nodePort: an error of its own. */
const nodePort = (n: number) => ` nodePort ${n}`;
const withMasq = (block: string) => block.replace('\n}', '\n  masq from outside node podCIDR\n}');

test('a clean file with services in several parts is answered', () => {
  const text = header + service('a', '10.96.0.1') + service('b', '10.96.0.2') + service('c', '10.96.0.3');
  const got = inParts(text, { node: 'n1' }, 1);
  assert.ok(got !== null, 'answered');
  assert.equal(got.programs, ordinary(text, { node: 'n1' }).programs);
  assert.equal(got.diagnostics, []);
});

test('warnings: each once, wherever found, as the ordinary path gives them', () => {
  const noPodCIDR = header.replace('  podCIDR 10.244.1.0/24\n', '');
  const cases: [string, string][] = [
    ['a warning in a later part', header + service('a', '10.96.0.1') + service('b', '10.96.0.2', '', etp)],
    [
      "a cluster IP that is an earlier part's endpoint",
      header + service('a', '10.96.0.1') + service('b', '10.244.1.5'),
    ],
    [
      'a warning about the cluster block, which every part sees',
      noPodCIDR.replace('masq bit 14', 'masq from outside node podCIDR') +
        service('a', '10.96.0.1') +
        service('b', '10.96.0.2'),
    ],
    [
      'reported at the first of the services that use pod-CIDR detection only',
      noPodCIDR + service('a', '10.96.0.1') + withMasq(service('b', '10.96.0.2')) + withMasq(service('c', '10.96.0.3')),
    ],
  ];
  for (const [label, text] of cases) {
    const got = inParts(text, {}, 1);
    assert.ok(got?.programs && got.diagnostics.length > 0, `${label}: answered, with programs and warnings`);
    assertSame(text, {}, 1, label);
  }
});

test('errors: each once, wherever found, as the ordinary path gives them, and no programs', () => {
  const badNode = header.replace('node n1', 'node N_1').replace('on n1', 'on N_1');
  const cases: [string, string][] = [
    ['an error in a later part', header + service('a', '10.96.0.1') + service('b', '10.96.0.2', nodePort(30080))],
    ['one cluster IP in two parts', header + service('a', '10.96.0.1') + service('b', '10.96.0.1')],
    [
      'an error of the node block, which every part sees',
      badNode + service('a', '10.96.0.1') + service('b', '10.96.0.2') + service('c', '10.96.0.3'),
    ],
    [
      'errors in the first part and later ones',
      header +
        service('a', '10.96.0.1', nodePort(30080)) +
        service('b', '10.96.0.2') +
        service('c', '10.96.0.3', nodePort(30081)),
    ],
    ['a lexing error in a later piece', `${header + service('a', '10.96.0.1')}\u0001\n`],
    [
      'a grammar error in a later part',
      header + service('a', '10.96.0.1') + service('b', '10.96.0.2').replace(' -> ', ' ->> '),
    ],
  ];
  for (const [label, text] of cases) {
    const got = inParts(text, {}, 1);
    assert.ok(got !== null && got.programs === null, `${label}: answered, without programs`);
    assert.ok(
      got.diagnostics.some((d) => d.severity === 'error'),
      `${label}: with errors`,
    );
    assertSame(text, {}, 1, label);
  }
});

test('declines what it cannot word or decide, and the ordinary path then does', () => {
  const cases: [string, string, LowerOptions][] = [
    ['a node block after a service', service('a', '10.96.0.1') + header, {}],
    ['no service at all', header, {}],
    ['a service declared in two parts', header + service('a', '10.96.0.1') + service('a', '10.96.0.2'), {}],
    ['an unknown node', header + service('a', '10.96.0.1'), { node: 'n9' }],
    ['an unused family', header + service('a', '10.96.0.1'), { family: 'ipv6' as Family }],
    [
      'more warnings of one code than are shown (the whole file decides which)',
      header +
        Array.from({ length: MAX_DIAGNOSTICS_PER_CODE + 1 }, (_, i) =>
          service(`s${i}`, `10.96.0.${i + 1}`, '', etp),
        ).join(''),
      {},
    ],
  ];
  for (const [label, text, options] of cases) {
    assert.is(inParts(text, options, 4), null, label);
    assert.ok(mayDecline(text, ordinary(text, options)), `${label}: a reason to decline`);
  }
});

test.run();
