// The nftables incremental update (backends/nftables/delta.ts) proven by the verifier, which reads
// the documents on its own: the old version's document followed by the delta (one command list, as
// nft applies them) routes every packet as the new version's document does — exactly, by the
// engine — for kube-proxy's sequence of syncs and for random model edits; the delta touches only
// what changed and never re-creates an affinity set (its records would be lost); a family only one
// version has gets its table created or deleted whole.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffArtifacts } from '../../api/diff.ts';
import { load } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { compileNftables, compileNftablesDelta } from '../../api/nftables.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { editedVersions, program, STEPS, SVC1, SVC2 } from '../unit/partial-steps.ts';

const commands = (text: string): unknown[] => (JSON.parse(text) as { nftables: unknown[] }).nftables;

/** The delta applied after the old document (its metainfo dropped), proven against the new one. */
function proveDelta(before: IRProgram[], after: IRProgram[], where: string): string {
  const delta = compileNftablesDelta(before, after);
  assert.ok(delta, where);
  const applied = JSON.stringify({
    nftables: [...commands(compileNftables(before)), ...commands(delta!.text).slice(1)],
  });
  const r = diffArtifacts({
    old: { text: applied, file: 'old+delta' },
    new: { text: compileNftables(after), file: 'new' },
    backend: 'nftables',
  });
  assert.equal(
    r.diagnostics.filter((d) => d.severity === 'error'),
    [],
    where,
  );
  assert.ok(r.runs.length > 0, where);
  for (const run of r.runs) assert.ok(run.report?.equivalent, `${where}: ${run.family} routes differently`);
  return delta!.text;
}

test("kube-proxy's repeated syncs: old + delta routes as new; no change, no command", () => {
  let previous = [program(SVC1, SVC2)];
  for (const step of STEPS) {
    const next = [program(...step.services)];
    const text = proveDelta(previous, next, step.what);
    if (step.what.startsWith('no change')) assert.equal(commands(text).length, 2, text);
    previous = next;
  }
});

test('random model edits: old + delta routes as new; a set defined alike in both is never deleted', () => {
  let smaller = 0;
  for (const { before, after: next, label: where } of editedVersions(60)) {
    const text = proveDelta([before], [next], where);
    // a set both versions define alike is never deleted (an affinity set's records would go)
    const defined = (t: string) =>
      new Map(
        (commands(t) as Record<string, Record<string, Record<string, unknown>>>[])
          .map((cmd) => cmd.add?.set ?? cmd.add?.map)
          .filter((x) => x !== undefined)
          .map((x) => [x.name as string, JSON.stringify(x)]),
      );
    const [was, is] = [defined(compileNftables([before])), defined(compileNftables([next]))];
    for (const cmd of commands(text) as Record<string, Record<string, Record<string, unknown>>>[]) {
      const gone = cmd.delete?.set ?? cmd.delete?.map;
      if (gone)
        assert.ok(was.get(gone.name as string) !== is.get(gone.name as string), `${where}: ${gone.name} deleted`);
    }
    if (text.length < compileNftables([next]).length) smaller++;
  }
  assert.ok(smaller > 50, `${smaller} of 60 deltas smaller than the whole document`);
});

test('a family added or dropped: its table created whole or deleted; the other family`s as usual', () => {
  const text = readFileSync('examples/everything.ksvc', 'utf8');
  const at = (family?: 'ipv4') => lower(load(text).model!, { node: 'node-a', ...(family ? { family } : {}) }).programs;
  const [v4, both] = [at('ipv4'), at()];
  assert.equal(
    both.map((p) => p.family),
    ['ipv4', 'ipv6'],
  );
  const lines = (delta: string) => commands(delta).map((c) => JSON.stringify(c));
  const added = lines(proveDelta(v4, both, 'ip6 added'));
  // created, so that nft refuses it where the table already is (the node does not hold v4 then)
  assert.ok(added.includes('{"create":{"table":{"family":"ip6","name":"kube-proxy"}}}'), added.slice(0, 4).join('\n'));
  // the ip table holds the same: nothing but its add table
  assert.equal(
    added.filter((c) => c.includes('"family":"ip"')),
    ['{"add":{"table":{"family":"ip","name":"kube-proxy"}}}'],
  );
  const dropped = lines(proveDelta(both, v4, 'ip6 dropped'));
  assert.equal(dropped.slice(1), [
    '{"add":{"table":{"family":"ip","name":"kube-proxy"}}}',
    '{"delete":{"table":{"family":"ip6","name":"kube-proxy"}}}',
  ]);
  const stamped = compileNftablesDelta(both, v4, { stamp: true })!;
  assert.is(stamped.stats.tablesRemoved, 1);
  assert.is(stamped.previousStamps?.length, 2);
  assert.match(
    stamped.text,
    /\{"delete":\{"set":\{"family":"ip6","table":"kube-proxy","name":"ksvc-version-[0-9a-f]{16}"\}\}\},\n\{"delete":\{"table":\{"family":"ip6"/,
  );
});

test.run();
