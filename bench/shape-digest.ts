// A digest of every fresh shard's full shape text (bodies written out), in shard order, per node of
// each FILE, IPv4: the same digests before and after a change to the shape writer
// (verifier/engine/shape*.ts) mean it writes the same shapes. Not a test (the texts are no
// contract); a tool for a change that must not alter them.
//   node --max-old-space-size=4096 --import tsx bench/shape-digest.ts FILE.ksvc...
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { compileIptables } from '../api/iptables.ts';
import { check, parse } from '../api/ksvc.ts';
import { lower } from '../api/lower.ts';
import { compileNftables } from '../api/nftables.ts';
import { affinityListNames, affinityNaming } from '../verifier/affinity-names.ts';
import { collectIRShardKeys } from '../verifier/engine/ir-view.ts';
import { prepare, rootsByState } from '../verifier/engine/setup.ts';
import { shapeContext, shapeText, shardShape } from '../verifier/engine/shape.ts';
import { buildShards, collectProgramKeys, emptyShardKeys } from '../verifier/engine/shards.ts';
import { readIptables } from '../verifier/iptables/index.ts';
import { readNftables } from '../verifier/nftables/index.ts';

for (const file of process.argv.slice(2)) {
  const model = check(parse(readFileSync(file, 'utf8'), { file })).model!;
  for (const node of model.nodes.map((n) => n.name)) {
    const ir = lower(model, { node, family: 'ipv4' }).programs[0]!;
    const ipt = readIptables(compileIptables(ir), { file: 'ipt', family: 'ipv4', assumeHooks: true });
    const nft = readNftables(compileNftables([ir]), { file: 'nft.json' });
    const naming = affinityNaming(ir, affinityListNames(nft.programs[0]!));
    const setup = prepare(
      'ipv4',
      ir,
      [
        { backend: 'iptables', program: ipt.program!, canonicalList: naming.iptables },
        { backend: 'nftables', program: nft.programs[0]!, canonicalList: naming.nftables },
      ],
      { mode: 'concrete', addresses: ir.nodeIPs },
    );
    const keys = emptyShardKeys();
    for (const c of setup.compiled) collectProgramKeys(keys, c.program);
    collectIRShardKeys(keys, ir, setup.space);
    const { fresh } = rootsByState(setup.space, setup.roots);
    const ctx = shapeContext(setup.space, setup.compiled, ir, fresh.length);
    const h = createHash('sha256');
    let n = 0;
    for (const [i, r] of fresh.entries())
      for (const shard of buildShards(r, keys)) {
        const s = shardShape(ctx, shard, i);
        if (s !== null) {
          h.update(shapeText(ctx, s));
          h.update('\0');
          n++;
        }
      }
    console.log(file, node, n, h.digest('hex').slice(0, 16));
  }
}
