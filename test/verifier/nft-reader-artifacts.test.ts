// The nft reader on real artifacts: every nftables golden, every iptables golden case and every
// example (each node) as ksvc renders it reads without error, every chain reached; the command
// document and the kernel's listing of the same load read to the same program; the hand-written
// kube-proxy-shaped and per-service-map listings read to the expected steps.
import { readdirSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renderNftablesJson } from '../../backends/nftables/index.ts';
import type { NetfilterProgram, Step } from '../../verifier/model/program.ts';
import { readNftables } from '../../verifier/nftables/index.ts';
import { exampleInputs, iptablesCases } from '../golden/nftables/scenarios.ts';
import { FIXTURES, fixturesDir, readText } from './fixtures.ts';
import { v4, withoutOrigins } from './nft-support.ts';

const test = suite('nft reader: artifacts');
const goldenDir = new URL('../golden/nftables/', import.meta.url);

function readAll(text: string, file: string): NetfilterProgram[] {
  const r = readNftables(text, { file });
  assert.equal(
    r.diagnostics.map((d) => `${d.code} ${d.path}: ${d.message}`),
    [],
    file,
  );
  return r.programs;
}

/** Every step of a program, nested ones included. */
function allSteps(p: NetfilterProgram): Step[] {
  const out: Step[] = [];
  const walk = (s: Step): void => {
    out.push(s);
    if (s.kind === 'dispatch') for (const e of s.elements) e.steps.forEach(walk);
    if (s.kind === 'numgen') for (const b of s.branches) b.steps.forEach(walk);
  };
  for (const c of p.chains.values()) for (const r of c.rules) r.steps.forEach(walk);
  return out;
}

/**
 * ksvc's own output: read; every chain it declares reached, except the two fixed helper chains
 * when nothing uses them (reject-chain without no-endpoint elements, mark-for-masquerade without
 * services), which are listed as ignored; affinity lists written where they are read.
 */
function checkKsvcDocument(json: string, name: string): void {
  const programs = readAll(json, name);
  const doc = JSON.parse(json) as { nftables: { add?: { chain?: unknown; table?: { family: string } } }[] };
  const declared = doc.nftables.filter((i) => i.add?.chain).length;
  const families = new Set(doc.nftables.flatMap((i) => (i.add?.table ? [i.add.table.family] : [])));
  assert.is(programs.length, families.size, `${name}: one program per family`);
  assert.is(
    programs.reduce((n, p) => n + p.chains.size + p.ignored.length, 0),
    declared,
    `${name}: every chain read or ignored`,
  );
  for (const p of programs) {
    assert.equal(
      p.ignored
        .map((i) => `${i.kind} ${i.name}`)
        .filter((i) => i !== 'chain reject-chain' && i !== 'chain mark-for-masquerade'),
      [],
      `${name}: nothing else ignored`,
    );
    assert.equal(
      p.baseChains.map((b) => `${b.type} ${b.hook}`).sort(),
      [
        'filter forward',
        'filter input',
        'filter output',
        'nat input',
        'nat output',
        'nat postrouting',
        'nat prerouting',
      ],
      `${name}: ksvc's seven base chains`,
    );
    const steps = allSteps(p);
    const written = new Set(steps.flatMap((s) => (s.kind === 'affinityWrite' ? [s.list] : [])));
    for (const s of steps)
      if (s.kind === 'test' && s.test.kind === 'affinity')
        assert.ok(written.has(s.test.list), `${name}: affinity list ${s.test.list} is written`);
  }
}

test('every nftables golden document reads', () => {
  const files = readdirSync(goldenDir).filter((f) => f.endsWith('.nft.json'));
  assert.ok(files.length >= 4);
  for (const f of files) checkKsvcDocument(readText(new URL(f, goldenDir)), f);
});

test('every iptables golden case, as the nftables backend renders it, reads', () => {
  for (const c of iptablesCases()) checkKsvcDocument(renderNftablesJson(c.lowered.programs), c.name);
});

test('every example, each node, reads', () => {
  const inputs = exampleInputs();
  assert.ok(inputs.some((i) => i.name === 'everything.ksvc@node-c'));
  for (const e of inputs) checkKsvcDocument(renderNftablesJson(e.lowered.programs), e.name);
});

test('command document and the kernel listing of the same load: the same program', () => {
  for (const f of FIXTURES.filter((x) => x.sameProgram)) {
    const fromDoc = withoutOrigins(readAll(readText(f.input), f.name));
    const fromListing = withoutOrigins(readAll(readText(f.listing), `${f.name}.list.json`));
    assert.fixture(fromListing, fromDoc, f.name);
  }
});

test('reading is deterministic and does not depend on the order of map elements', () => {
  const text = readText(new URL('everything-node-a.nft.json', fixturesDir));
  const doc = JSON.parse(text) as { nftables: { add?: { element?: { elem: unknown[] } } }[] };
  for (const i of doc.nftables) i.add?.element?.elem.reverse();
  assert.fixture(withoutOrigins(readAll(JSON.stringify(doc), 'reversed')), withoutOrigins(readAll(text, 'a')));
});

