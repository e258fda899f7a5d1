// Kernel tier for partial restores (root only; skips loudly otherwise): a node namespace loaded
// with the old version's rules (with the builtin-chain hooks, as a node has them), then given
// `ksvc compile --since`'s partial restore through `iptables-restore --noflush`, as kube-proxy
// applies it, holds exactly what a fresh namespace loaded with the new version holds — compared
// as the kernel prints them (iptables-save, every chain and rule, builtin chains too). For kube-
// proxy's own sequence of syncs (TestSyncProxyRulesRepeated) and for random model edits. And the
// README's check of a node, through the CLI: its iptables-save routes as OLD says before the
// update, and as NEW says (no longer as OLD) after it.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileIptables, compileIptablesPartial } from '../../api/iptables.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { editedVersions, program, restore, STEPS, SVC1, SVC2, type Tables } from '../unit/partial-steps.ts';
import { ksvc, write } from '../unit/verify-cli-support.ts';
import { createKubeProxyNfacct, kernelTests, type Netns, withNetns } from './netns.ts';

const tools = (ir: IRProgram) =>
  ir.family === 'ipv4'
    ? { restore: 'iptables-restore', save: 'iptables-save' }
    : { restore: 'ip6tables-restore', save: 'ip6tables-save' };

/** What the kernel holds, as iptables-save prints it (counters and comment lines dropped). */
function saved(ns: Netns, ir: IRProgram): Tables {
  const r = ns.exec(tools(ir).save, []);
  assert.is(r.status, 0, r.stderr);
  const text = r.stdout
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/ \[\d+:\d+\]$/, ' [0:0]'))
    .join('\n');
  return restore(new Map(), text, false);
}

function load(ns: Netns, ir: IRProgram, text: string, noflush: boolean): void {
  const r = ns.exec(tools(ir).restore, noflush ? ['--noflush'] : [], text);
  assert.is(r.status, 0, `${tools(ir).restore}${noflush ? ' --noflush' : ''}: ${r.stderr}`);
}

/** Apply each version in turn by partial restores on one node; each state against a fresh load. */
async function followVersions(tag: string, versions: IRProgram[], label: (i: number) => string): Promise<void> {
  await withNetns(`${tag}-node`, async (node) => {
    createKubeProxyNfacct(node);
    load(node, versions[0]!, compileIptables(versions[0]!, { hooks: true }), false);
    for (let i = 1; i < versions.length; i++) {
      const [before, after] = [versions[i - 1]!, versions[i]!];
      load(node, after, compileIptablesPartial(before, after).text, true);
      const want = await withNetns(`${tag}-fresh`, (fresh) => {
        createKubeProxyNfacct(fresh);
        load(fresh, after, compileIptables(after, { hooks: true }), false);
        return saved(fresh, after);
      });
      assert.equal(saved(node, after), want, label(i));
    }
  });
}

{
  const test = kernelTests('partial restores');

  test("kube-proxy's repeated syncs: each partial restore leaves the kernel as a fresh load", async () => {
    const versions = [program(SVC1, SVC2), ...STEPS.map((s) => program(...s.services))];
    await followVersions('ipt-partial', versions, (i) => STEPS[i - 1]!.what);
  });

  test('random model edits (both families): the partial restore leaves the kernel as a fresh load', async () => {
    for (const v of editedVersions(12, 2))
      await followVersions(`ipt-partial-${v.seed}`, [v.before, v.after], () => v.label);
  });

  test("the README's check of a node: it routes as OLD before the update, as NEW (not OLD) after", async () => {
    const text = readFileSync('examples/everything.ksvc', 'utf8');
    const signalling = '  endpoints 10.64.3.20 on node-c\n';
    assert.ok(text.includes(signalling));
    const OLD = write('node-check-old.ksvc', text);
    const NEW = write('node-check-new.ksvc', text.replace(signalling, '  endpoints 10.64.3.21 on node-c\n'));
    const at = ['--node', 'node-a', '--family', 'ipv4', '--backend', 'iptables'];
    await withNetns('ipt-node-check', async (node) => {
      createKubeProxyNfacct(node);
      const apply = (text: string, args: string[]) => {
        const r = node.exec('iptables-restore', args, text);
        assert.is(r.status, 0, r.stderr);
      };
      /** `iptables-save | ksvc verify --iptables - --model MODEL --node node-a`: its exit code */
      const routesAs = async (model: string) => {
        const listing = node.exec('iptables-save', []);
        assert.is(listing.status, 0, listing.stderr);
        const file = write('node-check-save.txt', listing.stdout);
        return (await ksvc('verify', '--iptables', file, '--model', model, '--node', 'node-a')).code;
      };
      apply((await ksvc('compile', OLD, ...at, '--with-hooks')).stdout, []);
      assert.is(await routesAs(OLD), 0, 'before: as OLD');
      const partial = await ksvc('compile', NEW, '--since', OLD, ...at);
      assert.is(partial.code, 0, partial.stderr);
      apply(partial.stdout, ['--noflush']);
      assert.is(await routesAs(NEW), 0, 'after: as NEW');
      assert.is(await routesAs(OLD), 1, 'after: no longer as OLD');
    });
  });
}

test.run();
