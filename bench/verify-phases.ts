// Child of bench/verify.ts: one verification of FILE (its first node, IPv4) split into phases, each
// timed in CPU ms; prints one JSON line. The phases are the ones `verify` runs, called one by one
// (verifier/verify.ts), plus a separate pass that only computes the shard shapes.
import { readFileSync } from 'node:fs';
import { compileIptables } from '../api/iptables.ts';
import { check, parse } from '../api/ksvc.ts';
import { lower } from '../api/lower.ts';
import { compileNftables } from '../api/nftables.ts';
import { evaluate } from '../compiler/ir/evaluate.ts';
import { affinityListNames, affinityNaming } from '../verifier/affinity-names.ts';
import { prepare } from '../verifier/engine/setup.ts';
import { readIptables } from '../verifier/iptables/index.ts';
import { readNftables } from '../verifier/nftables/index.ts';
import { verify } from '../verifier/verify.ts';
import { everyShardShape } from './shard-shapes.ts';

const file = process.argv[2]!;
const figures: Record<string, number | string> = {};
function timed<T>(name: string, f: () => T): T {
  const c0 = process.cpuUsage();
  const r = f();
  const c = process.cpuUsage(c0);
  figures[`${name}CpuS`] = Number(((c.user + c.system) / 1e6).toFixed(2));
  return r;
}

const ir = timed('front', () => {
  const checked = check(parse(readFileSync(file, 'utf8'), { file }));
  const model = checked.model!;
  return lower(model, { node: model.nodes[0]!.name, family: 'ipv4' }).programs[0]!;
});
const texts = timed('compile', () => ({ ipt: compileIptables(ir), nft: compileNftables([ir]) }));
const ipt = timed('readIptables', () => readIptables(texts.ipt, { file: 'ipt', family: 'ipv4', assumeHooks: true }));
const nft = timed('readNftables', () => readNftables(texts.nft, { file: 'nft.json' }));
const naming = affinityNaming(ir, affinityListNames(nft.programs[0]!));
const artifacts = [
  { backend: 'iptables' as const, program: ipt.program!, canonicalList: naming.iptables },
  { backend: 'nftables' as const, program: nft.programs[0]!, canonicalList: naming.nftables },
];
const locality = { mode: 'concrete' as const, addresses: ir.nodeIPs };
/** Space and shapes in their own scope, so the check below does not run beside a second copy. */
function spaceAndShapes(): void {
  const setup = timed('space', () => prepare('ipv4', ir, artifacts, locality));
  timed('shapes', () => {
    const { shapes, shards } = everyShardShape(setup, ir);
    figures.shapes = shapes;
    figures.freshShards = shards;
  });
}
spaceAndShapes();
(globalThis as { gc?: () => void }).gc?.();
const report = timed('check', () => verify({ family: 'ipv4', ir: { program: ir, evaluate }, artifacts, locality }));
figures.equivalent = String(report.equivalent);
figures.classes = report.stats.classes;
figures.shards = report.stats.shards;
figures.evaluatedShards = report.stats.evaluatedShards;
figures.peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(JSON.stringify(figures));
