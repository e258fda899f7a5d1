// Random edits of ksvc's artifacts for random models, judged without trusting the verifier: one
// random edit of the iptables-restore text (a rule deleted; a probability, address, port, prefix,
// timeout or protocol changed; a negation dropped; a target made RETURN) or of the nft JSON (an item
// deleted; a number, address or operator changed; an expression or element dropped), or of the
// model the IR is lowered from (an endpoint removed or its conditions changed, a traffic policy,
// affinity or target port changed; the artifacts stay the unedited model's), then:
//   - verify (both artifacts and the model's IR) with and without shapes: the same verdict,
//     classes, packets and counterexample count, and no exception; and the artifacts alone with
//     universal locality: equivalent only if they agree on this node's packets too;
//   - the concrete interpreter (concrete-interpreter.ts: no atoms, indexes or splitting) and the
//     reference evaluator on random packets of the model (model-packets.ts): a packet the two
//     artifacts treat differently, or the IR beyond the total-variation bound, while the verifier
//     said equivalent is a false proof; a counterexample whose witness packet the two it names
//     treat alike is spurious.
// The test (random-edits.test.ts) runs a fixed sample; scripts/fuzz-verify.ts runs long campaigns.
import fc from 'fast-check';
import { compileIptables } from '../../api/iptables.ts';
import { type LowerOptions, lower } from '../../api/lower.ts';
import { compileNftables } from '../../api/nftables.ts';
import { type VerifyReport, verifyArtifacts } from '../../api/verify.ts';
import type { Family } from '../../common/ip.ts';
import { compareRational, type Rational, rational } from '../../compiler/ir/outcome.ts';
import type { Packet } from '../../compiler/ir/packet.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import type { ClusterModel } from '../../compiler/model.ts';
import { affinityListNames, affinityNaming } from '../../verifier/affinity-names.ts';
import { readIptables } from '../../verifier/iptables/index.ts';
import type { NetfilterProgram } from '../../verifier/model/program.ts';
import { readNftables } from '../../verifier/nftables/index.ts';
import { arbitraryModel } from '../property/arbitrary-model.ts';
import { editIptables, editModel, editNftables } from './artifact-edits.ts';
import { interpret, UnansweredPacket, UnmodelledPacket } from './concrete-interpreter.ts';
import { irDistribution, showDist, totalVariation } from './intended.ts';
import { modelPackets } from './model-packets.ts';

/**
 * Which participant is edited: an artifact's text, or the model the IR is lowered from; 'any':
 * each edit picks one of the three (so two edits can change both artifacts, alike or not).
 */
export type EditedArtifact = 'iptables' | 'nftables' | 'model' | 'any';

export interface RandomEditResult {
  seed: number;
  /** null: the model has no service port, or no edit applied */
  edit: { what: string } | null;
  /** 'unreadable': the edited artifact has errors (an edit iptables-restore or nft would refuse too) */
  verdict: 'equivalent' | 'different' | 'unreadable' | 'skipped';
  /** what is wrong (empty when all holds) */
  problems: string[];
  packets: number;
  differingPackets: number;
  /** counterexamples whose witness was re-evaluated */
  witnessesChecked: number;
}

/** What a run of cases exercised (a sample that never reached a verdict proves little). */
export interface EditTally {
  edited: number;
  equivalent: number;
  different: number;
  unreadable: number;
  packets: number;
  differingPackets: number;
  witnessesChecked: number;
  problems: number;
}

export const newTally = (): EditTally => ({
  edited: 0,
  equivalent: 0,
  different: 0,
  unreadable: 0,
  packets: 0,
  differingPackets: 0,
  witnessesChecked: 0,
  problems: 0,
});

export function addToTally(t: EditTally, r: RandomEditResult): void {
  if (r.edit !== null) {
    t.edited++;
    if (r.verdict === 'equivalent' || r.verdict === 'different' || r.verdict === 'unreadable') t[r.verdict]++;
  }
  t.packets += r.packets;
  t.differingPackets += r.differingPackets;
  t.witnessesChecked += r.witnessesChecked;
  t.problems += r.problems.length;
}

