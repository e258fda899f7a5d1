// A long random-edit campaign against the verifier (test/verifier/random-edits.ts): for each seed, a
// random model, one random edit of one artifact, judged by shapes on/off and a concrete interpreter.
// Prints every problem (with the seed, which reproduces the case) and a summary; exits 1 on any.
//   npm run fuzz:verify -- [--artifact iptables|nftables|model|any] [--from N] [--count N] [--packets N]
//     [--family first|ipv6]   (first: the model's first program, IPv4 whenever it has one)
//     [--edits N]             (N edits per case; with --artifact any each edits one of the three)
import { parseArgs } from 'node:util';
import {
  addToTally,
  checkRandomEdit,
  type EditedArtifact,
  type EditedFamily,
  newTally,
} from '../test/verifier/random-edits.ts';

const { values } = parseArgs({
  options: {
    artifact: { type: 'string', default: 'iptables' },
    from: { type: 'string', default: '0' },
    count: { type: 'string', default: '500' },
    packets: { type: 'string', default: '200' },
    family: { type: 'string', default: 'first' },
    edits: { type: 'string', default: '1' },
  },
});
const artifact = values.artifact as EditedArtifact;
if (artifact !== 'iptables' && artifact !== 'nftables' && artifact !== 'model' && artifact !== 'any') {
  console.error(`fuzz-verify: --artifact must be iptables, nftables, model or any, not '${values.artifact}'`);
  process.exit(2);
}
const family = values.family as EditedFamily;
if (family !== 'first' && family !== 'ipv6') {
  console.error(`fuzz-verify: --family must be first or ipv6, not '${values.family}'`);
  process.exit(2);
}
const [from, count, packets, edits] = [values.from, values.count, values.packets, values.edits].map(Number) as [
  number,
  number,
  number,
  number,
];
if (![from, count, packets, edits].every((n) => Number.isInteger(n) && n >= 0)) {
  console.error('fuzz-verify: --from, --count, --packets and --edits take whole numbers');
  process.exit(2);
}
const summary = newTally();
const started = Date.now();
for (let seed = from; seed < from + count; seed++) {
  const r = checkRandomEdit(seed, artifact, { packets, family, edits });
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
