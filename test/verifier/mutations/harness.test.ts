// The mutation harness must be able to fail: an unapplied edit, a bug reported equivalent, a
// preserving edit reported different, and every way a counterexample can be wrong (witness outside
// its region, distributions that are not the witness's, a comparison that does not name the
// mutated artifact, a witness on which the mutation changes nothing) are each detected.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { VerifyReport } from '../../../api/verify.ts';
import { ipOf } from '../../../common/ip.ts';
import { artifactsOf } from './fixtures.ts';
import { counterexampleProblems, runMutation, verifyMutated } from './harness.ts';
import { IPTABLES_BUGS } from './iptables-bugs.ts';
import { deleteRule } from './iptables-edit.ts';
import { IPTABLES_PRESERVING } from './iptables-preserving.ts';
import { decimalFor, shiftedProbability, thresholdOf } from './probability.ts';
import { regionProblems } from './region.ts';
import { A4, type Mutation, MutationNotApplied } from './types.ts';

const Harness = suite('mutation harness');

const byId = (list: Mutation[], id: string) => list.find((m) => m.id === id)!;
const hasProblem = (problems: string[], text: string) =>
  assert.ok(
    problems.some((p) => p.includes(text)),
    `expected a problem with "${text}", got:\n${problems.join('\n')}`,
  );

Harness('an edit whose rule is missing does not apply, and counts as a failure', () => {
  const m: Mutation = {
    id: 'ipt-missing-site',
    artifact: 'iptables',
    target: A4,
    description: 'delete a rule that does not exist',
    apply: (t) => deleteRule(t, { table: 'nat', chain: 'KUBE-SERVICES', has: ['"no/such:service cluster IP"'] }),
    expect: 'different',
  };
  assert.throws(
    () => m.apply(artifactsOf(A4).iptables),
    (e: unknown) => e instanceof MutationNotApplied,
  );
  const r = runMutation(m);
  assert.is(r.applied, false);
  assert.is(r.ok, false);
});

Harness('a preserving edit declared a bug fails; a bug declared preserving fails', () => {
  const comments = byId(IPTABLES_PRESERVING, 'ipt-drop-comments');
  const asBug = runMutation({ ...comments, id: 'as-bug', expect: 'different' });
  assert.is(asBug.ok, false);
  hasProblem(asBug.problems, 'reported equivalent');
  const port = byId(IPTABLES_BUGS, 'ipt-dnat-wrong-port');
  const asSame = runMutation({ ...port, id: 'as-same', expect: 'equivalent' });
  assert.is(asSame.ok, false);
  hasProblem(asSame.problems, 'reported not equivalent');
});

Harness('a wrong counterexample is detected', () => {
  const m = byId(IPTABLES_BUGS, 'ipt-dnat-wrong-port');
  const mutated = m.apply(artifactsOf(m.target).iptables);
  const { report } = verifyMutated(m, mutated);
  const cx = report!.counterexamples.find((c) => c.comparison === 'iptables=nftables')!;
  assert.ok(cx, 'an iptables=nftables counterexample');
  assert.equal(counterexampleProblems(m, mutated, cx), [], 'the real one is correct');

  const moved = { ...cx, witness: { ...cx.witness, dport: cx.witness.dport + 1 } };
  hasProblem(counterexampleProblems(m, mutated, moved), 'witness outside the region');

  const swapped = { ...cx, distributions: { ...cx.distributions, iptables: cx.distributions.nftables! } };
  hasProblem(counterexampleProblems(m, mutated, swapped), 'reported iptables distribution');

  const misnamed: VerifyReport['counterexamples'][number] = { ...cx, comparison: 'ir=nftables' };
  hasProblem(counterexampleProblems(m, mutated, misnamed), 'does not name the mutated artifact');

  // the same witness judged against an artifact the mutation did not change
  hasProblem(
    counterexampleProblems(m, artifactsOf(m.target).iptables, cx),
    'gives the witness the original distribution',
  );
});

Harness('regions are read back from their printed conditions', () => {
  const w = {
    path: 'arriving' as const,
    src: ipOf('203.0.113.7').text,
    dst: ipOf('10.32.0.20').text,
    protocol: 'tcp' as const,
    sport: 40000,
    dport: 80,
    inInterface: 'eth0',
    mark: 0,
    ct: { state: 'new' as const, dnat: false },
    affinityAges: { 'a/b:c/tcp/10.0.0.1:80': 600 },
  };
  const ok = [
    'protocol: tcp, udp',
    'destination: 10.32.0.20',
    'destination port: 1-79, 80',
    'source: any except 10.64.0.0/16',
    'input interface: (any other)',
    'mark: 0x0',
    'conntrack: new',
    'affinity a/b:c/tcp/10.0.0.1:80: a record 600–601 s old',
  ];
  assert.equal(regionProblems(ok, w), []);
  for (const bad of [
    'protocol: udp',
    'destination: 10.32.0.21',
    'destination port: 81-90',
    'source: 198.51.100.0/24, 10.0.0.0/8, 1.0.0.0/8, 2.0.0.0/8, 3.0.0.0/8, 4.0.0.0/8, … (9 blocks)',
    'source: any except 203.0.113.0/25',
    'input interface: (none: generated locally)',
    'mark: 0x4000',
    'conntrack: established+dnat',
    'affinity a/b:c/tcp/10.0.0.1:80: no record or a record 0–600 s old',
  ]) {
    assert.is(regionProblems([bad], w).length, 1, bad);
  }
});

Harness('kernel thresholds: lround(p·2^31), exactly', () => {
  assert.is(thresholdOf('0.5000000000'), 1n << 30n);
  assert.is(thresholdOf('0.3333333333'), 715827883n);
  assert.is(thresholdOf('0.3333333334'), 715827883n, 'a change in the 10th decimal can leave the threshold alone');
  assert.is(thresholdOf('0.2500000000'), 536870912n);
  assert.is(thresholdOf(decimalFor(715827882n)), 715827882n);
  assert.is(thresholdOf(shiftedProbability('0.5000000000', 1n)), (1n << 30n) + 1n);
  // exactly halfway between two thresholds: refused (double rounding could go either way)
  assert.throws(() => thresholdOf('0.00000000023283064365386962890625'));
});

Harness.run();
