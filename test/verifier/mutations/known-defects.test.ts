// A known verifier defect, pinned (see known-defects.ts): for destination-keyed affinity lists the
// verdict is right (not equivalent) but a counterexample's witness does not reproduce it — explain
// gives the witness another distribution than the report, or the witness lies outside its region.
// This test fails once the defect is fixed: then move the mutations into the bug lists.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runMutation } from './harness.ts';
import { KNOWN_WITNESS_DEFECTS } from './known-defects.ts';

const Known = suite('known verifier defect: destination-keyed affinity witnesses');

for (const m of KNOWN_WITNESS_DEFECTS) {
  Known(`${m.id}: reported not equivalent, but a witness does not reproduce the difference`, () => {
    const r = runMutation(m);
    assert.ok(r.applied, r.problems.join('\n'));
    assert.is(r.verdict, 'different', 'the verdict itself is right');
    assert.ok(
      r.problems.some((p) => p.includes('is not the witness') || p.includes('witness outside the region: affinity')),
      `the defect no longer shows (fixed?): move ${m.id} into the bug lists. Problems: ${r.problems.join('\n')}`,
    );
  });
}

Known.run();
