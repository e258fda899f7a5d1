// A long random-edit campaign against the verifier (test/verifier/random-edits.ts): for each seed, a
// random model, one random edit of one artifact, judged by shapes on/off and a concrete interpreter.
// Prints every problem (with the seed, which reproduces the case) and a summary; exits 1 on any.
//   npm run fuzz:verify -- [--artifact iptables|nftables|model|any] [--from N] [--count N] [--packets N]
//     [--family first|ipv6]   (first: the model's first program, IPv4 whenever it has one)
//     [--edits N]             (N edits per case; with --artifact any each edits one of the three)
import { addToTally, checkRandomEdit, newTally } from '../test/verifier/random-edits.ts';
import { ARTIFACT, campaignArgs, caseOrProblem, FAMILY } from './campaign-args.ts';

const { artifact, family, from, count, numbers } = campaignArgs('fuzz-verify', {
  count: 500,
  choices: { artifact: ARTIFACT(['iptables', 'nftables', 'model', 'any'] as const, 'iptables'), family: FAMILY },
  numbers: { packets: 200, edits: 1 },
});
const { packets, edits } = numbers as { packets: number; edits: number };
const summary = newTally();
const started = Date.now();
for (let seed = from; seed < from + count; seed++) {
  const r = await caseOrProblem(`seed ${seed} (${artifact})`, summary, () =>
    checkRandomEdit(seed, artifact, { packets, family, edits }),
  );
  if (r === null) continue;
  addToTally(summary, r);
  for (const p of r.problems) {
    console.log(`seed ${seed} (${artifact}): ${p}\n  edit: ${r.edit?.what ?? '-'}`);
  }
  if ((seed - from + 1) % 100 === 0) console.log(`.. ${seed - from + 1} seeds: ${JSON.stringify(summary)}`);
}
console.log(
  `${artifact} (${family}, ${edits} edit${edits === 1 ? '' : 's'}), seeds ${from}..${from + count - 1}, ${((Date.now() - started) / 1000).toFixed(0)} s: ${JSON.stringify(summary)}`,
);
process.exit(summary.problems > 0 ? 1 : 0);
