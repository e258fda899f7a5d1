// A generated cluster (bench/generate.ts) made ready to check, for tests of the engine's parts: its
// IR for the first node (IPv4), both artifacts compiled and read back, and prepare()'s setup or
// prepareVerify()'s input.
import { compileIptables } from '../../api/iptables.ts';
import { check, parse } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { compileNftables } from '../../api/nftables.ts';
import { type GenerateOptions, generateKsvc } from '../../bench/generate.ts';
import { evaluate } from '../../compiler/ir/evaluate.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { affinityListNames, affinityNaming } from '../../verifier/affinity-names.ts';
import { type ArtifactInput, prepare, type Setup } from '../../verifier/engine/setup.ts';
import { readIptables } from '../../verifier/iptables/index.ts';
import { readNftables } from '../../verifier/nftables/index.ts';
import type { VerifyInput } from '../../verifier/verify.ts';

export function generatedIR(options: GenerateOptions): IRProgram {
  const model = check(parse(generateKsvc(options), { file: 'gen.ksvc' })).model!;
  return lower(model, { node: model.nodes[0]!.name, family: 'ipv4' }).programs[0]!;
}

/** Both artifacts of `ir`, compiled and read back (a fresh list: the caller may give it away). */
export function readBackArtifacts(ir: IRProgram): ArtifactInput[] {
  const ipt = readIptables(compileIptables(ir), { file: 'ipt', family: 'ipv4', assumeHooks: true }).program!;
  const nft = readNftables(compileNftables([ir]), { file: 'nft.json' }).programs[0]!;
  const naming = affinityNaming(ir, affinityListNames(nft));
  return [
    { backend: 'iptables', program: ipt, canonicalList: naming.iptables },
    { backend: 'nftables', program: nft, canonicalList: naming.nftables },
  ];
}

/** The three-way check of `ir` and its artifacts, as prepareVerify takes it. */
export const verifyInputOf = (ir: IRProgram): VerifyInput => ({
  family: 'ipv4',
  ir: { program: ir, evaluate },
  artifacts: readBackArtifacts(ir),
});

export function generatedSetup(options: GenerateOptions): { ir: IRProgram; setup: Setup } {
  const ir = generatedIR(options);
  const setup = prepare('ipv4', ir, readBackArtifacts(ir), { mode: 'concrete', addresses: ir.nodeIPs });
  return { ir, setup };
}

/** A small cluster, 30 % of it with affinity: the prepared-check release tests use it. */
export const smallAffinityIR = (): IRProgram =>
  generatedIR({ services: 30, endpointsPerService: 3, seed: 5, affinityShare: 0.3 });
