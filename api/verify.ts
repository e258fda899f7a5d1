// The verifier as library functions: compile a model's two artifacts in memory, read them back with
// the verifier's own readers and prove them equivalent to each other and to the IR (verifyModel);
// check artifacts from anywhere, optionally against a model (verifyArtifacts); follow one packet
// through each (explainPacket, api/explain.ts). Every input problem is a diagnostic, never a throw.
import { appendAll } from '../common/append.ts';
import type { Diagnostic } from '../common/diagnostics.ts';
import type { Family } from '../common/ip.ts';
import { evaluate } from '../compiler/ir/evaluate.ts';
import type { Rational } from '../compiler/ir/outcome.ts';
import type { IRProgram } from '../compiler/ir/types.ts';
import type { LowerOptions } from '../compiler/lower/index.ts';
import type { ClusterModel } from '../compiler/model.ts';
import { affinityListNames, affinityNaming } from '../verifier/affinity-names.ts';
import { verifyCodes } from '../verifier/codes.ts';
import { readIptables } from '../verifier/iptables/index.ts';
import { emptyProgram, type NetfilterProgram } from '../verifier/model/program.ts';
import { readNftables } from '../verifier/nftables/index.ts';
import {
  type ArtifactInput,
  type PreparedVerify,
  prepareVerify,
  runVerify,
  type VerifyInput,
  type VerifyProgress,
  type VerifyReport,
} from '../verifier/verify.ts';
import { checked, verifyOptionErrors } from './checked.ts';
import { compileIptables } from './iptables.ts';
import { nodeText } from './labels.ts';
import { lower } from './lower.ts';
import { compileNftables } from './nftables.ts';

export { ASSUMPTIONS } from '../verifier/assumptions.ts';
export type { Counterexample } from '../verifier/counterexample.ts';
export type { Explanation } from '../verifier/explain.ts';
export type { VerifyProgress, VerifyReport } from '../verifier/verify.ts';
export { checked } from './checked.ts';
export { type ExplainInput, explainPacket } from './explain.ts';

export interface CheckOptions {
  /** bound on the total-variation distance between an artifact and the IR (default 2^-20) */
  tvBound?: Rational;
  /** distinct differences reported per check (default 20) */
  maxFindings?: number;
  /** evaluate one shard per shape (default true) */
  shapes?: boolean;
  /** told what a long verification is doing: each ruleset read, the preparation, the shards checked */
  progress?: (p: VerifyProgress) => void;
}

/** One check: one node's view, one family. */
export interface VerifyRun {
  node: string | null;
  family: Family;
  /** null when an input could not be read (see diagnostics) */
  report: VerifyReport | null;
}

export interface VerifyResult {
  runs: VerifyRun[];
  diagnostics: Diagnostic[];
  /**
   * One node's check (verifyPrograms, or verifyModel of one node): how many of `diagnostics`, first,
   * come from what every family of the node shares (lowering, the nftables document)
   */
  shared?: number;
}

export interface VerifyModelOptions extends CheckOptions {
  /** the nodes to verify for (default: the only node, or none when the model has none) */
  nodes?: readonly (string | null)[];
  family?: Family;
  /** check the iptables output with its builtin-chain jumps (compile --with-hooks) instead of assuming kube-proxy's */
  withHooks?: boolean;
  /** lowering options besides node and family (environment facts, kube-proxy flag overrides) */
  lowering?: Omit<LowerOptions, 'node' | 'family'>;
  /**
   * Check only these of the families verified (default all). The nftables document is compiled
   * for all of them all the same, so that each family checked on its own (in a process of its own:
   * `ksvc verify --jobs`) reports what one run reports.
   */
  checkFamilies?: readonly Family[];
}

/** Compile the model for each node, read both artifacts back, and check them three ways. */
export function verifyModel(model: ClusterModel, options: VerifyModelOptions = {}): VerifyResult {
  const invalid = verifyOptionErrors(options);
  if (invalid.length > 0) return { runs: [], diagnostics: invalid };
  const diagnostics: Diagnostic[] = [];
  const runs: VerifyRun[] = [];
  const nodes = options.nodes ?? [model.nodes.length === 1 ? model.nodes[0]!.name : null];
  let shared = 0;
  for (const node of nodes) {
    const lowered = lower(model, { ...options.lowering, ...(node === null ? {} : { node }) });
    appendAll(diagnostics, lowered.diagnostics);
    const result = verifyPrograms(lowered.programs, node, options);
    appendAll(runs, result.runs);
    shared = lowered.diagnostics.length + (result.shared ?? 0);
    appendAll(diagnostics, result.diagnostics);
  }
  return nodes.length === 1 ? { runs, diagnostics, shared } : { runs, diagnostics };
}

/**
 * verifyModel for one node's programs, already lowered (by `lower`, or by `lowerText` without a
 * model in memory): programs of another family than options.family are left out.
 */
