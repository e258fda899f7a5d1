// An artifact's distribution against the IR's intended one (verifier/engine/compare.ts): support
// equality and the exact total variation. Deep weights (a service of many endpoints: 31 bits of
// exponent a statistic rule) go through a memo keyed by the weight objects and the IR's
// probabilities; the memo must never hand one comparison's result to another that differs in an
// outcome's probability, in which outcomes there are, or in the IR's outcomes no artifact has.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Outcome, outcomeKey, type Rational, rational, reduce } from '../../compiler/ir/outcome.ts';
import {
  compareToIntended,
  type IntendedDistribution,
  keyedArtifact,
  totalVariation,
} from '../../verifier/engine/compare.ts';
import type { Dyadic } from '../../verifier/engine/dyadic.ts';
import { type ArtifactDistribution, observe, observedKey } from '../../verifier/engine/observe.ts';

const Compare = suite('compare to intended');

const outcome = {} as Outcome; // compareToIntended reads keys and weights only
const dist = (entries: [string, Dyadic][]): ArtifactDistribution =>
  entries.map(([key, w]) => ({ key, w, outcome, traces: [] }));
const intended = (entries: [string, Rational][]): IntendedDistribution => new Map(entries);

/** The comparison as totalVariation of the keyed forms computes it (gcd and all), for reference. */
function reference(i: IntendedDistribution, a: ArtifactDistribution): { sameSupport: boolean; tv: Rational } {
  const keyed = keyedArtifact(a);
  const sameSupport = i.size === keyed.size && [...i.keys()].every((k) => keyed.has(k));
  return { sameSupport, tv: totalVariation(i, keyed) };
}

function assertAsReference(i: IntendedDistribution, a: ArtifactDistribution, what: string) {
  const got = compareToIntended(i, a);
  const want = reference(i, a);
  assert.is(got.sameSupport, want.sameSupport, `${what}: support`);
  assert.equal(reduce(got.tv), want.tv, `${what}: total variation`);
}

// two weights of a deep ladder (exponents past the memo's threshold), summing to 1
const DEEP = 1200;
const half = 1n << BigInt(DEEP - 1);
const w1: Dyadic = { n: half + 12_345n, s: DEEP };
const w2: Dyadic = { n: half - 12_345n, s: DEEP };
// and two shallow ones (10 endpoints' worth)
const v1: Dyadic = { n: (1n << 309n) + 7n, s: 310 };
const v2: Dyadic = { n: (1n << 309n) - 7n, s: 310 };

Compare('deep and shallow weights give the exact total variation and support', () => {
  for (const [x, y, depth] of [[w1, w2, 'deep'] as const, [v1, v2, 'shallow'] as const]) {
    const a = dist([
      ['x', x],
      ['y', y],
    ]);
    assertAsReference(
      intended([
        ['x', rational(1, 2)],
        ['y', rational(1, 2)],
      ]),
      a,
      `${depth}, 1/2 1/2`,
    );
    assertAsReference(
      intended([
        ['x', rational(1, 3)],
        ['y', rational(2, 3)],
      ]),
      a,
      `${depth}, 1/3 2/3`,
    );
  }
});

Compare('the same weight objects against other probabilities, outcomes or IR outcomes are compared anew', () => {
  const a = dist([
    ['x', w1],
    ['y', w2],
  ]);
  const halves = intended([
    ['x', rational(1, 2)],
    ['y', rational(1, 2)],
  ]);
  const first = compareToIntended(halves, a);
  assert.ok(first.sameSupport);
  // the same probabilities the other way round
  assertAsReference(
    intended([
      ['x', rational(2, 3)],
      ['y', rational(1, 3)],
    ]),
    a,
    'swapped probabilities',
  );
  // an outcome the IR does not have
  const renamed = dist([
    ['x', w1],
    ['z', w2],
  ]);
  assertAsReference(halves, renamed, 'an outcome the IR lacks');
  assert.not.ok(compareToIntended(halves, renamed).sameSupport);
  // an IR outcome no artifact outcome has
  const third = intended([
    ['x', rational(1, 2)],
    ['y', rational(1, 2)],
    ['z', rational(0, 1)],
  ]);
  assertAsReference(third, a, 'an IR outcome the artifact lacks');
  const missing = intended([
    ['x', rational(1, 3)],
    ['y', rational(1, 3)],
    ['z', rational(1, 3)],
  ]);
  assertAsReference(missing, a, 'an IR outcome of weight 1/3 the artifact lacks');
  assert.not.ok(compareToIntended(missing, a).sameSupport);
  // equal weights in other objects: the same result
  const copy = dist([
    ['x', { ...w1 }],
    ['y', { ...w2 }],
  ]);
  assert.equal(reduce(compareToIntended(halves, copy).tv), reduce(first.tv));
});

Compare('a comparison repeated with the same objects is answered with the same result object', () => {
  const a = dist([
    ['x', w1],
    ['y', w2],
  ]);
  const i = intended([
    ['x', rational(1, 2)],
    ['y', rational(1, 2)],
  ]);
  const once = compareToIntended(i, a);
  // another class: new distribution and IR objects, the same weights and probabilities
  const again = compareToIntended(
    intended([
      ['x', rational(1, 2)],
      ['y', rational(1, 2)],
    ]),
    dist([
      ['x', w1],
      ['y', w2],
    ]),
  );
  assert.is(again, once);
});

Compare('observedKey spells the key of the observed outcome', () => {
  const list = fc.constantFrom('svc/a/tcp/10.0.0.1:80', 'svc/a/tcp/10.0.0.2:80', 'svc/b/udp/10.0.0.1:53', 'Z', 'a');
  const arbOutcome = fc.record({
    verdict: fc.constantFrom('accept', 'drop', 'reject', 'reject:tcp-reset'),
    dnat: fc.option(
      fc.record({ ip: fc.constantFrom('10.1.0.5', 'fd00::5'), port: fc.integer({ min: 1, max: 65535 }) }),
    ),
    masquerade: fc.constantFrom('none', 'masquerade', 'masquerade-fully-random'),
    mark: fc.integer({ min: 0, max: 0xffffffff }),
    affinityWrites: fc.array(list, { maxLength: 4 }),
  }) as fc.Arbitrary<unknown> as fc.Arbitrary<Outcome>;
  fc.assert(
    fc.property(arbOutcome, fc.integer({ min: 0, max: 0xffffffff }), (o, mask) => {
      assert.is(observedKey(o, mask), outcomeKey(observe(o, mask)));
    }),
    { numRuns: 1000 },
  );
});

Compare.run();
