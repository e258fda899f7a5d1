// Kernel tier for the iptables backend (root only; skips loudly otherwise). For every golden case
// and every example: the restore text (kube-proxy's exact input, no hooks) passes
// `iptables-restore --test`; the text with hooks loads into a fresh namespace (nfacct objects
// created first) and `iptables-save` prints exactly our `save` rendering, line for line.
// Compared: everything except the "#" header/footer lines; chain counters are normalised to
// [0:0] (no traffic runs, but the comparison must not depend on it). Builtin chains are part of
// the comparison: their policy lines and, with hooks, their jump rules.
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderIptables } from '../../backends/iptables/index.ts';
import { makeSourceFile } from '../../common/source.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { loadKsvc } from '../../compiler/load-ksvc.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import { CASES, caseOptions } from '../golden/iptables/cases.ts';
import { createKubeProxyNfacct, kernelTests, type Netns, withNetns } from './netns.ts';

const normalise = (saveText: string): string[] =>
  saveText
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]$/, '[0:0]'));

function restoreCmd(ir: IRProgram): { restore: string; save: string } {
  return ir.family === 'ipv4'
    ? { restore: 'iptables-restore', save: 'iptables-save' }
    : { restore: 'ip6tables-restore', save: 'ip6tables-save' };
}

function checkProgram(ns: Netns, label: string, ir: IRProgram): void {
  const cmd = restoreCmd(ir);
  const plain = renderIptables(ir, { format: 'restore' });
  const t = ns.exec(cmd.restore, ['--test'], plain);
  assert.is(t.status, 0, `${label}: ${cmd.restore} --test failed: ${t.stderr}`);
  const hooked = renderIptables(ir, { format: 'restore', hooks: true });
  const load = ns.exec(cmd.restore, [], hooked);
  assert.is(load.status, 0, `${label}: ${cmd.restore} failed: ${load.stderr}`);
  const saved = ns.exec(cmd.save, []);
  assert.is(saved.status, 0, `${label}: ${cmd.save} failed: ${saved.stderr}`);
  const got = normalise(saved.stdout);
  const want = normalise(renderIptables(ir, { format: 'save', hooks: true }));
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    assert.is(got[i], want[i], `${label}: iptables-save line ${i + 1} differs`);
  }
}

async function inFreshNetns(label: string, ir: IRProgram): Promise<void> {
  await withNetns('ipt-load', (ns) => {
    createKubeProxyNfacct(ns);
    checkProgram(ns, label, ir);
  });
}

{
  const test = kernelTests('iptables-load');
  for (const c of CASES) {
    test(`golden ${c.name}: --test, load with hooks, iptables-save equals the save rendering`, async () => {
      const model = c.model();
      const ir = lowerModel(model, caseOptions(c, model)).programs[0]!;
      await inFreshNetns(c.name, ir);
    });
  }

  test('golden restore texts without nfacct objects: only the nfacct-free variant loads', async () => {
    const c = CASES.find((x) => x.name === 'no-nfacct')!;
    const model = c.model();
    const ir = lowerModel(model, caseOptions(c, model)).programs[0]!;
    await withNetns('ipt-nonf', (ns) => {
      const r = ns.exec('iptables-restore', [], renderIptables(ir, { hooks: true }));
      assert.is(r.status, 0, r.stderr);
    });
  });

  const examplesDir = new URL('../../examples/', import.meta.url);
  for (const file of readdirSync(examplesDir)
    .filter((f) => f.endsWith('.ksvc'))
    .sort()) {
    test(`example ${file}: every node and family loads and round-trips through iptables-save`, async () => {
      const path = `examples/${file}`;
      const front = loadKsvc(makeSourceFile(path, readFileSync(new URL(file, examplesDir), 'utf8')));
      if (front.diagnostics.some((d) => d.code === 'not-implemented')) {
        console.warn(`\n!!! ${path}: the .ksvc front end is not implemented yet; example not loaded !!!\n`);
        return;
      }
      assert.ok(front.model, `${path}: ${front.diagnostics.map((d) => d.message).join('; ')}`);
      const model = front.model!;
      const nodes = model.nodes.length > 0 ? model.nodes.map((n) => n.name) : [undefined];
      for (const node of nodes) {
        const r = lowerModel(model, node === undefined ? {} : { node });
        assert.equal(
          r.diagnostics.filter((d) => d.severity === 'error'),
          [],
        );
        for (const ir of r.programs) await inFreshNetns(`${file} node=${node} ${ir.family}`, ir);
      }
    });
  }
}

test.run();
