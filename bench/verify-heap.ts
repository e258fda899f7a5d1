// Benchmark: the live heap verify builds before its check (not a timed test).
//   node --expose-gc --import tsx bench/verify-heap.ts FILE.ksvc
// Loads FILE (its first node, IPv4) step by step as `verify` does and prints the live heap after a
// full collection at each step: the front end's model and IR, each reader's model, the prepared
// check (packet space, both compiled rulesets), and the prepared check once the models are let go
// — what the check starts with. Each reading ends the current job first, so nothing dropped is
// kept alive by the job that dropped it.
import { readFileSync } from 'node:fs';
import { compileIptables } from '../api/iptables.ts';
import { check, parse } from '../api/ksvc.ts';
import { lower } from '../api/lower.ts';
import { compileNftables } from '../api/nftables.ts';
import { evaluate } from '../compiler/ir/evaluate.ts';
import type { IRProgram } from '../compiler/ir/types.ts';
import { affinityListNames, affinityNaming } from '../verifier/affinity-names.ts';
import { readIptables } from '../verifier/iptables/index.ts';
import type { NetfilterProgram } from '../verifier/model/program.ts';
import { readNftables } from '../verifier/nftables/index.ts';
import { prepareVerify } from '../verifier/verify.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run node with --expose-gc');
  process.exit(2);
}
const file = process.argv[2];
if (!file) {
  console.error('usage: node --expose-gc --import tsx bench/verify-heap.ts FILE.ksvc');
  process.exit(2);
}

async function live(step: string): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  gc!();
  console.log(`${step.padEnd(36)} ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0).padStart(6)} MiB`);
}

await live('start');
const model = check(parse(readFileSync(file, 'utf8'), { file })).model;
if (!model) {
  console.error(`${file}: has errors (run ksvc check)`);
  process.exit(1);
}
const ir: IRProgram = lower(model, { node: model.nodes[0]!.name, family: 'ipv4' }).programs[0]!;
await live('model + IR');
let ipt: NetfilterProgram | null = readIptables(compileIptables(ir), {
  file: 'ipt',
  family: 'ipv4',
  assumeHooks: true,
}).program!;
await live('+ iptables model');
let nft: NetfilterProgram | null = readNftables(compileNftables([ir]), { file: 'nft.json' }).programs[0]!;
await live('+ nftables model');
const naming = affinityNaming(ir, affinityListNames(nft));
const prepared = prepareVerify({
  family: 'ipv4',
  ir: { program: ir, evaluate },
  artifacts: [
    { backend: 'iptables', program: ipt, canonicalList: naming.iptables },
    { backend: 'nftables', program: nft, canonicalList: naming.nftables },
  ],
});
await live('+ prepared check');
ipt = null;
nft = null;
await live('prepared check, models let go');
console.log(`(${prepared.setup.compiled.length} compiled rulesets, ${prepared.named.length} distinct named ranges)`);
