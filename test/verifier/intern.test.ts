// Interned conditions (verifier/engine/intern.ts, compile.ts): compiled rulesets hold one object per
// distinct (dimension, set) part, part list and verdict step, shared by both artifacts compiled
// against one space — and equal content is the only thing that makes two of them one object.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CPart, CProgram, CStep } from '../../verifier/engine/compiled.ts';
import { newInterner } from '../../verifier/engine/intern.ts';
import { point, range } from '../../verifier/engine/intervals.ts';
import { DIM } from '../../verifier/engine/space.ts';
import { generatedSetup } from './generated-setup.ts';

const I = suite('interned conditions');

I('equal content is one object; other content is another', () => {
  const intern = newInterner();
  const a = intern.part(DIM.dport, [80, 80]);
  assert.ok(intern.part(DIM.dport, point(80)) === a);
  assert.ok(intern.part(DIM.sport, point(80)) !== a, 'another dimension');
  assert.ok(intern.part(DIM.dport, range(80, 81)) !== a, 'another set');
  const b = intern.part(DIM.sport, point(80));
  assert.ok(b.set === a.set, 'the set itself is shared across dimensions');
  assert.ok(intern.parts([a, b]) === intern.parts([a, b].slice()));
  assert.ok(intern.parts([a, b]) !== intern.parts([b, a]), 'order is part of a list');
  // sets beyond one small range are keyed another way: the same rules hold
  for (const set of [[0, 1, 5, 9], point(2 ** 21), range(7, 2 ** 22)]) {
    const p = intern.part(DIM.dst, set);
    assert.ok(intern.part(DIM.dst, [...set]) === p, `${set}`);
    assert.ok(intern.part(DIM.src, [...set]).set === p.set, `${set} across dimensions`);
    assert.ok(intern.part(DIM.dst, [...set, 2 ** 23, 2 ** 23]) !== p, `${set} and one more range`);
  }
  const three = [a, b, intern.part(DIM.dst, point(3))];
  assert.ok(intern.parts(three) === intern.parts([...three]), 'a list of three');
  const empty: CPart[] = [];
  assert.ok(intern.parts(empty) === intern.parts([...empty]), 'the empty list');
  const foreign: CPart = { dim: DIM.dport, set: point(80) };
  const list = [a, foreign];
  assert.ok(intern.parts(list) === list, 'a list with a part from elsewhere is left as it is');
});

/** Every part list, part and step of a compiled program. */
function walk(p: CProgram, visit: { part(x: CPart): void; list(x: readonly CPart[]): void; step(x: CStep): void }) {
  const seen = new Set<readonly CStep[]>();
  const parts = (l: readonly CPart[]) => {
    visit.list(l);
    for (const x of l) visit.part(x);
  };
  const steps = (l: readonly CStep[]) => {
    if (seen.has(l)) return;
    seen.add(l);
    for (const s of l) {
      visit.step(s);
      if (s.kind === 'test' && s.test.kind === 'parts') parts(s.test.parts);
      if (s.kind === 'test' && s.test.kind === 'member') s.test.elements.forEach(parts);
      if (s.kind === 'dispatch')
        for (const e of s.elements) {
          parts(e.parts);
          steps(e.steps);
        }
      if (s.kind === 'numgen') for (const b of s.branches) steps(b.steps);
    }
  };
  for (const c of p.chains) for (const r of c.rules) steps(r.steps);
}

I('compiled rulesets: one object per distinct part, list and verdict, parts shared by both artifacts', () => {
  const { setup } = generatedSetup({ services: 60, endpointsPerService: 4, seed: 9, affinityShare: 0.3 });
  const parts = new Map<string, CPart>();
  const lists = new Map<string, readonly CPart[]>();
  const usedBy = setup.compiled.map(() => new Set<CPart>());
  let partUses = 0;
  setup.compiled.forEach((c, i) => {
    const verdicts = new Map<string, CStep>();
    walk(c.program, {
      part(x) {
        partUses++;
        usedBy[i]!.add(x);
        const key = `${x.dim}|${x.set.join(',')}`;
        const known = parts.get(key) ?? x;
        parts.set(key, known);
        assert.ok(known === x, `two objects for part ${key}`);
      },
      list(x) {
        const key = x.map((p) => `${p.dim}|${p.set.join(',')}`).join(' ');
        const known = lists.get(key) ?? x;
        lists.set(key, known);
        assert.ok(known === x, `two objects for part list ${key}`);
      },
      step(s) {
        if (s.kind !== 'verdict') return;
        const key = JSON.stringify(s.verdict);
        const known = verdicts.get(key) ?? s;
        verdicts.set(key, known);
        assert.ok(known === s, `${c.backend}: two objects for verdict ${key}`);
      },
    });
  });
  assert.ok(partUses > 4 * parts.size, `${partUses} uses of ${parts.size} parts`);
  const shared = [...usedBy[0]!].filter((x) => usedBy[1]!.has(x)).length;
  assert.ok(shared > 50, `${shared} parts used by both artifacts`);
});

I.run();