const chainOf = (p: NetfilterProgram, name: string) => {
  const c = p.chains.get(`ip kube-proxy/${name}`);
  assert.ok(c, name);
  return c!.rules.map((r) => r.steps);
};

test("kube-proxy's shape (listed by the kernel): numgen maps, per-endpoint affinity sets, source ranges", () => {
  const [p] = readAll(readText(new URL('kube-proxy-shape.list.json', fixturesDir)), 'kube-proxy-shape');
  assert.ok(p);
  assert.equal(
    p!.baseChains.map((b) => `${b.type} ${b.hook} ${b.priority}`),
    [
      'filter prerouting -110',
      'filter output -110',
      'filter forward 0',
      'filter input 0',
      'filter output 0',
      'nat prerouting -100',
      'nat output -100',
      'nat postrouting 100',
    ],
  );
  const svc4 = chainOf(p!, 'service-4AT6LBPK-ns4/svc4/tcp/p80');
  assert.equal(svc4[1], [
    {
      kind: 'numgen',
      modulus: 2,
      offset: 0,
      branches: [0, 1].map((k) => ({
        values: [[k, k]],
        steps: [
          {
            kind: 'verdict',
            verdict: {
              kind: 'goto',
              chain: `ip kube-proxy/endpoint-${k === 0 ? 'UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80' : '5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80'}`,
            },
          },
        ],
      })),
    },
  ]);
  const list = 'affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80';
  assert.equal(chainOf(p!, 'service-HVFWP5L3-ns5/svc5/tcp/p80')[1]![0], {
    kind: 'test',
    test: { kind: 'affinity', list, key: 'saddr', maxAgeSeconds: 10800 },
    negate: false,
  });
  assert.equal(chainOf(p!, 'endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80')[1], [
    { kind: 'affinityWrite', list, key: 'saddr' },
  ]);
  assert.equal(chainOf(p!, 'firewall-HVFWP5L3-ns5/svc5/tcp/p80')[0], [
    {
      kind: 'test',
      test: { kind: 'fields', parts: [{ field: 'saddr', ranges: [[v4('203.0.113.0'), v4('203.0.113.127')]] }] },
      negate: true,
    },
    { kind: 'verdict', verdict: { kind: 'drop' } },
  ]);
  assert.equal(chainOf(p!, 'cluster-ips-check')[0]![1], {
    kind: 'verdict',
    verdict: { kind: 'reject', with: 'port-unreachable' },
  });
});

test('per-service maps (listed by the kernel): numgen DNAT map, interval concatenations, hairpin lookup, foreign tables', () => {
  const [p] = readAll(readText(new URL('per-service-maps.list.json', fixturesDir)), 'per-service-maps');
  assert.equal(
    p!.ignored.map((i) => `${i.kind} ${i.name}`),
    ['table inet firewalld', 'table ip filter'],
  );
  const dnat = (ip: string, port: number) => [{ kind: 'verdict', verdict: { kind: 'dnat', ip, port } }];
  assert.equal(chainOf(p!, 'svc-b')[0]![1], {
    kind: 'numgen',
    modulus: 3,
    offset: 0,
    branches: [
      { values: [[0, 0]], steps: dnat('10.180.0.1', 5353) },
      { values: [[1, 1]], steps: dnat('10.180.0.2', 5353) },
      { values: [[2, 2]], steps: dnat('10.180.0.3', 53) },
    ],
  });
  const ranges = chainOf(p!, 'services')[1]![0]!;
  assert.equal(ranges.kind === 'dispatch' && ranges.elements.map((e) => e.parts), [
    [
      { field: 'daddr', ranges: [[v4('5.6.7.0'), v4('5.6.7.255')]] },
      { field: 'l4proto', protocols: ['tcp'] },
      { field: 'dport', ranges: [[8000, 8099]] },
    ],
    [
      { field: 'daddr', ranges: [[v4('5.6.8.1'), v4('5.6.8.9')]] },
      { field: 'l4proto', protocols: ['udp'] },
      { field: 'dport', ranges: [[53, 53]] },
    ],
  ]);
  const hairpin = chainOf(p!, 'nat-postrouting')[0]![0]!;
  assert.ok(hairpin.kind === 'test' && hairpin.test.kind === 'member' && hairpin.test.elements.length === 3);
  // ksvc's typed-constant key, as nft 1.0.6 lists it, names the same list for lookup and update.
  const list = 'affinity-svc-a{saddr . 10.180.0.1 . 80}';
  assert.equal(chainOf(p!, 'svc-a')[0]![0], {
    kind: 'test',
    test: { kind: 'affinity', list, key: 'saddr', maxAgeSeconds: 600 },
    negate: false,
  });
  assert.equal(chainOf(p!, 'ep-1')[0]![0], { kind: 'affinityWrite', list, key: 'saddr' });
});

test.run();
