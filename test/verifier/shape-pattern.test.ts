// The shard-shape pattern's fast path (one large set asked by binary search) against the reference
// that cuts every set at every bound: the same text for random sets, large ones included.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromRanges, type IntervalSet } from '../../verifier/engine/intervals.ts';
import { pattern, patternByPieces } from '../../verifier/engine/shape-pattern.ts';
import { BodyNumbers, SetTable } from '../../verifier/engine/shape-tables.ts';

const test = suite('shape pattern');

const setArb = (maxRanges: number, width: number, maxStart = 4000): fc.Arbitrary<IntervalSet> =>
  fc
    .array(fc.tuple(fc.integer({ min: 0, max: maxStart }), fc.integer({ min: 0, max: width })), {
      maxLength: maxRanges,
    })
    .map((rs) => fromRanges(rs.map(([lo, w]) => [lo, lo + w] as [number, number])));
/** At least 40 separate intervals (starts 10 apart, at most 7 wide): always over the fast path's threshold. */
const largeArb: fc.Arbitrary<IntervalSet> = fc
  .uniqueArray(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 6 })), {
    minLength: 40,
    maxLength: 120,
    selector: ([k]) => k,
  })
  .map((rs) => fromRanges(rs.map(([k, w]) => [10 * k, 10 * k + w] as [number, number])));

test('one large set among small ones: the same pattern as cutting every piece', () => {
  fc.assert(
    fc.property(fc.array(setArb(4, 600), { maxLength: 6 }), largeArb, fc.nat(6), (small, large, at) => {
      assert.ok(large.length > 64, 'the large set takes the fast path');
      const sets = [...small];
      sets.splice(Math.min(at, sets.length), 0, large);
      assert.is(pattern(sets), patternByPieces(sets));
    }),
    { numRuns: 2000 },
  );
});

/**
 * The definition, value by value: the signature of every value from the lowest bound to the
 * highest (each lies in one piece), distinct and sorted.
 */
function patternByValues(sets: readonly IntervalSet[]): string {
  const bounds = sets.flatMap((s) => s.flatMap((v, i) => (i % 2 === 0 ? [v] : [v + 1])));
  if (bounds.length === 0) return '';
  const signatures = new Set<string>();
  for (let v = Math.min(...bounds); v < Math.max(...bounds); v++) {
    const inside = sets.flatMap((s, j) => (s.some((lo, i) => i % 2 === 0 && lo <= v && v <= s[i + 1]!) ? [j] : []));
    signatures.add(inside.join(' '));
  }
  return [...signatures].sort().join('.');
}

test('cutting every piece is the pattern of every value (small domains, many sets)', () => {
  fc.assert(
    fc.property(fc.array(setArb(5, 40, 300), { maxLength: 14 }), (sets) => {
      assert.is(patternByPieces(sets), patternByValues(sets));
    }),
    { numRuns: 1500 },
  );
});

test('a large set alone, and a large set covering a small one, or disjoint from it', () => {
  const large = fromRanges(Array.from({ length: 40 }, (_, i) => [10 * i, 10 * i + 3] as [number, number]));
  assert.ok(large.length > 64);
  for (const sets of [
    [large],
    [large, fromRanges([[0, 3]])],
    [fromRanges([[5, 8]]), large],
    [large, fromRanges([[0, 500]])],
  ]) {
    assert.is(pattern(sets), patternByPieces(sets));
  }
  // covered: the small set's values are only ever inside the large one (the gaps between the
  // large set's intervals are the empty signature)
  assert.is(pattern([large, fromRanges([[0, 3]])]), '.0.0 1');
  // disjoint: never inside it
  assert.is(pattern([fromRanges([[5, 8]]), large]), '.0.1');
});

test('set table: equal sets get one id, whatever the object or the way they are asked', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 2 })),
        {
          maxLength: 30,
        },
      ),
      (ops) => {
        const table = new SetTable();
        const ids = new Map<string, number>();
        for (const [how, v, w] of ops) {
          // a point asked as a point, or a set (a point or wider) by value or kept by its object
          const set = fromRanges([[v, v + (how === 0 ? 0 : w)]]);
          const id = how === 0 ? table.point(v) : how === 1 ? table.of(set) : table.ofKept(set);
          const key = set.join(',');
          if (!ids.has(key)) ids.set(key, id);
          assert.is(id, ids.get(key));
          assert.equal(table.sets[id], set);
        }
        assert.is(table.sets.length, ids.size);
      },
    ),
    { numRuns: 300 },
  );
});

test("body numbers: first-seen order, each body's own", () => {
  const n = new BodyNumbers();
  n.start();
  assert.equal([n.of(7), n.of(3), n.of(7), n.of(5000), n.of(3)], [0, 1, 0, 2, 1]);
  assert.equal(n.order, [7, 3, 5000]);
  n.start();
  assert.equal([n.of(3), n.of(9)], [0, 1]);
  assert.equal(n.order, [3, 9]);
});

test.run();
