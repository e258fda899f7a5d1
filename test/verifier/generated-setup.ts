// A generated cluster (bench/generate.ts) made ready to check, for tests of the engine's parts:
// its IR for the first node (IPv4), both artifacts compiled and read back, and prepare()'s setup.
import { compileIptables } from '../../api/iptables.ts';
import { check, parse } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { compileNftables } from '../../api/nftables.ts';
import { type GenerateOptions, generateKsvc } from '../../bench/generate.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { affinityListNames, affinityNaming } from '../../verifier/affinity-names.ts';
import { prepare, type Setup } from '../../verifier/engine/setup.ts';
import { readIptables } from '../../verifier/iptables/index.ts';
import { readNftables } from '../../verifier/nftables/index.ts';

export function generatedSetup(options: GenerateOptions): { ir: IRProgram; setup: Setup } {
  const model = check(parse(generateKsvc(options), { file: 'gen.ksvc' })).model!;
  const ir = lower(model, { node: model.nodes[0]!.name, family: 'ipv4' }).programs[0]!;
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
  return { ir, setup };
}
