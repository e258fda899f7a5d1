// How many differences a check reports (maxFindings, diff's maxChanges) must not decide whether it
// found any: with 0 the library said "equivalent" of rulesets that differ (a review). A count that
// is none (-5, NaN, 1.5) is an error diagnostic, as the CLI refuses it, and so is a call with no
// ruleset to check.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffArtifacts, diffRouting } from '../../api/diff.ts';
import { compileIptables } from '../../api/iptables.ts';
import { check, parse } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { compileNftables } from '../../api/nftables.ts';
import { verifyArtifacts, verifyModel } from '../../api/verify.ts';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/everything.ksvc');
const model = check(parse(readFileSync(file, 'utf8'), { file })).model!;
const loweredFor = (node: string) => lower(model, { node, family: 'ipv4' }).programs[0]!;
const [a, b] = [loweredFor('node-a'), loweredFor('node-b')];
const iptText = compileIptables(a);
const nftables = { text: compileNftables([a]), file: 'nftables' };
// ksvc's output with every packet to one endpoint's DNAT chain dropped first
const dropped = iptText.replace(/^(-A KUBE-SEP-\S+) /m, '$1 -j DROP\n$1 ');

test('maxFindings 0: differences found are still a difference, with no counterexample reported', () => {
  assert.is.not(dropped, iptText);
  const run = (maxFindings: number) =>
    verifyArtifacts({ iptables: { text: dropped, file: 'iptables' }, nftables, family: 'ipv4', maxFindings }).runs[0]!
      .report!;
  assert.is(run(5).equivalent, false);
  const none = run(0);
  assert.is(none.equivalent, false);
  assert.equal(none.counterexamples, []);
  assert.ok(none.stats.differences > 0 || none.stats.differencesCapped);
  const same = verifyArtifacts({
    iptables: { text: iptText, file: 'iptables' },
    nftables,
    family: 'ipv4',
    maxFindings: 0,
  });
  assert.is(same.runs[0]!.report!.equivalent, true);
});

test('maxChanges 0: two versions that differ are changed, with no change listed', () => {
  const { run } = diffRouting(a, b, { maxChanges: 0 });
  assert.is(run.report!.equivalent, false);
  assert.equal(run.changes, []);
  const texts = diffArtifacts({
    old: { text: iptText, file: 'old' },
    new: { text: dropped, file: 'new' },
    backend: 'iptables',
    maxChanges: 0,
  });
  assert.is(texts.runs[0]!.report!.equivalent, false);
});

test('a count that is none is an error diagnostic, and nothing is checked', () => {
  for (const bad of [-5, Number.NaN, 1.5]) {
    const codes = (ds: { code: string; message: string }[]) => ds.map((d) => d.code);
    const v = verifyArtifacts({ iptables: { text: iptText, file: 'i' }, nftables, maxFindings: bad });
    assert.equal([v.runs, codes(v.diagnostics)], [[], ['verify-invalid-option']], String(bad));
    assert.match(v.diagnostics[0]!.message, `maxFindings is ${bad}: it takes a whole number, 0 or more`);
    assert.equal(codes(verifyModel(model, { nodes: ['node-a'], maxFindings: bad }).diagnostics), [
      'verify-invalid-option',
    ]);
    const d = diffRouting(a, b, { changesCounted: bad });
    assert.equal([d.run.report, codes(d.diagnostics)], [null, ['verify-invalid-option']]);
    const t = diffArtifacts({
      old: { text: iptText, file: 'o' },
      new: { text: iptText, file: 'n' },
      backend: 'iptables',
      maxChanges: bad,
    });
    assert.equal([t.runs, codes(t.diagnostics)], [[], ['verify-invalid-option']]);
  }
});

test('a tvBound that is no probability as a fraction of BigInts is an error, not a check that always fails or passes', () => {
  for (const bound of [{ num: -1n, den: 1n }, { num: 1n, den: 0n }, { num: 3n, den: 2n }, 0.5]) {
    const r = verifyModel(model, { nodes: ['node-a'], family: 'ipv4', tvBound: bound as never });
    assert.equal([r.runs, r.diagnostics.map((d) => d.code)], [[], ['verify-invalid-option']], String(bound));
    assert.match(r.diagnostics[0]!.message, /^tvBound is .*: it takes a probability from 0 to 1/);
  }
  const fine = verifyModel(model, { nodes: ['node-a'], family: 'ipv4', tvBound: { num: 1n, den: 1048576n } });
  assert.ok(fine.runs[0]!.report!.equivalent);
});

test('a verify call with no ruleset says so: an empty result could be taken for every run equivalent', () => {
  const r = verifyArtifacts({});
  assert.equal([r.runs, r.diagnostics.map((d) => d.code)], [[], ['verify-nothing-to-compare']]);
  assert.match(r.diagnostics[0]!.message, 'for either family there are 0 rulesets or models to check');
});

test.run();