export function verifyPrograms(
  lowered: IRProgram[],
  node: string | null,
  options: Omit<VerifyModelOptions, 'nodes' | 'lowering'> = {},
): VerifyResult {
  const invalid = verifyOptionErrors(options);
  if (invalid.length > 0) return { runs: [], diagnostics: invalid };
  const diagnostics: Diagnostic[] = [];
  const runs: VerifyRun[] = [];
  const programs = lowered.filter((p) => options.family === undefined || p.family === options.family);
  if (programs.length === 0) return { runs, diagnostics };
  options.progress?.({ stage: 'read', backend: 'nftables' });
  // the document `ksvc compile` writes (its tables version-stamped); not kept: it is large
  const nftPrograms = readNftHolder(
    compileNftables(programs, { stamp: true }),
    `<nftables${nodeText(node)}>`,
    diagnostics,
  );
  const shared = diagnostics.length;
  for (const ir of programs) {
    if (options.checkFamilies && !options.checkFamilies.includes(ir.family)) continue;
    // The readers' models live only inside prepareModelCheck: the check runs without them.
    const at = `<verify${nodeText(node)}, ${ir.family}>`;
    const prepared = checked(ir.family, at, diagnostics, () =>
      prepareModelCheck(ir, nftPrograms, node, options, diagnostics),
    );
    runs.push({
      node,
      family: ir.family,
      report: prepared && checked(ir.family, at, diagnostics, () => runVerify(prepared)),
    });
  }
  return { runs, diagnostics, shared };
}

/**
 * Programs read for several families, each handed out once: the holder forgets a program as it
 * gives it away, so the caller's frame does not keep a model alive while its check runs.
 */
class Holder {
  private programs: (NetfilterProgram | null)[];
  constructor(programs: NetfilterProgram[]) {
    this.programs = [...programs];
  }
  has(family: Family): boolean {
    return this.programs.some((p) => p?.family === family);
  }
  take(family: Family): NetfilterProgram | null {
    const i = this.programs.findIndex((p) => p?.family === family);
    if (i < 0) return null;
    const p = this.programs[i]!;
    this.programs[i] = null;
    return p;
  }
}

function readNftHolder(text: string, file: string, diagnostics: Diagnostic[]): Holder {
  const nft = readNftables(text, { file });
  appendAll(diagnostics, nft.diagnostics);
  return new Holder(nft.programs);
}

/** Read the iptables artifact of `ir` back and prepare its check against `ir` and the nft program. */
function prepareModelCheck(
  ir: IRProgram,
  nftPrograms: Holder,
  node: string | null,
  options: VerifyModelOptions,
  diagnostics: Diagnostic[],
): PreparedVerify | null {
  const iptPrograms = readIptHolder(ir, node, options, diagnostics);
  if (!iptPrograms.has(ir.family) || !nftPrograms.has(ir.family)) return null;
  return prepareCheck(ir, iptPrograms, nftPrograms, options, ir.family);
}

function readIptHolder(
  ir: IRProgram,
  node: string | null,
  options: VerifyModelOptions,
  diagnostics: Diagnostic[],
): Holder {
  options.progress?.({ stage: 'read', backend: 'iptables' });
  const ipt = readIptables(compileIptables(ir, { hooks: options.withHooks ?? false }), {
    file: `<iptables${nodeText(node)}, ${ir.family}>`,
    family: ir.family,
    assumeHooks: !options.withHooks,
  });
  appendAll(diagnostics, ipt.diagnostics);
  return new Holder(ipt.program ? [ipt.program] : []);
}

/**
 * The check of one family, prepared. The models go from the holders into the input's artifact
 * list, which prepareVerify empties as it compiles them, and no call frame here holds one: so each
 * model can be collected as soon as its ruleset is compiled (docs/benchmarks.md, seventh round).
 */
function prepareCheck(
  ir: IRProgram | null,
  iptPrograms: Holder,
  nftPrograms: Holder,
  options: CheckOptions,
  family: Family,
): PreparedVerify {
  options.progress?.({ stage: 'prepare' });
  return prepareVerify(checkInput(ir, iptPrograms, nftPrograms, options, family));
}

function checkInput(
  ir: IRProgram | null,
  iptPrograms: Holder,
  nftPrograms: Holder,
  options: CheckOptions,
  family: Family,
): VerifyInput {
  const iptables = iptPrograms.take(family);
  const nftables = nftPrograms.take(family);
  const naming = affinityNaming(ir, nftables ? affinityListNames(nftables) : []);
  const artifacts: ArtifactInput[] = [];
  if (iptables) artifacts.push({ backend: 'iptables', program: iptables, canonicalList: naming.iptables });
  if (nftables) artifacts.push({ backend: 'nftables', program: nftables, canonicalList: naming.nftables });
  return {
    family,
    ir: ir ? { program: ir, evaluate } : null,
    artifacts,
    consumeArtifacts: true,
    ...(options.tvBound ? { tvBound: options.tvBound } : {}),
    ...(options.maxFindings !== undefined ? { maxFindings: options.maxFindings } : {}),
    ...(options.shapes !== undefined ? { shapes: options.shapes } : {}),
    ...(options.progress ? { progress: options.progress } : {}),
  };
}

export interface ArtifactText {
  text: string;
  file: string;
}

