// One packet's path through each ruleset and the IR, with exact outcome distributions (`ksvc
// explain`): the rulesets given, or compiled in memory from the model, read back by the verifier's
// own readers and evaluated on the packet's class (verifier/explain.ts).
import { appendAll } from '../common/append.ts';
import type { Diagnostic } from '../common/diagnostics.ts';
import type { Family } from '../common/ip.ts';
import { evaluate } from '../compiler/ir/evaluate.ts';
import type { IRProgram } from '../compiler/ir/types.ts';
import type { LowerOptions } from '../compiler/lower/index.ts';
import type { ClusterModel } from '../compiler/model.ts';
import { affinityListNames, affinityNaming } from '../verifier/affinity-names.ts';
import { verifyCodes } from '../verifier/codes.ts';
import { type Explanation, explain } from '../verifier/explain.ts';
import { readIptables } from '../verifier/iptables/index.ts';
import type { NetfilterProgram } from '../verifier/model/program.ts';
import { readNftables } from '../verifier/nftables/index.ts';
import type { ArtifactInput } from '../verifier/verify.ts';
import { checked } from './checked.ts';
import { type PacketInput, packetOf } from './explain-packet.ts';
import { topologyNotes } from './explain-topology.ts';
import { compileIptables } from './iptables.ts';
import { nodeText } from './labels.ts';
import { lower } from './lower.ts';
import { compileNftables } from './nftables.ts';
import type { ArtifactText } from './verify.ts';

export interface ExplainInput {
  /** checked as the CLI checks its flags: a packet that is not one of `family` is a diagnostic */
  packet: PacketInput;
  family: Family;
  model?: { model: ClusterModel; node?: string | null; lowering?: Omit<LowerOptions, 'node' | 'family'> };
  /** artifacts to explain on; with a model and none given, both are compiled in memory */
  iptables?: ArtifactText;
  nftables?: ArtifactText;
  /** the nft table holding kube-proxy's rules in `nftables` (default kube-proxy) */
  nftTable?: string;
  /** which evaluators to show (default all available) */
  backends?: readonly ('ir' | 'iptables' | 'nftables')[];
  /**
   * The packet comes from a pod and its interface was not given: when the model detects local
   * traffic by interface, the packet arrives on the pod interface (the bridge, or the prefix
   * followed by 0) instead of `packet.inInterface`.
   */
  podInterface?: boolean;
}

/** The interface a pod's packet arrives on when the model detects pods by interface. */
function podInterfaceOf(ir: IRProgram): string | null {
  const d = ir.localDetector;
  return d.kind === 'interface' ? d.name : d.kind === 'interfacePrefix' ? `${d.prefix}0` : null;
}

/** The path of one packet through each ruleset and the IR, with exact outcome distributions. */
export function explainPacket(input: ExplainInput): { explanation: Explanation | null; diagnostics: Diagnostic[] } {
  const given = packetOf(input.packet, input.family);
  if ('reason' in given) {
    const where = { file: '<packet>', span: null };
    return { explanation: null, diagnostics: [verifyCodes['explain-invalid-packet'](where, given.reason)] };
  }
  const { packet } = given;
  const diagnostics: Diagnostic[] = [];
  const want = (b: 'ir' | 'iptables' | 'nftables') => !input.backends || input.backends.includes(b);
  let ir: IRProgram | null = null;
  let node: string | null = null;
  if (input.model) {
    node = input.model.node ?? null;
    const lowered = lower(input.model.model, {
      ...input.model.lowering,
      ...(node === null ? {} : { node }),
      family: input.family,
    });
    appendAll(diagnostics, lowered.diagnostics);
    ir = lowered.programs[0] ?? null;
  }
  // Only the rulesets shown are compiled (at 10,000 services each is seconds of compiling and
  // reading), each read as soon as it is written and let go once read (a rule's origin keeps its
  // place in a store of its own): the two texts are never held at once.
  const compiledHere = ir !== null && !input.iptables && !input.nftables;
  const iptFile =
    input.iptables?.file ?? (compiledHere && want('iptables') ? `<iptables${nodeText(node)}, ${input.family}>` : null);
  const nftFile = input.nftables?.file ?? (compiledHere && want('nftables') ? `<nftables${nodeText(node)}>` : null);
  let ipt: NetfilterProgram | null = null;
  let nft: NetfilterProgram | null = null;
  if (iptFile !== null && want('iptables')) {
    const text = input.iptables?.text ?? compileIptables(ir!);
    const r = readIptables(text, { file: iptFile, family: input.family, assumeHooks: true });
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0 && errors.every((d) => d.code === 'ipt-family-mismatch')) {
      // every error is an address of the other family: the file is of that family, not the packet's
      const where = { file: iptFile, span: null };
      diagnostics.push(
        verifyCodes['explain-family-missing'](where, 'iptables text', input.family, otherFamily(input.family)),
      );
    } else appendAll(diagnostics, r.diagnostics);
    ipt = r.program ?? null;
  }
  if (nftFile !== null && want('nftables')) {
    const text = input.nftables?.text ?? compileNftables([ir!]);
    const r = readNftables(text, { file: nftFile, ...(input.nftTable !== undefined ? { table: input.nftTable } : {}) });
    appendAll(diagnostics, r.diagnostics);
    nft = r.programs.find((p) => p.family === input.family) ?? null;
    const held = r.programs.map((p) => p.family);
    if (nft === null && held.length > 0) {
      const where = { file: nftFile, span: null };
      diagnostics.push(
        verifyCodes['explain-family-missing'](where, 'nftables document', input.family, held.join(' and ')),
      );
    }
  }
  const at = iptFile ?? nftFile ?? '<input>';
  if (diagnostics.some((d) => d.severity === 'error')) return { explanation: null, diagnostics };
  const naming = affinityNaming(ir, nft ? affinityListNames(nft) : []);
  const artifacts: ArtifactInput[] = [];
  if (ipt) artifacts.push({ backend: 'iptables', program: ipt, canonicalList: naming.iptables });
  if (nft) artifacts.push({ backend: 'nftables', program: nft, canonicalList: naming.nftables });
  if (artifacts.length === 0 && !(ir && want('ir'))) {
    diagnostics.push(verifyCodes['explain-nothing-to-evaluate']({ file: at, span: null }));
    return { explanation: null, diagnostics };
  }
  const podIf = input.podInterface && packet.path === 'arriving' && ir ? podInterfaceOf(ir) : null;
  const explanation = checked(input.family, at, diagnostics, () =>
    explain({
      family: input.family,
      ir: ir && want('ir') ? { program: ir, evaluate } : null,
      artifacts,
      packet: podIf === null ? packet : { ...packet, inInterface: podIf },
      readerNotes: !compiledHere,
      ...(ir ? { locality: { mode: 'concrete' as const, addresses: ir.nodeIPs } } : {}),
    }),
  );
  // why the node's rules hold the endpoints they hold, when topology hints are in play
  if (explanation && ir && input.model) explanation.notes.push(...topologyNotes(input.model.model, ir, packet));
  return { explanation, diagnostics };
}

const otherFamily = (f: Family): Family => (f === 'ipv4' ? 'ipv6' : 'ipv4');
