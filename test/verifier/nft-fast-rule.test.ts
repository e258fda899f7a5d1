// The quick accept for rule objects (verifier/nftables/fast-rule.ts) cannot change a verdict:
// whatever it accepts the schema accepts (the generated validators are the schema, see
// nft-validators.test.ts), on random rules built from the schema's own words and near misses;
// and it does accept the rules ksvc writes, or it would save nothing.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { check, parse } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { compileNftables } from '../../api/nftables.ts';
import { isPlainRule } from '../../verifier/nftables/fast-rule.ts';
import * as validators from '../../verifier/nftables/schema-validators.generated.js';

const test = suite('nft reader: the quick accept of rules');

const goodLeaf = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.integer({ min: 0, max: 70000 }),
  fc.constantFrom('@s', 'tcp'),
);
const leaf = fc.oneof(
  { arbitrary: goodLeaf, weight: 4 },
  fc.constantFrom('', 'x'.repeat(256), 'x'.repeat(257), '\u{1F600}'.repeat(129), '@s', 'ip', 'tcp', '10.0.0.1'),
  fc.integer({ min: -3, max: 70000 }),
  fc.constantFrom(0.5, -0, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32, 2 ** 53, null, true, false),
);

/** A schema word (most often) or a near miss. */
const word = (...words: string[]) => fc.oneof({ arbitrary: fc.constantFrom(...words), weight: 12 }, leaf);
const int = (min: number, max: number) =>
  fc.oneof({ arbitrary: fc.integer({ min, max }), weight: 12 }, fc.constantFrom(min - 1, max + 1, min + 0.5), leaf);
/** A record (most often whole) with sometimes a key missing or one more. */
const body = <T extends Record<string, fc.Arbitrary<unknown>>>(fields: T, extra: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { arbitrary: fc.record(fields), weight: 12 },
    fc.record(fields, { requiredKeys: [] }),
    fc.record({ ...fields, [fc.sample(fc.constantFrom('extra', 'flags', 'op', 'key'), 1)[0]!]: extra }),
  );

const exprs = fc.letrec<{ e: unknown; list: unknown[] }>((tie) => {
  const e = tie('e');
  const target = body({ target: word('svc', 'x'.repeat(257)) }, e);
  return {
    list: fc.array(e, { maxLength: 3 }),
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      tie('list'),
      fc.record({
        payload: body(
          { protocol: word('ip', 'ip6', 'tcp', 'udp', 'sctp', 'th', 'icmp'), field: word('saddr', 'dport', 'type') },
          e,
        ),
      }),
      fc.record({ meta: body({ key: word('l4proto', 'mark', 'random', 'nftrace', 'length') }, e) }),
      fc.record({ ct: body({ key: word('state', 'status', 'mark') }, e) }),
      fc.record({
        fib: body(
          { result: word('type', 'oif'), flags: fc.oneof(word('saddr', 'daddr', 'iif'), fc.array(word('saddr'))) },
          e,
        ),
      }),
      fc.record({
        numgen: body({ mode: word('random', 'inc'), mod: int(1, 2 ** 32 - 1), offset: int(0, 2 ** 32 - 1) }, e),
      }),
      fc.record({ concat: tie('list') }),
      fc.record({ prefix: body({ addr: e, len: int(0, 128) }, e) }),
      fc.record({ range: tie('list') }),
      fc.record({ set: e }),
      fc.record({ map: body({ key: e, data: e }, e) }),
      fc.constantFrom('&', '|', '^').chain((op) => fc.record({ [op]: tie('list') })),
      fc
        .constantFrom('accept', 'drop', 'return', 'continue')
        .chain((k) => fc.record({ [k]: fc.oneof(fc.constant(null), leaf) })),
      fc.constantFrom('jump', 'goto').chain((k) => fc.record({ [k]: target })),
      fc.record({ elem: body({ val: e }, e) }),
      fc.dictionary(fc.constantFrom('payload', 'meta', 'concat', 'set', 'accept', '__proto__'), e, { maxKeys: 2 }),
      fc.constant({}),
    ),
  };
});
const expr = exprs.e;

const statement: fc.Arbitrary<unknown> = fc.oneof(
  fc
    .constantFrom('accept', 'drop', 'return', 'continue', 'counter', 'masquerade')
    .chain((k) => fc.record({ [k]: fc.oneof(fc.constant(null), fc.constant(null), leaf, fc.constant({})) })),
  fc.constantFrom('jump', 'goto').chain((k) => fc.record({ [k]: body({ target: word('svc') }, expr) })),
  fc.record({ match: body({ op: word('==', '!=', '<', '>=', 'in', '!', '~'), left: expr, right: expr }, expr) }),
  fc.record({ mangle: body({ key: expr, value: expr }, expr) }),
  fc.record({ vmap: body({ key: expr, data: expr }, expr) }),
  fc.record({ set: body({ op: word('add', 'update', 'delete'), elem: expr, set: word('@s', 's') }, expr) }),
  fc.record({ dnat: body({ addr: expr, family: word('ip', 'ip6', 'inet'), port: expr }, expr) }),
  fc.dictionary(fc.constantFrom('match', 'dnat', 'accept', 'xt', 'limit'), expr, { maxKeys: 2 }),
  leaf,
);

const rule = body(
  {
    family: word('ip', 'ip6', 'inet'),
    table: word('kube-proxy', 'x'.repeat(256)),
    chain: word('services', 'x'.repeat(257)),
    handle: int(0, 2 ** 32),
    index: int(0, 10),
    comment: fc.oneof(
      { arbitrary: fc.string({ maxLength: 3 }), weight: 12 },
      fc.constantFrom('c'.repeat(256), 'c'.repeat(257)),
      leaf,
    ),
    expr: fc.oneof({ arbitrary: fc.array(statement, { maxLength: 3 }), weight: 12 }, leaf),
  },
  expr,
);

test('whatever the quick accept takes, the schema takes', () => {
  let taken = 0;
  fc.assert(
    fc.property(rule, (v) => {
      if (!isPlainRule(v)) return true;
      taken++;
      return validators.rule(v);
    }),
    { numRuns: 30_000, seed: 21 },
  );
  // the property says something only if the quick accept takes a fair share of the random rules
  assert.ok(taken > 1000, `only ${taken} random rules took the quick path`);
});

test("ksvc's own rules take the quick path (all but masquerade with flags and reject)", () => {
  for (const path of ['examples/everything.ksvc', 'examples/topology.ksvc']) {
    const model = check(parse(readFileSync(path, 'utf8'), { file: path })).model!;
    const doc = JSON.parse(compileNftables(lower(model, { node: 'node-a' }).programs)) as {
      nftables: Record<string, Record<string, Record<string, unknown>>>[];
    };
    const rules = doc.nftables.flatMap((c) => (c.add?.rule ? [c.add.rule] : []));
    assert.ok(rules.length >= 20, `${rules.length} rules`);
    for (const r of rules) {
      const slow = /"masquerade":\{|"reject"/.test(JSON.stringify(r.expr));
      assert.is(isPlainRule(r), !slow, JSON.stringify(r));
      assert.ok(validators.rule(r));
    }
  }
});

test.run();
