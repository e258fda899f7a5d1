// A long campaign of random models through real netfilter (test/kernel/random-cases.ts): for each
// seed, a random model, family and environment, both backends loaded into fresh namespaces and
// probed against each other and the IR (test/kernel/matrix.ts), and their dumps (iptables-save -c,
// nft -j list ruleset) read back by the verifier (test/kernel/dumps.ts). Root only. Prints every failing
// seed with its report and a summary; exits 1 on any.
//   npm run fuzz:kernel -- [--from N] [--count N] [--topology on]   (on: nodes in zones, endpoints with hints)
import { dumpProblems } from '../test/kernel/dumps.ts';
import { describeKernelCase, kernelCase, runKernelCase } from '../test/kernel/random-cases.ts';
import { campaignArgs, requireKernel } from './campaign-args.ts';

const { from, count, topology } = campaignArgs('fuzz-kernel', {
  count: 100,
  choices: { topology: { values: ['off', 'on'] as const, default: 'off' } },
});
requireKernel('fuzz-kernel');
const summary = { probed: 0, failed: 0, probes: 0 };
const started = Date.now();
for (let seed = from; seed < from + count; seed++) {
  const c = kernelCase(seed, { topology: topology === 'on' });
  if (!c.probed) continue;
  summary.probed++;
  try {
    const r = await runKernelCase(c, `fk${seed % 10000}-`);
    summary.probes += r.probes;
    const found = [...r.disagreements, ...r.irMismatches, ...(await dumpProblems(c.ir!))];
    if (found.length === 0) continue;
    summary.failed++;
    console.log(`seed ${seed} (${c.family}): ${found.join('\n  ')}\n${describeKernelCase(c, r)}`);
  } catch (e) {
    summary.failed++;
    console.log(`seed ${seed} (${c.family}): ${(e as Error).message}`);
  }
}
console.log(
  `seeds ${from}..${from + count - 1}, ${((Date.now() - started) / 1000).toFixed(0)} s: ${JSON.stringify(summary)}`,
);
process.exit(summary.failed > 0 ? 1 : 0);
