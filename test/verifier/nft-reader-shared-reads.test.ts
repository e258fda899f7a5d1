// A named map or set is read once per key and kept for every rule that reads it the same way
// (lookup.ts, match.ts): each rule must still get exactly what reading it alone gives, rules with
// different statement ports must get their own targets, and a bad element must be reported at
// every rule that reads it, as before. sortKey (the order of dispatch and member elements) and
// elementId (an element's identity) are written out by hand and must stay the JSON they stand for;
// compareKeys and sortedOrder must order as those JSON texts do.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { KeyPart } from '../../verifier/model/program.ts';
import { elementId, scalarOrConcatId } from '../../verifier/nftables/elements.ts';
import { compareKeys, sortedOrder, sortKey } from '../../verifier/nftables/order.ts';
import { concat, match, meta, oneChain, payload, read, steps, v4, verdict } from './nft-support.ts';

const test = suite('nft reader: maps and sets read once, for every rule');

const KEY = concat(payload('ip', 'daddr'), meta('l4proto'), payload('th', 'dport'));
const l4 = match('==', meta('l4proto'), 'tcp');
const dnatVia = (map: string, port: number) => ({ dnat: { addr: { map: { key: KEY, data: `@${map}` } }, port } });
const portMap = (name: string, elem: unknown[]) => ({
  name,
  type: ['ipv4_addr', 'inet_proto', 'inet_service'],
  map: 'ipv4_addr',
  elem,
});
const ELEMENTS = [
  [concat('10.96.0.2', 'tcp', 443), '10.64.0.2'],
  [concat('10.96.0.1', 'tcp', 80), '10.64.0.1'],
  [concat('10.96.0.3', 'udp', 53), '10.64.0.3'],
];

test('rules reading one map: each gets what it gets alone; the same port shares the dispatch, every port the elements', () => {
  const rules = [
    [l4, dnatVia('m', 8080)],
    [l4, dnatVia('m', 9000)],
    [l4, dnatVia('m', 8080)],
  ];
  const together = steps(oneChain(rules, { maps: [portMap('m', ELEMENTS)] }));
  rules.forEach((rule, i) => {
    const alone = steps(oneChain([rule], { maps: [portMap('m', ELEMENTS)] }))[0];
    assert.equal(together[i], alone, `rule ${i}`);
  });
  const dispatch = (i: number) => together[i]![1]!;
  assert.is(dispatch(0), dispatch(2), 'the same map with the same port: one dispatch step');
  assert.is.not(dispatch(0), dispatch(1));
  const d = dispatch(1);
  const d0 = dispatch(0);
  assert.ok(d.kind === 'dispatch' && d0.kind === 'dispatch');
  if (d.kind !== 'dispatch' || d0.kind !== 'dispatch') return;
  // The map gives the address, the statement the port: one element list for both ports.
  assert.is(d.dnatPort, 9000);
  assert.is(d0.dnatPort, 8080);
  assert.is(d.elements, d0.elements);
  // Ordered by key: 10.96.0.1 first, as the map's order does not say.
  assert.equal(d.elements[0]!.parts[0], { field: 'daddr', ranges: [[v4('10.96.0.1'), v4('10.96.0.1')]] });
  assert.equal(
    d.elements.map((e) => e.steps),
    ['10.64.0.1', '10.64.0.2', '10.64.0.3'].map((ip) => [verdict({ kind: 'dnat', ip, port: null })]),
  );
});

test('a constant in the keys of two maps is one part; an element still reads as it does alone', () => {
  const other = ELEMENTS.map(([k]) => [k, '10.65.0.9']);
  const rules = [
    [l4, dnatVia('m', 8080)],
    [l4, dnatVia('n', 8080)],
  ];
  const together = steps(oneChain(rules, { maps: [portMap('m', ELEMENTS), portMap('n', other)] }));
  const elements = (i: number) => {
    const d = together[i]![1]!;
    return d.kind === 'dispatch' ? d.elements : [];
  };
  assert.is(elements(0).length, 3);
  elements(0).forEach((e, k) => {
    assert.is.not(e, elements(1)[k]);
    for (const [j, p] of e.parts.entries()) assert.is(p, elements(1)[k]!.parts[j], `element ${k}, part ${j}`);
  });
  const alone = steps(oneChain([rules[1]!], { maps: [portMap('n', other)] }))[0];
  assert.equal(together[1], alone);
});

