// The verifier's entry point: prove that rulesets (and the IR) give every packet the same outcome,
// or return counterexamples. Used by `ksvc verify`, and meant to be the engine of every check that
// compares routing (explain, diff, migration checks). What each reported difference becomes
// (witness, traces, regions) is counterexample.ts.
import { type Family, formatIP, ipOf } from '../common/ip.ts';
import type { Rational } from '../compiler/ir/outcome.ts';
import type { IRProgram } from '../compiler/ir/types.ts';
import { type Counterexample, counterexampleOf, type OutcomeLine, outcomeLines } from './counterexample.ts';
import type { Locality } from './engine/build-space.ts';
import { type CheckStats, type Comparison, DEFAULT_TV_BOUND, type IREvaluator, runCheck } from './engine/check.ts';
import { collectIRShardKeys } from './engine/ir-view.ts';
import { refuseOversizedArtifacts, refuseOversizedCheck } from './engine/memory-estimate.ts';
import { type ArtifactInput, observedMarkMask, prepare, rootsByState, type Setup } from './engine/setup.ts';
import { buildShards, collectProgramKeys, emptyShardKeys, type Shard } from './engine/shards.ts';
import { atomFirst, PROTOS } from './engine/space.ts';
import { UnsupportedRuleset } from './engine/unsupported.ts';
import { NO_HINTS, witnessHints } from './engine/witness.ts';
import type { Backend, IgnoredItem, InconclusiveItem } from './model/program.ts';

export type { IREvaluator } from './engine/check.ts';
export type { ArtifactInput } from './engine/setup.ts';

/** What a long verification is doing (verifyPrograms and the CLI show it on a terminal). */
export type VerifyProgress =
  | { stage: 'read'; backend: Backend }
  | { stage: 'prepare' }
  | { stage: 'check'; done: number; total: number };

export interface VerifyInput {
  family: Family;
  /** the IR and its reference evaluator (three-way check); null: artifacts against each other only */
  ir: { program: IRProgram; evaluate: IREvaluator } | null;
  artifacts: readonly ArtifactInput[];
  /**
   * prepareVerify takes the artifacts out of `artifacts` as it compiles them (a mutable array the
   * caller gives away), so each reader's model can be collected before the next is compiled
   */
  consumeArtifacts?: boolean;
  /** which addresses are the node's; default: concrete from the IR, universal without one */
  locality?: Locality;
  tvBound?: Rational;
  maxFindings?: number;
  /** tell differences apart by shard too (CheckInput.groupByShard) */
  groupByShard?: boolean;
  /** report the differences past maxFindings without witnesses (VerifyReport.unreported) */
  keepUnreported?: boolean;
  /** how many differences past maxFindings are counted (default DIFFERENCES_COUNTED, check.ts) */
  differencesCounted?: number;
  /** evaluate one shard per shape (default true; false evaluates every shard — same result, slower) */
  shapes?: boolean;
  /** told the check's progress (stage 'check') */
  progress?: (p: VerifyProgress) => void;
  /** the heap a check may fill (default most of V8's limit: memory-estimate.ts) */
  memoryBudget?: number;
}

/** What a shard is keyed on, as addresses: a frontend (destination, protocol, port), or a port on any other destination. */
export interface ShardFrontend {
  /** null: the port on every destination no exact frontend of the port claims (NodePorts) */
  dst: string | null;
  protocol: string;
  port: number;
}

/** A difference past maxFindings: where (its shard's frontend), how many classes, both distributions. */
export interface UnreportedDifferenceReport {
  comparison: Comparison;
  frontend: ShardFrontend | null;
  /** whether its classes' destinations are local addresses (null: some are, some not) */
  dstLocal: boolean | null;
  classes: number;
  distributions: Record<string, OutcomeLine[]>;
}

export interface VerifyReport {
  family: Family;
  /** service ports of the IR checked (null without an IR) */
  servicePorts: number | null;
  /** no difference was found, reported or not */
  equivalent: boolean;
  comparisons: Comparison[];
  counterexamples: Counterexample[];
  /**
   * The frontends of the shards with a difference, reported or not (past maxFindings too): which
   * service ports differ at all, when not every difference is printed (the diff's summary)
   */
  differingFrontends: ShardFrontend[];
  /**
   * Each counterexample's shard frontend and whether its classes' destinations are local (as
   * `unreported` has them): a summary names printed and unprinted differences alike (the diff's)
   */
  counterexampleFrontends: { frontend: ShardFrontend | null; dstLocal: boolean | null }[];
  /**
   * With keepUnreported: the differences past maxFindings, each with its shard's frontend (null:
   * no frontend, e.g. packets not new) and distributions but no witness; up to DIFFERENCES_COUNTED
   */
  unreported: UnreportedDifferenceReport[];
  stats: CheckStats;
  tvBound: Rational;
  locality: Locality['mode'];
  ignored: IgnoredItem[];
  notes: string[];
}

