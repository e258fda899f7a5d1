// Issue 9 item 6: the verifier tested like a proof checker. Seeded bugs in ksvc's iptables and nft
// output of rich examples must each be reported not equivalent with a correct counterexample
// (harness.ts says what "correct" means); behaviour-preserving edits must be reported equivalent.
// Prints the score per artifact and asserts it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { verifyArtifacts } from '../../../api/verify.ts';
import { artifactsOf, targetName } from './fixtures.ts';
import { type MutationResult, runMutation } from './harness.ts';
import { IPTABLES_BUGS } from './iptables-bugs.ts';
import { IPTABLES_PRESERVING } from './iptables-preserving.ts';
import { NFTABLES_BUGS } from './nftables-bugs.ts';
import { NFTABLES_PRESERVING } from './nftables-preserving.ts';
import type { ArtifactKind, Mutation } from './types.ts';

const ALL: Mutation[] = [...IPTABLES_BUGS, ...IPTABLES_PRESERVING, ...NFTABLES_BUGS, ...NFTABLES_PRESERVING];
const MIN_BUGS = 30;
const MIN_PRESERVING = 8;

const Mutations = suite('mutations');
const results: MutationResult[] = [];

Mutations('ids are unique and every mutation is described', () => {
  const ids = ALL.map((m) => m.id);
  assert.is(new Set(ids).size, ids.length);
  for (const m of ALL) assert.ok(m.description.length > 10, m.id);
});

Mutations('every fixture the mutations use is equivalent unmutated', () => {
  const targets = new Map(ALL.map((m) => [targetName(m.target), m.target]));
  for (const [name, t] of targets) {
    const a = artifactsOf(t);
    const r = verifyArtifacts({
      iptables: { text: a.iptables, file: '<iptables>' },
      nftables: { text: a.nftables, file: '<nftables>' },
      model: { model: a.model, node: a.node },
      family: a.family,
    });
    assert.equal(
      r.diagnostics.filter((d) => d.severity === 'error'),
      [],
      name,
    );
    assert.is(r.runs.length, 1, name);
    assert.ok(r.runs[0]!.report?.equivalent, `${name} is not equivalent unmutated`);
  }
});

for (const m of ALL) {
  Mutations(`${m.id} (${m.expect}): ${m.description}`, () => {
    const r = runMutation(m);
    results.push(r);
    assert.ok(r.applied, `${m.id}: ${r.problems.join('\n')}`);
    assert.ok(r.ok, `${m.id}: ${r.problems.join('\n')}`);
  });
}

function row(kind: ArtifactKind) {
  const mine = results.filter((r) => r.mutation.artifact === kind);
  const bugs = mine.filter((r) => r.mutation.expect === 'different');
  const keep = mine.filter((r) => r.mutation.expect === 'equivalent');
  return {
    kind,
    bugsApplied: bugs.filter((r) => r.applied).length,
    bugsCaught: bugs.filter((r) => r.ok).length,
    bugsDefined: ALL.filter((m) => m.artifact === kind && m.expect === 'different').length,
    keepApplied: keep.filter((r) => r.applied).length,
    keepEquivalent: keep.filter((r) => r.ok).length,
    keepDefined: ALL.filter((m) => m.artifact === kind && m.expect === 'equivalent').length,
  };
}

Mutations('score: every bug caught, every preserving edit equivalent', () => {
  const rows = (['iptables', 'nftables'] as const).map(row);
  const lines = [
    'mutation score           bugs caught/applied   preserving edits equivalent/applied',
    ...rows.map(
      (r) =>
        `  ${r.kind.padEnd(22)} ${`${r.bugsCaught}/${r.bugsApplied}`.padEnd(21)} ${r.keepEquivalent}/${r.keepApplied}`,
    ),
  ];
  console.log(`\n${lines.join('\n')}`);
  for (const r of rows) {
    assert.ok(r.bugsDefined >= MIN_BUGS, `${r.kind}: only ${r.bugsDefined} bugs defined`);
    assert.ok(r.keepDefined >= MIN_PRESERVING, `${r.kind}: only ${r.keepDefined} preserving edits defined`);
    assert.is(r.bugsApplied, r.bugsDefined, `${r.kind}: not every bug applied`);
    assert.is(r.bugsCaught, r.bugsApplied, `${r.kind}: not every bug caught`);
    assert.is(r.keepApplied, r.keepDefined, `${r.kind}: not every preserving edit applied`);
    assert.is(r.keepEquivalent, r.keepApplied, `${r.kind}: not every preserving edit equivalent`);
  }
});

Mutations.run();
