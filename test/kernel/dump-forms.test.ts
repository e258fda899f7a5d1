// Kernel tier for the verifier's readers on random models (random-cases.ts; root only, skips loudly
// otherwise): each model's iptables-restore text and nft document are loaded into fresh namespaces
// and dumped back (`iptables-save -c`, `nft -j list ruleset`). Each dump must read without a
// diagnostic to the same program as the text it was loaded from: the kernel prints some constructs
// its own way (a mask of leading mark bits as a prefix), and the readers must know every one.
import * as assert from 'uvu/assert';
import { dumpProblems } from './dumps.ts';
import { kernelTests } from './netns.ts';
import { type KernelCase, kernelCase, kernelCases } from './random-cases.ts';

// A fixed sample, and the seeds whose masquerade bit 31 nft lists as a mark prefix (they were
// refused before the nft reader knew that form).
const CASES: KernelCase[] = [...[119, 135, 394].map((seed) => kernelCase(seed)), ...kernelCases(2026_12_06, 16)].filter(
  (c) => c.probed,
);

{
  const test = kernelTests('dump forms of random models');
  const seen = { models: 0, markBit31: 0 };

  CASES.forEach((c, i) => {
    const ir = c.ir!;
    test(`model ${i} (${ir.family}): iptables-save -c and nft -j list ruleset read as what was loaded`, async () => {
      assert.equal(await dumpProblems(ir), []);
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
