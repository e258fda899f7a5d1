// Interval-set subset and overlap against plain sets of numbers: random sets of similar sizes (the
// merge) and of very different sizes (the binary search over the larger one), both ways round.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromRanges, type IntervalSet, isSubset, overlaps } from '../../verifier/engine/intervals.ts';

const test = suite('interval sets');

const DOMAIN = 2000;
const setArb = (minRanges: number, maxRanges: number, maxWidth: number): fc.Arbitrary<IntervalSet> =>
  fc
    .array(fc.tuple(fc.integer({ min: 0, max: DOMAIN }), fc.integer({ min: 0, max: maxWidth })), {
      minLength: minRanges,
      maxLength: maxRanges,
    })
    .map((rs) => fromRanges(rs.map(([lo, w]) => [lo, Math.min(DOMAIN, lo + w)] as [number, number])));
/** 60 to 190 separate short ranges (starts 10 apart): over the search threshold against up to three ranges. */
const manyArb: fc.Arbitrary<IntervalSet> = fc
  .uniqueArray(fc.tuple(fc.integer({ min: 0, max: 199 }), fc.integer({ min: 0, max: 6 })), {
    minLength: 60,
    maxLength: 190,
    selector: ([k]) => k,
  })
  .map((rs) => fromRanges(rs.map(([k, w]) => [10 * k, 10 * k + w] as [number, number])));
const fewArb = setArb(0, 3, 900);
const someArb = setArb(1, 12, 300);

const members = (s: IntervalSet): Set<number> => {
  const out = new Set<number>();
  for (let i = 0; i < s.length; i += 2) for (let v = s[i]!; v <= s[i + 1]!; v++) out.add(v);
  return out;
};
const subsetOracle = (a: IntervalSet, b: IntervalSet) => {
  const mb = members(b);
  return [...members(a)].every((v) => mb.has(v));
};
const overlapOracle = (a: IntervalSet, b: IntervalSet) => {
  const mb = members(b);
  return [...members(a)].some((v) => mb.has(v));
};

const pairs: [string, fc.Arbitrary<IntervalSet>, fc.Arbitrary<IntervalSet>][] = [
  ['similar sizes', someArb, someArb],
  ['many ranges against few', manyArb, fewArb],
  ['few ranges against many', fewArb, manyArb],
];

for (const [name, left, right] of pairs) {
  test(`isSubset and overlaps agree with plain sets: ${name}`, () => {
    fc.assert(
      fc.property(left, right, (a, b) => {
        assert.is(isSubset(a, b), subsetOracle(a, b), 'isSubset');
        assert.is(overlaps(a, b), overlapOracle(a, b), 'overlaps');
      }),
      { numRuns: 300 },
    );
  });
}

test('a large set is a subset of a range that covers it, and of none that misses one of its points', () => {
  fc.assert(
    fc.property(manyArb, fc.nat(10), (a, cut) => {
      const lo = a[0]!;
      const hi = a[a.length - 1]!;
      assert.ok(isSubset(a, [lo, hi]));
      assert.ok(isSubset(a, [0, DOMAIN]));
      // remove one point of a from the covering range: no longer a superset, still overlapping
      const v = a[2 * Math.min(cut, a.length / 2 - 1)]!;
      const holed = fromRanges([
        [lo, v - 1],
        [v + 1, hi],
      ]);
      assert.not.ok(isSubset(a, holed));
      assert.ok(overlaps(a, holed));
      assert.ok(overlaps(holed, a));
    }),
    { numRuns: 200 },
  );
});

test('a small range touching a large set at one end of one of its ranges overlaps it; one in a gap does not', () => {
  fc.assert(
    fc.property(manyArb, fc.nat(200), (a, pick) => {
      const k = 2 * (pick % (a.length / 2 - 1));
      const [lo, hi, next] = [a[k]!, a[k + 1]!, a[k + 2]!];
      for (const [small, expected] of [
        [[lo - 2, lo], true],
        [[hi, hi + 1], true],
        [[lo, lo], true],
        [[hi + 1, next - 1], false],
      ] as [IntervalSet, boolean][]) {
        assert.is(overlaps(small, a), expected, `overlaps(${small}, a)`);
        assert.is(overlaps(a, small), expected, `overlaps(a, ${small})`);
        assert.is(isSubset(small, a), expected && small[0]! >= lo && small[1]! <= hi, `isSubset(${small}, a)`);
      }
    }),
    { numRuns: 200 },
  );
});

test('fromRanges is the union of its ranges, in canonical form, whatever their order', () => {
  const rangeArb = fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: -3, max: 8 }));
  fc.assert(
    fc.property(fc.array(rangeArb, { maxLength: 8 }), fc.boolean(), fc.boolean(), (raw, presort, asIterable) => {
      const ranges = raw.map(([lo, w]) => [lo, lo + w] as [number, number]); // w < 0: an empty range
      if (presort) ranges.sort((a, b) => a[0] - b[0]);
      const copy = ranges.map((r) => [...r]);
      const s = fromRanges(asIterable ? new Set(ranges) : ranges);
      const expected = new Set<number>();
      for (const [lo, hi] of ranges) for (let v = lo; v <= hi; v++) expected.add(v);
      const got = members(s);
      // canonical: sorted, disjoint and not adjacent
      for (let i = 0; i + 1 < s.length; i++) assert.ok(i % 2 === 0 ? s[i]! <= s[i + 1]! : s[i]! + 1 < s[i + 1]!);
      assert.equal(
        [...got].sort((a, b) => a - b),
        [...expected].sort((a, b) => a - b),
      );
      assert.equal(ranges, copy); // the caller's list is left as it was
    }),
    { numRuns: 3000 },
  );
});

test('empty sets', () => {
  assert.ok(isSubset([], []));
  assert.ok(isSubset([], [3, 4]));
  assert.not.ok(isSubset([3, 3], []));
  assert.not.ok(overlaps([], [1, 2]));
  assert.not.ok(overlaps([1, 2], []));
});

test.run();
