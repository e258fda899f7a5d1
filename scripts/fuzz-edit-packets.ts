// A long campaign of random artifact edits probed in the kernel (test/kernel/edit-packets.ts): each
// edited ruleset loaded into the packet-test topology, every frontend probed from every source,
// and the kernel's outcomes held to the reading of the edited text. Root only. Prints every problem
// with the seed that reproduces it, and a summary; exits 1 on any.
//   npm run fuzz:edit-packets -- [--artifact iptables|nftables] [--family first|ipv6] [--from N] [--count N]
//     [--edits N]   (N edits of the artifact per case)
import { checkEditPackets } from '../test/kernel/edit-packets.ts';
import { ARTIFACT, campaignArgs, caseOrProblem, FAMILY, requireKernel } from './campaign-args.ts';

const SCRIPT = 'fuzz-edit-packets';
const { artifact, family, from, count, numbers } = campaignArgs(SCRIPT, {
  count: 100,
  choices: { artifact: ARTIFACT(['iptables', 'nftables'] as const, 'iptables'), family: FAMILY },
  numbers: { edits: 1 },
});
const edits = numbers.edits!;
requireKernel(SCRIPT);
const tally = { cases: 0, probed: 0, probes: 0, unreadable: 0, refused: 0, foreign: 0, unmodelled: 0, problems: 0 };
const started = Date.now();
for (let seed = from; seed < from + count; seed++) {
  const r = await caseOrProblem(`seed ${seed} (${artifact}, ${family})`, tally, () =>
    checkEditPackets(seed, artifact, family, edits),
  );
  if (r === null || r.outcome === 'skipped') continue;
  tally.cases++;
  tally[r.outcome]++;
  tally.probes += r.probes;
  tally.problems += r.problems.length;
  if (r.problems.length > 0) {
    console.log(`seed ${seed} (${artifact}, ${family}): ${r.problems.length} problems\n  edit: ${r.what}`);
    for (const p of r.problems.slice(0, 5)) console.log(`  ${p}`);
  }
  if ((seed - from + 1) % 25 === 0) console.log(`.. ${seed - from + 1} seeds: ${JSON.stringify(tally)}`);
}
console.log(
  `${artifact} (${family}, ${edits} edit${edits === 1 ? '' : 's'}), seeds ${from}..${from + count - 1}, ${((Date.now() - started) / 1000).toFixed(0)} s: ${JSON.stringify(tally)}`,
);
process.exit(tally.problems > 0 ? 1 : 0);
