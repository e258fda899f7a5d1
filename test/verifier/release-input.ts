// A small generated cluster (30 services, 30 % with affinity), its IR for the first node and both
// artifacts read back: the input of the prepared-check release tests (prepared-release.test.ts and
// the probe it runs, release-probe.ts).
import { compileIptables } from '../../api/iptables.ts';
import { check, parse } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { compileNftables } from '../../api/nftables.ts';
import { generateKsvc } from '../../bench/generate.ts';
import { evaluate } from '../../compiler/ir/evaluate.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { affinityListNames, affinityNaming } from '../../verifier/affinity-names.ts';
import { readIptables } from '../../verifier/iptables/index.ts';
import { readNftables } from '../../verifier/nftables/index.ts';
import type { VerifyInput } from '../../verifier/verify.ts';

export function irOf(): IRProgram {
  const text = generateKsvc({ services: 30, endpointsPerService: 3, seed: 5, affinityShare: 0.3 });
  const model = check(parse(text, { file: 'gen.ksvc' })).model!;
  return lower(model, { node: model.nodes[0]!.name, family: 'ipv4' }).programs[0]!;
}

export function input(ir: IRProgram): VerifyInput {
  const ipt = readIptables(compileIptables(ir), { file: 'ipt', family: 'ipv4', assumeHooks: true }).program!;
  const nft = readNftables(compileNftables([ir]), { file: 'nft.json' }).programs[0]!;
  const naming = affinityNaming(ir, affinityListNames(nft));
  return {
    family: 'ipv4',
    ir: { program: ir, evaluate },
    artifacts: [
      { backend: 'iptables', program: ipt, canonicalList: naming.iptables },
      { backend: 'nftables', program: nft, canonicalList: naming.nftables },
    ],
  };
}