export interface VerifyArtifactsInput extends CheckOptions {
  iptables?: ArtifactText;
  nftables?: ArtifactText;
  /** a model to check the artifacts against (its IR for `node`) */
  model?: { model: ClusterModel; node?: string | null; lowering?: Omit<LowerOptions, 'node' | 'family'> };
  /** instead of `model`: its programs for one node, already lowered (their diagnostics the caller's) */
  programs?: readonly IRProgram[];
  family?: Family;
  /** the iptables text has no builtin-chain jumps: assume kube-proxy's (default: only when it has none) */
  assumeHooks?: boolean;
  /** the nft table holding kube-proxy's rules (default kube-proxy) */
  nftTable?: string;
}

/** Check artifacts from anywhere against each other and, with a model, against its IR. */
export function verifyArtifacts(input: VerifyArtifactsInput): VerifyResult {
  const invalid = verifyOptionErrors(input);
  if (invalid.length > 0) return { runs: [], diagnostics: invalid };
  // no ruleset at all: said, not an empty result a caller could take for "every run equivalent"
  if (!input.iptables && !input.nftables) {
    const where = { file: '<input>', span: null };
    return {
      runs: [],
      diagnostics: [verifyCodes['verify-nothing-to-compare'](where, input.family ?? 'either family', 0)],
    };
  }
  const diagnostics: Diagnostic[] = [];
  let ipt: NetfilterProgram | null = null;
  const nftPrograms: NetfilterProgram[] = [];
  if (input.iptables) {
    input.progress?.({ stage: 'read', backend: 'iptables' });
    const r = readIptables(input.iptables.text, {
      file: input.iptables.file,
      ...(input.family ? { family: input.family } : {}),
      assumeHooks: input.assumeHooks ?? true,
    });
    appendAll(diagnostics, r.diagnostics);
    ipt = r.program ?? null;
  }
  if (input.nftables) {
    input.progress?.({ stage: 'read', backend: 'nftables' });
    const r = readNftables(input.nftables.text, {
      file: input.nftables.file,
      ...(input.nftTable ? { table: input.nftTable } : {}),
    });
    appendAll(diagnostics, r.diagnostics);
    appendAll(nftPrograms, r.programs);
  }
  // (an nft document without kube-proxy's table is read: it holds no rules, compared as such below)
  const unreadable = input.iptables && !ipt;
  let irPrograms: readonly IRProgram[] = input.programs ?? [];
  const node = input.model?.node ?? input.programs?.[0]?.node ?? null;
  if (input.model) {
    const lowered = lower(input.model.model, { ...input.model.lowering, ...(node === null ? {} : { node }) });
    appendAll(diagnostics, lowered.diagnostics);
    irPrograms = lowered.programs;
  }
  if (unreadable || diagnostics.some((d) => d.severity === 'error')) return { runs: [], diagnostics };
  const families: Family[] = input.family
    ? [input.family]
    : ipt
      ? [ipt.family]
      : nftPrograms.length > 0
        ? nftPrograms.map((p) => p.family)
        : irPrograms.map((p) => p.family);
  // the holders own the models from here: each check takes its own and lets go of it
  const iptHolder = new Holder(ipt ? [ipt] : []);
  const nftHolder = new Holder(nftPrograms);
  ipt = null;
  nftPrograms.length = 0;
  const runs: VerifyRun[] = [];
  const at = input.iptables?.file ?? input.nftables?.file ?? '<input>';
  for (const family of families) {
    const prepare = () => prepareArtifactCheck(family, irPrograms, iptHolder, nftHolder, input, diagnostics);
    const prepared = checked(family, at, diagnostics, prepare);
    const report = prepared && checked(family, at, diagnostics, () => runVerify(prepared));
    if (report) runs.push({ node, family, report });
  }
  return { runs, diagnostics };
}

/** The check of one family's artifacts (and IR), or null (reported) with fewer than two participants. */
function prepareArtifactCheck(
  family: Family,
  irPrograms: readonly IRProgram[],
  iptHolder: Holder,
  nftGiven: Holder,
  input: VerifyArtifactsInput,
  diagnostics: Diagnostic[],
): PreparedVerify | null {
  const ir = irPrograms.find((p) => p.family === family) ?? null;
  let nftHolder = nftGiven;
  // an nft document read without rules of this family, against a ruleset or model that has them:
  // compared with no rules, as the kernel holds none of kube-proxy's for it (diff does the same)
  if (input.nftables && !nftHolder.has(family) && (ir !== null || iptHolder.has(family))) {
    diagnostics.push(
      verifyCodes['verify-family-missing']({ file: input.nftables.file, span: null }, 'nftables', family),
    );
    nftHolder = new Holder([emptyProgram('nftables', family)]);
  }
  const participants = [ir !== null, iptHolder.has(family), nftHolder.has(family)].filter(Boolean).length;
  if (participants < 2) {
    diagnostics.push(
      verifyCodes['verify-nothing-to-compare'](
        { file: input.iptables?.file ?? input.nftables?.file ?? '<input>', span: null },
        family,
        participants,
      ),
    );
    return null;
  }
  return prepareCheck(ir, iptHolder, nftHolder, input, family);
}
