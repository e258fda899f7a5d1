// A long campaign of random models through real netfilter (test/kernel/random-cases.ts): for each
// seed, a random model, family and environment, both backends loaded into fresh namespaces and
// probed against each other and the IR (test/kernel/matrix.ts), and their dumps (iptables-save -c,
// nft -j list ruleset) read back by the verifier (test/kernel/dumps.ts). Root only. Prints every failing
// seed with its report and a summary; exits 1 on any.
//   npm run fuzz:kernel -- [--from N] [--count N]
import { parseArgs } from 'node:util';
import { dumpProblems } from '../test/kernel/dumps.ts';
import { kernelSkipReason } from '../test/kernel/netns.ts';
import { describeKernelCase, kernelCase, runKernelCase } from '../test/kernel/random-cases.ts';

const { values } = parseArgs({
  options: { from: { type: 'string', default: '0' }, count: { type: 'string', default: '100' } },
});
const [from, count] = [values.from, values.count].map(Number) as [number, number];
if (![from, count].every((n) => Number.isInteger(n) && n >= 0)) {
  console.error('fuzz-kernel: --from and --count take whole numbers');
  process.exit(2);
}
const skip = kernelSkipReason();
if (skip !== null) {
  console.error(`fuzz-kernel: cannot run: ${skip}`);
  process.exit(2);
}
const summary = { probed: 0, failed: 0, probes: 0 };
const started = Date.now();
for (let seed = from; seed < from + count; seed++) {
  const c = kernelCase(seed);
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
