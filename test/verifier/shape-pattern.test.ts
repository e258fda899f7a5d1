// The shard-shape pattern's fast path (one large set asked by binary search) against the reference
// that cuts every set at every bound: the same text for random sets, large ones included.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromRanges, type IntervalSet } from '../../verifier/engine/intervals.ts';
import { Numbering, pattern, patternByPieces } from '../../verifier/engine/shape-pattern.ts';

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

test('numbering: equal sets get one number, in first-seen order, whatever the object', () => {
  const n = new Numbering();
  assert.is(n.id(fromRanges([[1, 2]])), 0);
  assert.is(n.id(fromRanges([[5, 5]])), 1);
  assert.is(n.id(fromRanges([[1, 2]])), 0);
  assert.is(n.sets.length, 2);
});

test('numbering: pointId(v) is the number id gives the set {v}, whichever comes first', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 2 })), {
        maxLength: 30,
      }),
      (ops) => {
        const mixed = new Numbering();
        const plain = new Numbering();
        for (const [asPoint, v, w] of ops) {
          // a point asked either way, or a wider set between them
          const set = fromRanges([[v, v + (asPoint ? 0 : w)]]);
          const got = asPoint ? mixed.pointId(v) : mixed.id(set);
          assert.is(got, plain.id(set));
        }
        assert.equal(mixed.sets, plain.sets);
      },
    ),
    { numRuns: 300 },
  );
});

test.run();