test('a bad map value is reported at every rule that reads it, a bad key likewise', () => {
  const badValue = [...ELEMENTS, [concat('10.96.0.4', 'tcp', 80), '300.0.0.1']];
  const rules = [
    [l4, dnatVia('m', 8080)],
    [l4, dnatVia('m', 8080)],
  ];
  const r = read(oneChain(rules, { maps: [portMap('m', badValue)] }));
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(
    errors.map((d) => d.code),
    ['nft-bad-value', 'nft-bad-value'],
  );
  assert.equal(r.programs, []);
  const badKey = [...ELEMENTS, [concat('10.96.0.4', 'tcp', 70000), '10.64.0.4']];
  const k = read(oneChain(rules, { maps: [portMap('m', badKey)] }));
  assert.equal(
    k.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code),
    ['nft-bad-value', 'nft-bad-value'],
  );
});

test('an unguarded port read is checked at each rule (the guard is the rule’s own)', () => {
  const rules = [
    [l4, dnatVia('m', 8080)],
    [dnatVia('m', 8080)], // no protocol test, but the map key reads meta l4proto: every element is tcp/udp
  ];
  const ok = read(oneChain(rules, { maps: [portMap('m', ELEMENTS)] }));
  assert.equal(
    ok.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const icmp = [...ELEMENTS, [concat('10.96.0.5', 'icmp', 0), '10.64.0.5']];
  const r = read(oneChain([[l4, dnatVia('m', 8080)], [dnatVia('m', 8080)]], { maps: [portMap('m', icmp)] }));
  assert.equal(
    r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code),
    ['nft-unguarded-port'],
    'only the rule without a tcp test reads a port of an icmp element',
  );
});

test('a named set tested by several rules: one membership step per negation', () => {
  const hairpin = {
    name: 'hairpin',
    type: ['ipv4_addr', 'ipv4_addr'],
    elem: [concat('10.64.0.2', '10.64.0.2'), concat('10.64.0.1', '10.64.0.1')],
  };
  const key = concat(payload('ip', 'saddr'), payload('ip', 'daddr'));
  const rules = [
    [match('==', key, '@hairpin'), { accept: null }],
    [match('!=', key, '@hairpin'), { accept: null }],
    [match('==', key, '@hairpin'), { drop: null }],
  ];
  const got = steps(oneChain(rules, { sets: [hairpin] }));
  assert.is(got[0]![0], got[2]![0]);
  assert.equal(got[1]![0], { ...got[0]![0]!, negate: true });
  rules.forEach((rule, i) => {
    assert.equal(got[i], steps(oneChain([rule], { sets: [hairpin] }))[0], `rule ${i}`);
  });
});

// sortKey against the JSON it stands for: its texts joined as a JSON array.
const joined = (parts: readonly KeyPart[]): string => `[${sortKey(parts, new Map()).join(',')}]`;
const reference = (parts: readonly KeyPart[]): string =>
  JSON.stringify(parts, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString(16).padStart(32, '0') : v));