const caseArb = fc.record({
  model: arbitraryModel({ maxServices: 5, maxEndpoints: 6 }),
  nodeIndex: fc.nat(),
  environment: fc.record({ randomFully: fc.boolean(), nfacct: fc.boolean(), conntrackLiberal: fc.boolean() }),
  editSeed: fc.integer({ min: 1, max: 2 ** 30 }),
});

const show = (d: ReadonlyMap<string, Rational>) => showDist(d).join(' | ');

const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x));

/** What a user sees of a report but how many shards were evaluated or reused. */
const reportKey = (r: VerifyReport) =>
  json({ equivalent: r.equivalent, classes: r.stats.classes, packets: r.stats.packets, cx: r.counterexamples.length });

/**
 * Which of the model's programs is checked: the first (IPv4 whenever a service has it), or the
 * IPv6 one (the case is skipped when there is none). A separate choice, not part of the sampled
 * case, so that a seed keeps its model.
 */
export type EditedFamily = 'first' | 'ipv6';

/** One random edit of one participant of a random model's check (editedCase). */
export interface EditedCase {
  /** the unedited model's program of the chosen family (the artifacts were compiled from it) */
  ir: IRProgram;
  /** the participants after the edits */
  edited: { iptables: string; nftables: string; model: ClusterModel };
  /** which participants were edited, and how */
  what: string;
  node: string | null;
  environment: NonNullable<LowerOptions['environment']>;
}

/**
 * The case of `seed`: a random model, node and environment, its program of `family` compiled, and
 * one random edit of `artifact`. null when the model has no such program or service port, or no
 * edit applied.
 */
export function editedCase(seed: number, artifact: EditedArtifact, options: CaseOptions = {}): EditedCase | null {
  const { family = 'first', edits = 1, hooks = false } = options;
  const [c] = fc.sample(caseArb, { numRuns: 1, seed });
  const { model, environment } = c!;
  const nodes = model.nodes.length > 0 ? model.nodes.map((n) => n.name) : [null];
  const node = nodes[c!.nodeIndex % nodes.length]!;
  const programs = lowerFor(model, node, environment).programs;
  const ir = family === 'first' ? programs[0] : programs.find((p) => p.family === 'ipv6');
  if (!ir || ir.servicePorts.length === 0) return null;
  // a plain linear congruential sequence: the same edits for the same seed
  let state = c!.editSeed;
  const rnd = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const edited = { iptables: compileIptables(ir, { hooks }), nftables: compileNftables([ir]), model };
  const whats: string[] = [];
  const participants: Participant[] = artifact === 'any' ? ['iptables', 'nftables', 'model'] : [artifact];
  for (let n = 0; n < edits; n++) {
    let done = false;
    for (let tries = 0; tries < 10 && !done; tries++) {
      // one participant: no draw for it, so a single edit keeps its seed's case
      const which = participants.length === 1 ? participants[0]! : pick(participants, rnd);
      if (which === 'model') {
        const e = editModel(edited.model, rnd);
        if (e) {
          edited.model = e.model;
          whats.push(`model: ${e.what}`);
        }
        done = e !== null;
      } else {
        const e = which === 'iptables' ? editIptables(edited.iptables, rnd) : editNftables(edited.nftables, rnd);
        if (e) {
          edited[which] = e.text;
          whats.push(artifact === which ? e.what : `${which}: ${e.what}`);
        }
        done = e !== null;
      }
    }
    if (!done) break;
  }
  if (whats.length === 0) return null;
  return { ir, edited, what: whats.join('  ;  '), node, environment };
}

type Participant = 'iptables' | 'nftables' | 'model';

/**
 * An artifact's text read back for one family (iptables: kube-proxy's hooks assumed when it has
 * none), with its errors; program null when there are any.
 */
