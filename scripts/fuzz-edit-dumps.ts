// A long campaign of random artifact edits through the kernel's tools (test/kernel/edit-dumps.ts):
// each edited text loaded into a fresh namespace and dumped back. Root only. Prints every problem
// with the seed that reproduces it, and a summary; exits 1 on any.
//   npm run fuzz:edit-dumps -- [--artifact iptables|nftables] [--family first|ipv6] [--from N] [--count N]
import { parseArgs } from 'node:util';
import { checkEditDump } from '../test/kernel/edit-dumps.ts';
import { kernelSkipReason } from '../test/kernel/netns.ts';

const { values } = parseArgs({
  options: {
    artifact: { type: 'string', default: 'nftables' },
    family: { type: 'string', default: 'first' },
    from: { type: 'string', default: '0' },
    count: { type: 'string', default: '200' },
  },
});
const { artifact, family } = values;
if (artifact !== 'iptables' && artifact !== 'nftables') {
  console.error(`fuzz-edit-dumps: --artifact must be iptables or nftables, not '${artifact}'`);
  process.exit(2);
}
if (family !== 'first' && family !== 'ipv6') {
  console.error(`fuzz-edit-dumps: --family must be first or ipv6, not '${family}'`);
  process.exit(2);
}
const [from, count] = [values.from, values.count].map(Number) as [number, number];
if (![from, count].every((n) => Number.isInteger(n) && n >= 0)) {
  console.error('fuzz-edit-dumps: --from and --count take whole numbers');
  process.exit(2);
}
const skip = kernelSkipReason();
if (skip !== null) {
  console.error(`fuzz-edit-dumps: ${skip}`);
  process.exit(2);
}
const tally = { cases: 0, refused: 0, compared: 0, problems: 0 };
const started = Date.now();
for (let seed = from; seed < from + count; seed++) {
  const r = await checkEditDump(seed, artifact, family);
  if (r.outcome === 'skipped') continue;
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
