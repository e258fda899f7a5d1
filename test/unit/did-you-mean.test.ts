// "Did you mean": the bounded edit distance agrees with the plain one, and the indexed name
// suggester gives exactly what a scan of every declared name gives.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closestKeyword, editDistance, nameDistanceLimit, nameSuggester } from '../../common/did-you-mean.ts';

/** Optimal string alignment distance, the textbook way (no bound). */
function plainDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The suggestion by brute force: the first declared name at the smallest distance within the limit. */
function scanSuggest(name: string, declared: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = nameDistanceLimit(name) + 1;
  for (const c of declared) {
    if (c === name) continue;
    const d = plainDistance(name, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '-', '1'), maxLength: 12 });

test('editDistance: exact below the bound, bound + 1 above it', () => {
  fc.assert(
    fc.property(word, word, fc.nat(6), (a, b, max) => {
      const d = plainDistance(a, b);
      assert.is(editDistance(a, b), d);
      assert.is(editDistance(a, b, max), d <= max ? d : max + 1);
    }),
  );
  assert.is(editDistance('node-1', 'ndoe-1'), 1); // a transposition is one edit
});

test('nameSuggester agrees with a scan of every declared name', () => {
  fc.assert(
    fc.property(fc.array(word, { maxLength: 30 }), word, (declared, name) => {
      assert.is(nameSuggester(declared)(name), scanSuggest(name, declared));
    }),
    { numRuns: 300 },
  );
});

test('nameSuggester: typical node names', () => {
  const suggest = nameSuggester(['node-a', 'node-b', 'ecs-matrix-k8s-cluster-3']);
  assert.is(suggest('node-c'), 'node-a'); // ties go to the first declared
  assert.is(suggest('ecs-matrix-k8s-cluster3'), 'ecs-matrix-k8s-cluster-3');
  assert.is(suggest('worker'), null);
  assert.is(suggest('x'.repeat(1000)), null);
});

test('closestKeyword: other case first, then one or two edits', () => {
  assert.is(closestKeyword('TCP', ['tcp', 'udp']), 'tcp');
  assert.is(closestKeyword('tpc', ['tcp', 'udp']), 'tcp');
  assert.is(closestKeyword('xyz', ['tcp', 'udp']), undefined);
  assert.is(closestKeyword('Locall', ['Cluster', 'Local']), 'Local');
  assert.is(closestKeyword('Clusterr', ['Cluster', 'Local']), 'Cluster');
});

test.run();
