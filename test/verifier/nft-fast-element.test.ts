// The quick accept for element objects (verifier/nftables/fast-element.ts) cannot change a verdict:
// whatever it accepts the schema accepts (the generated validators are the schema, see
// nft-validators.test.ts), on random values built from the schema's own words and near misses;
// and it does accept what ksvc writes, or it would save nothing.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { check, parse } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { compileNftables } from '../../api/nftables.ts';
import { isPlainElementObject, isPlainExpression } from '../../verifier/nftables/fast-element.ts';
import * as validators from '../../verifier/nftables/schema-validators.generated.js';

const test = suite('nft reader: the quick accept of element lists');

const KEYS = ['concat', 'elem', 'val', 'comment', 'timeout', 'expires', 'accept', 'drop', 'return', 'continue'];
const MORE_KEYS = ['jump', 'goto', 'target', 'family', 'table', 'name', 'set', 'prefix', 'map', 'handle', '__proto__'];

const leaf = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('', 'x'.repeat(256), 'x'.repeat(257), '\u{1F600}'.repeat(129), 'ip', 'ip6', 'tcp', '10.0.0.1'),
  fc.integer({ min: -3, max: 70000 }),
  fc.constantFrom(0.5, -0, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, null, true, false),
);

const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS, ...MORE_KEYS), tie('v'), { maxKeys: 3 }),
  ),
})).v;

/** Values shaped like what the quick accept looks for, each part sometimes a near miss. */
const concatish = fc.record({ concat: fc.array(fc.oneof(leaf, leaf, value), { maxLength: 3 }) });
const target = fc.record({ target: leaf, extra: value }, { requiredKeys: [] });
const plainish: fc.Arbitrary<unknown> = fc.oneof(
  leaf,
  concatish,
  fc.record({
    elem: fc.record(
      {
        val: fc.oneof(leaf, concatish, value),
        comment: fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom('c'.repeat(256), 'c'.repeat(257)), leaf),
        timeout: fc.oneof(fc.integer({ min: -2, max: 3 }), leaf),
        expires: fc.oneof(fc.integer({ min: -2, max: 3 }), leaf),
        other: value,
      },
      { requiredKeys: [] },
    ),
  }),
  fc
    .constantFrom('accept', 'drop', 'return', 'continue')
    .chain((k) => fc.record({ [k]: fc.oneof(fc.constant(null), leaf) })),
  fc.record({ jump: target }),
  fc.record({ goto: target }),
  fc.tuple(concatish, fc.constantFrom(...KEYS, ...MORE_KEYS), value).map(([o, k, v]) => ({ ...o, [k]: v })),
  value,
);

/** Objects shaped like element commands, with each part sometimes a near miss. */
const elementObject = fc
  .record(
    {
      family: fc.oneof(fc.constantFrom('ip', 'ip6'), fc.constantFrom('ip', 'ip6'), fc.constantFrom('inet'), leaf),
      table: fc.oneof(fc.constantFrom('kube-proxy'), fc.constantFrom('kube-proxy'), leaf),
      name: fc.oneof(fc.constantFrom('service-ips'), fc.constantFrom('service-ips'), leaf),
      elem: fc.oneof(
        fc.array(fc.oneof(plainish, fc.tuple(plainish, plainish), fc.tuple(plainish, plainish, plainish)), {
          maxLength: 4,
        }),
        plainish,
      ),
      handle: leaf,
    },
    { requiredKeys: ['family', 'table', 'name', 'elem'] },
  )
  .chain((o) =>
    fc.oneof(
      fc.constant(o),
      fc.constant(o),
      fc.constant({ ...o, handle: undefined }),
      fc.constant({ family: o.family, table: o.table, name: o.name, elem: o.elem }),
    ),
  );

test('whatever the quick accept takes, the schema takes', () => {
  fc.assert(
    fc.property(plainish, (v) => !isPlainExpression(v) || validators.expression(v)),
    { numRuns: 20_000 },
  );
  fc.assert(
    fc.property(elementObject, (v) => !isPlainElementObject(v) || validators.element(v)),
    { numRuns: 20_000 },
  );
});

test('and it does take plain keys, pairs and verdicts (JSON as documents carry them)', () => {
  const plain: Record<string, unknown> = JSON.parse(`{"family":"ip","table":"kube-proxy","name":"m","elem":[
    "10.0.0.1", 80, {"concat":["10.0.0.1","tcp",80]},
    [{"elem":{"val":{"concat":["10.0.0.1","tcp",80]},"comment":"ns/svc:http"}},{"goto":{"target":"reject-chain"}}],
    [{"concat":["tcp",30080]},{"drop":null}], [3,"10.1.0.5"], [{"elem":{"val":"10.0.0.9","timeout":10800}},{"accept":null}]]}`);
  assert.ok(isPlainElementObject(plain));
  assert.ok(validators.element(plain));
  // near misses are left to the schema
  for (const miss of [
    { ...plain, extra: 1 },
    { ...plain, family: 'inet' },
    { ...plain, elem: [[1, 2, 3]] },
    { ...plain, elem: [{ concat: [] }] },
    { ...plain, elem: [{ prefix: { addr: '10.0.0.0', len: 8 } }] },
  ])
    assert.not.ok(isPlainElementObject(miss));
});

test("ksvc's own element lists all take the quick path", () => {
  const path = 'examples/everything.ksvc';
  const model = check(parse(readFileSync(path, 'utf8'), { file: path })).model!;
  const doc = JSON.parse(compileNftables(lower(model, { node: 'node-a' }).programs)) as {
    nftables: Record<string, Record<string, unknown>>[];
  };
  const elements = doc.nftables.flatMap((c) => (c.add?.element ? [c.add.element] : []));
  assert.ok(elements.length >= 10, `${elements.length} element commands`);
  for (const e of elements) assert.ok(isPlainElementObject(e), JSON.stringify(e).slice(0, 200));
});

test.run();