const address = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
const port = fc.integer({ min: 0, max: 65535 });
const part: fc.Arbitrary<KeyPart> = fc.oneof(
  fc.record({
    field: fc.constantFrom('saddr' as const, 'daddr' as const),
    ranges: fc.array(fc.tuple(address, address), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    field: fc.constantFrom('sport' as const, 'dport' as const),
    ranges: fc.array(fc.tuple(port, port), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    field: fc.constant('l4proto' as const),
    protocols: fc.subarray(['tcp', 'udp', 'sctp', 'icmp', 'other'] as const, { minLength: 1 }),
  }),
  fc.record({
    field: fc.constantFrom('iifname' as const, 'oifname' as const),
    names: fc.array(fc.record({ name: fc.string({ maxLength: 6 }), prefix: fc.boolean() }), { maxLength: 2 }),
  }),
  fc.record({ field: fc.constantFrom('saddrLocal' as const, 'daddrLocal' as const), local: fc.constant(true) }),
);

test('sortKey joined is the parts’ JSON (bigints as 32 hex digits)', () => {
  fc.assert(
    fc.property(fc.array(part, { maxLength: 4 }), (parts) => joined(parts) === reference(parts)),
    { numRuns: 2000, seed: 9 },
  );
});

test('compareKeys on sortKey orders parts as their JSON texts do', () => {
  const sign = (n: number) => Math.sign(n);
  const textOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  // the second list shares a prefix of the first one's part objects, as elements of one map do
  const pair = fc
    .tuple(fc.array(part, { maxLength: 4 }), fc.array(part, { maxLength: 4 }), fc.nat(4))
    .map(([a, rest, k]) => [a, [...a.slice(0, k), ...rest]] as const);
  fc.assert(
    fc.property(pair, ([a, b]) => {
      const expected = sign(textOrder(reference(a), reference(b)));
      return (
        sign(compareKeys(sortKey(a, new Map()), sortKey(b, new Map()))) === expected &&
        sign(compareKeys(sortKey(b, new Map()), sortKey(a, new Map()))) === -expected
      );
    }),
    { numRuns: 3000, seed: 13 },
  );
});

// sortedOrder (ranks per position, addresses by their bounds) against a stable sort of the JSON
// texts: elements of one length drawn from a few parts per position (shared objects and equal
// copies, as a map's elements have), small and large addresses, and now and then mixed lengths.
test('sortedOrder orders elements as their JSON texts do, equal ones in their order', () => {
  const bound = fc.oneof(
    fc.bigInt({ min: 0n, max: 20n }),
    fc.bigInt({ min: (1n << 53n) - 3n, max: (1n << 53n) + 3n }),
    fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
  );
  const address: fc.Arbitrary<KeyPart> = fc.record({
    field: fc.constantFrom('saddr' as const, 'daddr' as const),
    ranges: fc.array(fc.tuple(bound, bound), { minLength: 1, maxLength: 2 }),
  });
  // single addresses (one bound twice), the common key part, are ranked by a native sort
  const single: fc.Arbitrary<KeyPart> = fc.record({
    field: fc.constantFrom('saddr' as const, 'daddr' as const),
    ranges: bound.map((b) => [[b, b] as const]),
  });
  const pool = fc.oneof(
    fc.array(fc.oneof(address, address, part), { minLength: 1, maxLength: 6 }),
    fc.array(single, { minLength: 1, maxLength: 6 }),
  );
  const pools = fc.array(pool, {
    minLength: 1,
    maxLength: 3,
  });
  const elements = pools.chain((pool) =>
    fc
      .array(
        fc.tuple(fc.array(fc.nat(), { minLength: pool.length, maxLength: pool.length }), fc.boolean(), fc.nat(9)),
        { maxLength: 30 },
      )
      .map((picks) =>
        picks.map(([at, copy, cut]) => {
          const e = at.map((k, j) => pool[j]![k % pool[j]!.length]!).map((p) => (copy ? { ...p } : p));
          return cut === 0 ? e.slice(1) : e;
        }),
      ),
  );
  fc.assert(
    fc.property(elements, (els) => {
      const texts = els.map(reference);
      const expected = els
        .map((_, i) => i)
        .sort((a, b) => (texts[a]! < texts[b]! ? -1 : texts[a]! > texts[b]! ? 1 : 0));
      return sortedOrder(els, new Map()).join() === expected.join();
    }),
    { numRuns: 3000, seed: 17 },
  );
});

// elementId against the JSON it stands for: numeric strings (decimal or 0x) as numbers.
const idReference = (key: unknown): string =>
  JSON.stringify(key, (_k, v: unknown) =>
    typeof v === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v) ? Number(v) : v,
  );
const scalar = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 40 }),
  fc.constantFrom('10.96.0.1', 'tcp', '0x4000', '0X10', '8080', '007', '1e3', '-1', 'a"b\\c', ''),
  fc.integer({ min: 0, max: 1e6 }).map((n) => n.toString(16)),
  fc.string({ maxLength: 6 }),
);
const key = fc.oneof(
  scalar,
  fc.record({ concat: fc.array(scalar, { maxLength: 4 }) }),
  fc.record({ concat: fc.array(scalar, { maxLength: 2 }), extra: scalar }),
  fc.record({
    concat: fc.array(fc.oneof(scalar, fc.record({ prefix: fc.record({ addr: scalar, len: fc.nat(32) }) }))),
  }),
  fc.record({ prefix: fc.record({ addr: scalar, len: fc.nat(32) }) }),
  fc.tuple(scalar, scalar).map((r) => ({ range: r })),
);

test('elementId is the key’s JSON with numeric strings as numbers; the fast path covers plain keys', () => {
  fc.assert(
    fc.property(key, (k) => elementId(k) === idReference(k)),
    { numRuns: 3000, seed: 11 },
  );
  assert.is(scalarOrConcatId({ concat: ['10.96.0.1', 'tcp', 80] }), '{"concat":["10.96.0.1","tcp",80]}');
  assert.is(scalarOrConcatId('0x4000'), '16384');
  assert.is(scalarOrConcatId({ concat: ['1'], comment: 'x' }), undefined, 'not a plain concatenation');
  assert.is(scalarOrConcatId({ prefix: { addr: '10.0.0.0', len: 8 } }), undefined);
});

test.run();
