// Key indexes (verifier/engine/key-index.ts buildKeyIndex, candidates.ts candidatesFor): the items a
// class pinning a destination, protocol and port can meet are exactly those whose leading
// conditions do not exclude that key — checked against a plain filter over the items, for indexes
// small enough to keep no bitmap and large enough to keep one (the bitmaps only skip map probes).
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { candidatesFor } from '../../verifier/engine/candidates.ts';
import { type CPart, portCode } from '../../verifier/engine/compiled.ts';
import { point } from '../../verifier/engine/intervals.ts';
import { buildKeyIndex } from '../../verifier/engine/key-index.ts';
import { DIM } from '../../verifier/engine/space.ts';

const test = suite('key index candidates');

interface Item {
  dst: number | null;
  proto: number | null;
  port: number | null;
}

const partsOf = (it: Item): CPart[] => [
  ...(it.proto === null ? [] : [{ dim: DIM.proto, set: point(it.proto) }]),
  ...(it.dst === null ? [] : [{ dim: DIM.dst, set: point(it.dst) }]),
  ...(it.port === null ? [] : [{ dim: DIM.dport, set: point(it.port) }]),
];

/** What an item pins: a port counts only together with its protocol (buildKeyIndex's filing). */
const filedPort = (it: Item) => (it.proto !== null && it.port !== null ? portCode(it.proto, it.port) : null);

/** The items a class pinning (proto, port, dst) can meet, by definition. */
const expected = (items: readonly Item[], proto: number, port: number, dst: number): number[] =>
  items.flatMap((it, i) => {
    const code = filedPort(it);
    return (code === null || code === portCode(proto, port)) && (it.dst === null || it.dst === dst) ? [i] : [];
  });

const ATOMS = 40_000;
const itemArb = (ports: number): fc.Arbitrary<Item> =>
  fc.record({
    dst: fc.option(fc.integer({ min: 0, max: ATOMS }), { freq: 3 }),
    proto: fc.option(fc.integer({ min: 0, max: 2 }), { freq: 4 }),
    port: fc.option(fc.integer({ min: 0, max: ports }), { freq: 4 }),
  });

for (const [label, min, max, ports] of [
  ['small indexes, no bitmaps', 1, 40, 40],
  ['large indexes, with bitmaps', 1200, 1600, 4000],
] as const) {
  test(`candidates for a pinned key are the items that do not exclude it (${label})`, () => {
    const used = { dst: 0, port: 0 };
    fc.assert(
      fc.property(
        fc.array(itemArb(ports), { minLength: min, maxLength: max }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: ports }), fc.nat(ATOMS + 50))),
        (items, queries) => {
          const index = buildKeyIndex(items.map(partsOf));
          if (index === null) return items.every((it) => it.dst === null && filedPort(it) === null);
          if (index.dstBits) used.dst++;
          if (index.portOnlyBits) used.port++;
          // random keys (mostly filed under nothing), and keys some item is filed under
          const filed = items.flatMap((it) =>
            it.dst === null ? [] : [[it.proto ?? 0, it.port ?? 0, it.dst] as const],
          );
          for (const [proto, port, dst] of [...queries, ...filed.slice(0, 20)]) {
            assert.equal([...candidatesFor(index, proto, port, dst)], expected(items, proto, port, dst));
          }
          return true;
        },
      ),
      { numRuns: max > 100 ? 30 : 200, seed: 17 },
    );
    if (max > 100) assert.ok(used.dst > 0 && used.port > 0, `bitmaps used: ${JSON.stringify(used)}`);
    else assert.equal(used, { dst: 0, port: 0 });
  });
}

test('a large index keeps a destination bitmap; a small one none', () => {
  const many = Array.from({ length: 500 }, (_, i) => partsOf({ dst: 3 * i, proto: 0, port: 80 }));
  const large = buildKeyIndex(many)!;
  assert.ok(large.dstBits !== null);
  assert.equal([...candidatesFor(large, 0, 80, 3 * 17)], [17]);
  assert.equal([...candidatesFor(large, 0, 80, 3 * 17 + 1)], [], 'an atom between the keys');
  assert.equal([...candidatesFor(large, 0, 80, 10_000)], [], 'an atom past the bitmap');
  assert.is(buildKeyIndex(many.slice(0, 10))!.dstBits, null);
});

test.run();
