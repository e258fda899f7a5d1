// Every shard's shape of a prepared check, as verify's check computes them (verifier/engine/
// shape.ts): for bench/verify-phases.ts and bench/verify-shapes.ts.
import { readFileSync } from 'node:fs';
import { compileIptables } from '../api/iptables.ts';
import { check, parse } from '../api/ksvc.ts';
import { lower } from '../api/lower.ts';
import { compileNftables } from '../api/nftables.ts';
import type { IRProgram } from '../compiler/ir/types.ts';
import { affinityListNames, affinityNaming } from '../verifier/affinity-names.ts';
import { collectIRShardKeys } from '../verifier/engine/ir-view.ts';
import { prepare, rootsByState } from '../verifier/engine/setup.ts';
import { type ShapeContext, shapeContext, shardShape } from '../verifier/engine/shape.ts';
import { buildShards, collectProgramKeys, emptyShardKeys } from '../verifier/engine/shards.ts';
import { readIptables } from '../verifier/iptables/index.ts';
import { readNftables } from '../verifier/nftables/index.ts';

/** Both artifacts of an IPv4 IR program compiled, read back and prepared against its packet space. */
export function preparedFromIR(ir: IRProgram): ReturnType<typeof prepare> {
  const ipt = readIptables(compileIptables(ir), { file: 'ipt', family: 'ipv4', assumeHooks: true });
  const nft = readNftables(compileNftables([ir]), { file: 'nft.json' });
  const naming = affinityNaming(ir, affinityListNames(nft.programs[0]!));
  return prepare(
    'ipv4',
    ir,
    [
      { backend: 'iptables', program: ipt.program!, canonicalList: naming.iptables },
      { backend: 'nftables', program: nft.programs[0]!, canonicalList: naming.nftables },
    ],
    { mode: 'concrete', addresses: ir.nodeIPs },
  );
}

/** Each fresh shard's shape in shard order (null: not cached), and the context naming their bodies. */
export function freshShapes(
  setup: ReturnType<typeof prepare>,
  ir: IRProgram,
): { ctx: ShapeContext; shapes: (string | null)[] } {
  const keys = emptyShardKeys();
  for (const c of setup.compiled) collectProgramKeys(keys, c.program);
  collectIRShardKeys(keys, ir, setup.space);
  const { fresh } = rootsByState(setup.space, setup.roots);
  const ctx = shapeContext(setup.space, setup.compiled, ir, fresh.length);
  const shapes: (string | null)[] = [];
  for (const [i, r] of fresh.entries())
    for (const shard of buildShards(r, keys)) shapes.push(shardShape(ctx, shard, i));
  return { ctx, shapes };
}

/** How many distinct shapes the fresh shards have, and how many shards there are. */
export function everyShardShape(setup: ReturnType<typeof prepare>, ir: IRProgram): { shapes: number; shards: number } {
  const { shapes } = freshShapes(setup, ir);
  return { shapes: new Set(shapes.filter((s) => s !== null)).size, shards: shapes.length };
}

/**
 * A bench's command line, FILE.ksvc [ROUNDS]: FILE's first node's IPv4 program and the rounds
 * (default 3); a usage line and exit 2 without a file, or when the file has errors.
 */
export function benchArguments(script: string): { ir: IRProgram; rounds: number } {
  const file = process.argv[2];
  if (!file) {
    console.error(`usage: node --import tsx bench/${script} FILE.ksvc [ROUNDS]`);
    process.exit(2);
  }
  const model = check(parse(readFileSync(file, 'utf8'), { file })).model;
  if (!model) {
    console.error(`${file}: has errors (run ksvc check)`);
    process.exit(2);
  }
  const ir = lower(model, { node: model.nodes[0]!.name, family: 'ipv4' }).programs[0]!;
  return { ir, rounds: Number(process.argv[3] ?? 3) };
}
