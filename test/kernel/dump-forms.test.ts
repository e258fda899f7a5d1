// Kernel tier for the verifier's readers on random models (random-cases.ts; root only, skips loudly
// otherwise): each model's iptables-restore text and nft document are loaded into fresh namespaces
// and dumped back (`iptables-save -c`, `nft -j list ruleset`). Each dump must read without a
// diagnostic to the same program as the text it was loaded from: the kernel prints some constructs
// its own way (a mask of leading mark bits as a prefix), and the readers must know every one.
import * as assert from 'uvu/assert';
import { renderIptables } from '../../backends/iptables/index.ts';
import { renderNftablesJson } from '../../backends/nftables/index.ts';
import { readIptables } from '../../verifier/iptables/index.ts';
import { readNftables } from '../../verifier/nftables/index.ts';
import { codesAt, withoutOrigins as iptablesWithoutOrigins } from '../verifier/iptables-support.ts';
import { withoutOrigins as nftWithoutOrigins } from '../verifier/nft-support.ts';
import { nftFile } from './load.ts';
import { createKubeProxyNfacct, kernelTests, withNetns } from './netns.ts';
import { type KernelCase, kernelCase, kernelCases } from './random-cases.ts';

// A fixed sample, and the seeds whose masquerade bit 31 nft lists as a mark prefix (they were
// refused before the nft reader knew that form).
const CASES: KernelCase[] = [...[119, 135, 394].map(kernelCase), ...kernelCases(2026_12_06, 16)].filter(
  (c) => c.probed,
);

const errorsOf = (ds: readonly { severity: string; code: string; message: string }[]) =>
  ds.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`);

{
  const test = kernelTests('dump forms of random models');
  const seen = { models: 0, markBit31: 0 };

  CASES.forEach((c, i) => {
    const ir = c.ir!;
    test(`model ${i} (${ir.family}): iptables-save -c and nft -j list ruleset read as what was loaded`, async () => {
      const restore = renderIptables(ir, { format: 'restore', hooks: true });
      const [restoreCmd, saveCmd] =
        ir.family === 'ipv4' ? ['iptables-restore', 'iptables-save'] : ['ip6tables-restore', 'ip6tables-save'];
      const saved = await withNetns('dump-ipt', (ns) => {
        if (ir.environment.nfacct) createKubeProxyNfacct(ns);
        const load = ns.exec(restoreCmd, [], restore);
        assert.is(load.status, 0, `${restoreCmd}: ${load.stderr}`);
        const save = ns.exec(saveCmd, ['-c']);
        assert.is(save.status, 0, `${saveCmd} -c: ${save.stderr}`);
        return save.stdout;
      });
      const fromText = readIptables(restore, { file: 'restore' });
      const fromKernel = readIptables(saved, { file: 'iptables-save -c' });
      assert.equal(codesAt(fromText.diagnostics), [], 'restore text');
      assert.equal(codesAt(fromKernel.diagnostics), [], 'iptables-save -c');
      assert.equal(iptablesWithoutOrigins(fromKernel.program!), iptablesWithoutOrigins(fromText.program!));

      const doc = renderNftablesJson(ir);
      const listed = await withNetns('dump-nft', (ns) => {
        nftFile(ns, ['-j', '-f'], doc);
        const list = ns.exec('nft', ['-j', 'list', 'ruleset']);
        assert.is(list.status, 0, `nft -j list ruleset: ${list.stderr}`);
        return list.stdout;
      });
      const fromDoc = readNftables(doc, { file: 'document' });
      const fromListing = readNftables(listed, { file: 'nft -j list ruleset' });
      assert.equal(errorsOf(fromDoc.diagnostics), [], 'document');
      assert.equal(errorsOf(fromListing.diagnostics), [], 'nft -j list ruleset');
      assert.is(nftWithoutOrigins(fromListing.programs), nftWithoutOrigins(fromDoc.programs));
      seen.models++;
      if (ir.masqueradeMark === 0x80000000) seen.markBit31++;
    });
  });

  test('the sample holds a masquerade bit 31', () => {
    assert.is(seen.models, CASES.length, JSON.stringify(seen));
    assert.ok(seen.markBit31 >= 1, JSON.stringify(seen));
  });

  test.run();
}
