// A long campaign of random artifact edits through the kernel's tools (test/kernel/edit-dumps.ts):
// each edited text loaded into a fresh namespace and dumped back. Root only. Prints every problem
// with the seed that reproduces it, and a summary; exits 1 on any.
//   npm run fuzz:edit-dumps -- [--artifact iptables|nftables] [--family first|ipv6] [--from N] [--count N]
import { checkEditDump } from '../test/kernel/edit-dumps.ts';
import { ARTIFACT, campaignArgs, caseOrProblem, FAMILY, requireKernel } from './campaign-args.ts';

const SCRIPT = 'fuzz-edit-dumps';
const { artifact, family, from, count } = campaignArgs(SCRIPT, {
  count: 200,
  choices: { artifact: ARTIFACT(['iptables', 'nftables'] as const, 'nftables'), family: FAMILY },
});
requireKernel(SCRIPT);
const tally = { cases: 0, refused: 0, compared: 0, problems: 0 };
const started = Date.now();
for (let seed = from; seed < from + count; seed++) {
  const r = await caseOrProblem(`seed ${seed} (${artifact}, ${family})`, tally, () =>
    checkEditDump(seed, artifact, family),
  );
  if (r === null || r.outcome === 'skipped') continue;
  tally.cases++;
  tally[r.outcome]++;
  tally.problems += r.problems.length;
  for (const p of r.problems) console.log(`seed ${seed} (${artifact}, ${family}): ${p}\n  edit: ${r.what}`);
  if ((seed - from + 1) % 50 === 0) console.log(`.. ${seed - from + 1} seeds: ${JSON.stringify(tally)}`);
}
console.log(
  `${artifact} (${family}), seeds ${from}..${from + count - 1}, ${((Date.now() - started) / 1000).toFixed(0)} s: ${JSON.stringify(tally)}`,
);
process.exit(tally.problems > 0 ? 1 : 0);