export function defaultLocality(ir: IRProgram | null): Locality {
  return ir ? { mode: 'concrete', addresses: ir.nodeIPs } : { mode: 'universal', addresses: [] };
}

/**
 * A check made ready to run: the packet space, the compiled rulesets and what the report lists from
 * the readers' models (ignored items, notes). It holds no reference to the models themselves, so a
 * caller that lets go of them after prepareVerify frees their memory before the check runs (at
 * 10,000 services the two models are about 700 MB; docs/benchmarks.md).
 */
export interface PreparedVerify {
  family: Family;
  ir: VerifyInput['ir'];
  locality: Locality;
  setup: Setup;
  /** the addresses the rules and the IR name (witnesses prefer them) */
  named: (readonly [bigint, bigint])[];
  tvBound: Rational;
  maxFindings: number;
  groupByShard: boolean;
  keepUnreported: boolean;
  differencesCounted: number | undefined;
  shapes: boolean;
  progress: ((p: VerifyProgress) => void) | null;
  ignored: IgnoredItem[];
  notes: string[];
  /** what makes a proof of equivalence impossible (NetfilterProgram.inconclusive) */
  inconclusive: InconclusiveItem[];
}

export function prepareVerify(input: VerifyInput): PreparedVerify {
  // the model's largest service port first (named as such), then the rulesets' own choices: a
  // node's iptables-save checked against a model may choose among more endpoints than the model has
  if (input.ir) refuseOversizedCheck(input.ir.program, input.memoryBudget);
  refuseOversizedArtifacts(
    input.artifacts.map((a) => a.program),
    input.memoryBudget,
  );
  const locality = input.locality ?? defaultLocality(input.ir?.program ?? null);
  // once each: diff's two versions of a ruleset leave out the same table or chain alike (the same
  // place in each, so the key has the place but not the file); distinct rules stay distinct
  const seen = new Set<string>();
  const ignored = input.artifacts
    .flatMap((a) => a.program.ignored)
    .filter((i) => {
      const key = [i.kind, i.name, i.reason, i.origin?.line ?? '', i.origin?.jsonPath ?? ''].join('\u0000');
      return !seen.has(key) && Boolean(seen.add(key));
    });
  const notes = [...new Set(input.artifacts.flatMap((a) => a.program.notes))];
  const inconclusive = input.artifacts.flatMap((a) => a.program.inconclusive ?? []);
  let named: (readonly [bigint, bigint])[] = [];
  const setup = prepare(
    input.family,
    input.ir?.program ?? null,
    input.artifacts,
    locality,
    (c) => {
      named = distinctRanges(c.addresses);
    },
    { consume: input.consumeArtifacts ?? false },
  );
  return {
    family: input.family,
    ir: input.ir,
    locality,
    setup,
    named,
    tvBound: input.tvBound ?? DEFAULT_TV_BOUND,
    maxFindings: input.maxFindings ?? 20,
    groupByShard: input.groupByShard ?? false,
    keepUnreported: input.keepUnreported ?? false,
    differencesCounted: input.differencesCounted,
    shapes: input.shapes ?? true,
    progress: input.progress ?? null,
    ignored,
    notes,
    inconclusive,
  };
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * No difference found, but an artifact holds what the model leaves out and could hide one: no
 * proof. The first such construct is reported (UnsupportedRuleset: the API says it at its line).
 */
function refuseInconclusiveProof(prepared: PreparedVerify, differing: number): void {
  const first = prepared.inconclusive[0];
  if (differing > 0 || first === undefined) return;
  const e = new UnsupportedRuleset(first.message);
  e.origin = { file: first.file, line: first.line };
  throw e;
}

/**
 * Each distinct range once, as first seen: the constants repeat an address rule after rule (at
 * 3,000 services 155,000 ranges, 32,000 of them distinct), and a prepared check keeps them for the
 * witnesses of its counterexamples.
 */
function distinctRanges(ranges: readonly (readonly [bigint, bigint])[]): (readonly [bigint, bigint])[] {
  // an IPv4 address as a number; others as text: V8 hashes a BigInt by its low 64 bits, which IPv6
  // addresses share by the thousand
  const seen = new Set<number | string>();
  const out: (readonly [bigint, bigint])[] = [];
  for (const r of ranges) {
    const key = r[0] !== r[1] ? `${r[0]}-${r[1]}` : r[0] <= MAX_EXACT ? Number(r[0]) : `${r[0]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out;
}

/** prepareVerify and runVerify in one step (the caller keeps the models alive while it runs). */
export const verify = (input: VerifyInput): VerifyReport => runVerify(prepareVerify(input));

const checkProgress =
  (tell: (p: VerifyProgress) => void) =>
  (done: number, total: number): void =>
    tell({ stage: 'check', done, total });

/**
 * Node's `gc`, when the process runs with --expose-gc (bin/ksvc.cjs starts verify so). When a check
 * starts, the readers' models are garbage (about 300 MB at 10,000 services) but V8 keeps them until
 * its next full collection, and sizes the heap's growth on a live set that still counts them: one
 * collection here lets the check grow from what is really live (docs/benchmarks.md, sixth round).
 */
const collectGarbage = (globalThis as { gc?: () => void }).gc;

export function runVerify(prepared: PreparedVerify): VerifyReport {
  collectGarbage?.();
  const { family, ir, locality, named, tvBound } = prepared;
  const { space, compiled, roots } = prepared.setup;
  const keys = emptyShardKeys();
  for (const c of compiled) collectProgramKeys(keys, c.program);
  if (ir) collectIRShardKeys(keys, ir.program, space);
  const { fresh, other } = rootsByState(space, roots);
  const shards: Shard[] = [
    ...fresh.flatMap((r) => buildShards(r, keys)),
    ...other.map((cls, i) => ({
      label: `not new (${i === 0 ? 'arriving' : 'local'})`,
      cls,
      key: { kind: 'rest' } as const,
    })),
  ];
  const markMask = observedMarkMask(space);
  const result = runCheck(
    {
      space,
      shards,
      ir,
      artifacts: compiled,
      tvBound,
      markMask,
      maxFindings: prepared.maxFindings,
      groupByShard: prepared.groupByShard,
      keepUnreported: prepared.keepUnreported,
      ...(prepared.differencesCounted === undefined ? {} : { differencesCounted: prepared.differencesCounted }),
      shapes: prepared.shapes,
      rootOf: (shard) => (shard.cls.core[0]![0] === 0 ? 0 : 1),
      ...(prepared.progress ? { progress: checkProgress(prepared.progress) } : {}),
    },
    roots,
  );
  refuseInconclusiveProof(prepared, result.differingShards.size);

  // witnesses prefer what the rules and the model name, and the node's own addresses
  const hints =
    result.findings.length === 0
      ? NO_HINTS
      : witnessHints(space, [...named, ...locality.addresses.map((a) => [ipOf(a).value, ipOf(a).value] as const)]);
  const counterexamples = result.findings.map((f) => counterexampleOf({ space, roots, compiled, markMask, hints }, f));

  const shardByLabel = new Map(shards.map((s) => [s.label, s] as const));
  const frontendOf = (label: string): ShardFrontend | null => {
    const key = shardByLabel.get(label)?.key;
    if (key?.kind === 'exact') {
      return {
        dst: formatIP(family, atomFirst(space.addresses, key.dst)),
        protocol: PROTOS[key.proto]!,
        port: key.port,
      };
    }
    return key?.kind === 'port' ? { dst: null, protocol: PROTOS[key.proto]!, port: key.port } : null;
  };
  const differingFrontends = [...result.differingShards].map(frontendOf).filter((f) => f !== null);
  const unreported = result.unreported.map((u) => ({
    comparison: u.comparison,
    frontend: frontendOf(u.shard),
    dstLocal: u.dstLocal,
    classes: u.classes,
    distributions: outcomeLines(u.distributions),
  }));

  return {
    family,
    servicePorts: ir ? ir.program.servicePorts.length : null,
    // every difference found, reported or not: how many are reported (maxFindings, even 0) must
    // not decide it
    equivalent: result.differingShards.size === 0,
    comparisons: result.stats.comparisons,
    counterexamples,
    differingFrontends,
    counterexampleFrontends: result.findings.map((f) => ({ frontend: frontendOf(f.shard), dstLocal: f.dstLocal })),
    unreported,
    stats: result.stats,
    tvBound,
    locality: locality.mode,
    ignored: prepared.ignored,
    notes: prepared.notes,
  };
}
