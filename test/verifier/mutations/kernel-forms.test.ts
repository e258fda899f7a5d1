// Kernel tier (root only; skips loudly otherwise): the behaviour-preserving "forms" as the kernel
// itself writes them. In fresh network namespaces, ksvc's iptables-restore text is loaded and read
// back with `iptables-save -c`: without kube-proxy's hooks (installed apart), that listing reaches
// none of its chains and is read so. The save-form edit (save-form.ts), which brings its hooks, is
// loaded with `iptables-restore -c` (so it is input the kernel accepts) and read back too; the nft
// document is loaded and listed with `nft -j list ruleset`. Each read-back with its hooks must
// verify equivalent to the other artifact and the IR.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { verifyArtifacts } from '../../../api/verify.ts';
import { createKubeProxyNfacct, kernelTests, type Netns, withNetns } from '../../kernel/netns.ts';
import { artifactsOf, targetName } from './fixtures.ts';
import { restoreToSave } from './save-form.ts';
import { A4, A6, S4, type Target } from './types.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ksvc-mutation-forms-'));

function run(ns: Netns, cmd: string, args: string[], input?: string): string {
  const r = ns.exec(cmd, args, input);
  assert.is(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

function assertEquivalent(t: Target, which: 'iptables' | 'nftables', text: string, label: string): void {
  const a = artifactsOf(t);
  const r = verifyArtifacts({
    iptables: { text: which === 'iptables' ? text : a.iptables, file: `<iptables ${label}>` },
    nftables: { text: which === 'nftables' ? text : a.nftables, file: `<nftables ${label}>` },
    model: { model: a.model, node: a.node },
    family: a.family,
  });
  const errors = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`);
  assert.equal(errors, [], label);
  assert.ok(r.runs[0]?.report?.equivalent, `${label}: not equivalent`);
}

/** A listing without kube-proxy's jumps: the warning that says so, and not equivalent. */
function assertHooksMissing(t: Target, text: string, label: string): void {
  const a = artifactsOf(t);
  const r = verifyArtifacts({
    iptables: { text, file: `<iptables ${label}>` },
    nftables: { text: a.nftables, file: `<nftables ${label}>` },
    model: { model: a.model, node: a.node },
    family: a.family,
  });
  assert.ok(
    r.diagnostics.some((d) => d.code === 'ipt-hooks-missing'),
    r.diagnostics.map((d) => d.code).join(', '),
  );
  assert.not.ok(r.runs[0]?.report?.equivalent, `${label}: equivalent, though nothing reaches kube-proxy's chains`);
}

{
  const test = kernelTests('mutation forms');
  for (const t of [A4, A6, S4]) {
    const name = targetName(t);
    test(`kernel: ${name}: the loaded restore input alone reaches nothing (no hooks); the loaded save-form edit verifies equivalent`, async () => {
      const a = artifactsOf(t);
      const [restore, save] =
        t.family === 'ipv4' ? ['iptables-restore', 'iptables-save'] : ['ip6tables-restore', 'ip6tables-save'];
      await withNetns('mut-ipt', (ns) => {
        createKubeProxyNfacct(ns);
        run(ns, restore, [], a.iptables);
        // kube-proxy's restore input alone: its hooks are not in the kernel (kube-proxy installs
        // them apart), so the node's listing reaches none of its chains, and is read so
        assertHooksMissing(t, run(ns, save, ['-c']), `${name} iptables-save without hooks`);
        run(ns, restore, ['-c'], restoreToSave(a.iptables, t.family));
        const reloaded = run(ns, save, ['-c']);
        assert.ok(reloaded.includes('-j KUBE-SERVICES'), 'the save form brought its own hook rules');
        assertEquivalent(t, 'iptables', reloaded, `${name} save form, reloaded`);
      });
    });
    test(`kernel: ${name}: nft -j list ruleset of the loaded document verifies equivalent`, async () => {
      const a = artifactsOf(t);
      const file = join(tmp, `${t.fixture}-${t.node}.json`);
      writeFileSync(file, a.nftables);
      await withNetns('mut-nft', (ns) => {
        run(ns, 'nft', ['-j', '-f', file]);
        assertEquivalent(t, 'nftables', run(ns, 'nft', ['-j', 'list', 'ruleset']), `${name} nft list ruleset`);
      });
    });
  }
}

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