export function readArtifact(
  artifact: 'iptables' | 'nftables',
  text: string,
  family: Family,
  file: string = artifact,
): { errors: string[]; program: NetfilterProgram | null } {
  const errorsOf = (ds: readonly { severity: string; code: string; message: string }[]) =>
    ds.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`);
  let errors: string[];
  let program: NetfilterProgram | undefined;
  if (artifact === 'iptables') {
    const r = readIptables(text, { file, family, assumeHooks: true });
    [errors, program] = [errorsOf(r.diagnostics), r.program ?? undefined];
  } else {
    const r = readNftables(text, { file });
    [errors, program] = [errorsOf(r.diagnostics), r.programs.find((p) => p.family === family)];
  }
  return { errors, program: errors.length === 0 ? (program ?? null) : null };
}

const pick = <T>(xs: readonly T[], rnd: () => number): T => xs[Math.floor(rnd() * xs.length)]!;

const lowerFor = (m: ClusterModel, node: string | null, environment: NonNullable<LowerOptions['environment']>) =>
  lower(m, { ...(node === null ? {} : { node }), environment });

export interface CaseOptions {
  family?: EditedFamily;
  /** how many edits (default 1) */
  edits?: number;
  /** the iptables text with its builtin-chain jumps (compile --with-hooks), which edits may change too */
  hooks?: boolean;
}

/** The case of `seed` (editedCase), judged. */
export function checkRandomEdit(
  seed: number,
  artifact: EditedArtifact,
  options: CaseOptions & { packets?: number } = {},
): RandomEditResult {
  const { packets = 200 } = options;
  const result: RandomEditResult = {
    seed,
    edit: null,
    verdict: 'skipped',
    problems: [],
    packets: 0,
    differingPackets: 0,
    witnessesChecked: 0,
  };
  const c = editedCase(seed, artifact, options);
  if (c === null) return result;
  const { ir, edited, node, environment } = c;
  result.edit = { what: c.what };
  const intended = lowerFor(edited.model, node, environment);
  const editedIR = intended.programs.find((p) => p.family === ir.family);
  if (intended.diagnostics.some((d) => d.severity === 'error') || !editedIR) {
    result.verdict = 'unreadable';
    return result;
  }
  const input = {
    iptables: { text: edited.iptables, file: 'iptables' },
    nftables: { text: edited.nftables, file: 'nftables' },
    model: { model: edited.model, node, lowering: { environment } },
    family: ir.family,
  };
  let withShapes: VerifyReport | null | undefined;
  let without: VerifyReport | null | undefined;
  // the two artifacts alone, with nothing known of the node (universal locality): a proof there
  // covers every node, so also this one
  let universal: VerifyReport | null | undefined;
  let universalWithout: VerifyReport | null | undefined;
  try {
    withShapes = verifyArtifacts(input).runs[0]?.report;
    without = verifyArtifacts({ ...input, shapes: false }).runs[0]?.report;
    const alone = { iptables: input.iptables, nftables: input.nftables, family: ir.family };
    universal = verifyArtifacts(alone).runs[0]?.report;
    // shapes without a model too: universal locality reads facts of its own (the loopback block)
    universalWithout = verifyArtifacts({ ...alone, shapes: false }).runs[0]?.report;
  } catch (e) {
    result.problems.push(`verify threw: ${(e as Error).message}`);
    return result;
  }
  if (!withShapes || !without) {
    result.verdict = 'unreadable';
    return result;
  }
  result.verdict = withShapes.equivalent ? 'equivalent' : 'different';
  if (reportKey(withShapes) !== reportKey(without)) {
    result.problems.push(`shapes change the result: ${reportKey(withShapes)} vs ${reportKey(without)}`);
  }
  if (universal && universalWithout && reportKey(universal) !== reportKey(universalWithout)) {
    result.problems.push(
      `shapes change the result without a model: ${reportKey(universal)} vs ${reportKey(universalWithout)}`,
    );
  }
  const iptProgram = readArtifact('iptables', edited.iptables, ir.family).program!;
  const nftProgram = readArtifact('nftables', edited.nftables, ir.family).program!;
  const naming = affinityNaming(editedIR, affinityListNames(nftProgram));
  // the whole mark, every bit: independent of which bits the verifier chooses to observe
  const observed = 0xffffffff;
  const world = (canonicalList: (name: string) => string) => ({
    local: ir.nodeIPs,
    markMask: observed,
    canonicalList,
  });
  let example = '';
  let artifactsDiffer = '';
  for (const pk of fc.sample(modelPackets(editedIR), { numRuns: packets, seed: seed * 7 + 1 })) {
    result.packets++;
    let a: ReadonlyMap<string, Rational>;
    let b: ReadonlyMap<string, Rational>;
    try {
      a = interpret(iptProgram, pk, world(naming.iptables));
      b = interpret(nftProgram, pk, world(naming.nftables));
    } catch (e) {
      if (e instanceof UnansweredPacket) continue;
      if (!(e instanceof UnmodelledPacket)) throw e;
      // the engine refuses such a ruleset (verify-unsupported): it must not have given a verdict
      result.problems.push(`verified a ruleset with a packet the model leaves open (${e.message}): ${json(pk)}`);
      break;
    }
    if (artifactsDiffer === '' && show(a) !== show(b))
      artifactsDiffer = `${json(pk)}: iptables ${show(a)}; nftables ${show(b)}`;
    const why =
      show(a) !== show(b)
        ? `iptables ${show(a)}; nftables ${show(b)}`
        : !withinBound(irDistribution(editedIR, pk, observed), a)
          ? `IR ${show(irDistribution(editedIR, pk, observed))}; artifacts ${show(a)}`
          : null;
    if (why === null) continue;
    result.differingPackets++;
    if (example === '') example = `packet ${json(pk)}: ${why}`;
  }
  if (withShapes.equivalent && result.differingPackets > 0) {
    result.problems.push(`false proof: equivalent, yet ${result.differingPackets} packets differ, e.g. ${example}`);
  }
  if (universal?.equivalent && artifactsDiffer !== '') {
    result.problems.push(`false proof without a model (any node): the artifacts differ on ${artifactsDiffer}`);
  }
  // (the unedited artifacts of a valid model must be equivalent on any node, too)
  if (universal && !universal.equivalent && artifact === 'model') {
    result.problems.push('the unedited artifacts are not equivalent without a model (universal locality)');
  }
  // each counterexample's witness must really be treated differently by the two it names
  const distributionOf = (who: string, pk: Packet) =>
    who === 'ir'
      ? irDistribution(editedIR, pk, observed)
      : who === 'iptables'
        ? interpret(iptProgram, pk, world(naming.iptables))
        : interpret(nftProgram, pk, world(naming.nftables));
  for (const cx of withShapes.counterexamples.slice(0, 3)) {
    const [left, right] = cx.comparison.split('=') as [string, string];
    let a: ReadonlyMap<string, Rational>;
    let b: ReadonlyMap<string, Rational>;
    try {
      [a, b] = [distributionOf(left, cx.witness), distributionOf(right, cx.witness)];
    } catch (e) {
      if (e instanceof UnansweredPacket) continue;
      throw e;
    }
    const differs = left === 'ir' ? !withinBound(a, b) : show(a) !== show(b);
    result.witnessesChecked++;
    if (!differs) {
      result.problems.push(
        `spurious counterexample ${cx.comparison}: the witness ${json(cx.witness)} gets ${show(a)} from both`,
      );
    }
  }
  return result;
}

const TV_BOUND = rational(1, 1n << 20n);

/** Same outcomes, and total variation within the verifier's default bound. */
function withinBound(intended: ReadonlyMap<string, Rational>, actual: ReadonlyMap<string, Rational>): boolean {
  const keys = new Set([...intended.keys(), ...actual.keys()]);
  if (keys.size !== intended.size || keys.size !== actual.size) return false;
  return compareRational(totalVariation(intended, actual), TV_BOUND) <= 0;
}
