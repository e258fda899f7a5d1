// Kernel tier for the verifier's iptables reader (root only; skips loudly otherwise): every golden
// case, with hooks, is loaded into a fresh namespace with iptables-restore and dumped back with
// `iptables-save -c`. The reader must read both texts without a diagnostic and give the same
// program (origins aside): what the kernel kept is what the reader understood from the input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderIptables } from '../../backends/iptables/index.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import { readIptables } from '../../verifier/iptables/index.ts';
import { CASES, caseOptions } from '../golden/iptables/cases.ts';
import { codesAt, withoutOrigins } from '../verifier/iptables-support.ts';
import { savedByKernel } from './dumps.ts';
import { kernelTests } from './netns.ts';

{
  const test = kernelTests('iptables-read');
  for (const c of CASES) {
    test(`golden ${c.name}: the restore text and the kernel's iptables-save -c give the same program`, async () => {
      const model = c.model();
      const ir = lowerModel(model, caseOptions(c, model)).programs[0]!;
      const restore = renderIptables(ir, { format: 'restore', hooks: true });
      const saved = await savedByKernel(ir, restore);
      assert.match(saved, /^\[\d+:\d+\] -A /m, 'the dump has rule counters');
      const fromText = readIptables(restore, { file: `${c.name}.restore` });
      const fromKernel = readIptables(saved, { file: `${c.name} (iptables-save -c)` });
      assert.equal(codesAt(fromText.diagnostics), [], `${c.name}: restore text`);
      assert.equal(codesAt(fromKernel.diagnostics), [], `${c.name}: kernel dump`);
      assert.equal(withoutOrigins(fromKernel.program!), withoutOrigins(fromText.program!), c.name);
    });
  }
}

test.run();
