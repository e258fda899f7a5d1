// The equivalence check over a packet space: for every shard, refine it until every program
// (the IR's reference evaluator and each artifact) is uniform on each class, then compare the
// distributions class by class — artifacts against each other exactly, each artifact against the
// IR within a total-variation bound.
import type { Distribution, Outcome, Rational } from '../../compiler/ir/outcome.ts';
import { addRational, compareRational, rational, reduce } from '../../compiler/ir/outcome.ts';
import type { PacketView } from '../../compiler/ir/packet.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { classSize, type PacketClass } from './box.ts';
import {
  compareToIntended,
  exactlyEqual,
  type IntendedComparison,
  intendedOf,
  type KeyedDistribution,
  keyedArtifact,
  keyedIR,
  withinBound,
} from './compare.ts';
import type { CompiledArtifact } from './compiled.ts';
import { newEvalMemo } from './eval-memo.ts';
import { explore } from './explore.ts';
import type { IntervalSet } from './intervals.ts';
import { evaluateProgram } from './netfilter-eval.ts';
import { type ArtifactDistribution, artifactDistribution, observe, observedIR, observedKey } from './observe.ts';
import type { ClassQuery } from './query.ts';
import { REGION_CLASSES_KEPT } from './regions.ts';
import { type ShapeCache, shapeContext, shardShape } from './shape.ts';
import type { Shard } from './shards.ts';
import { atomFirst, atomLast, classDestinationLocal, type PacketSpace } from './space.ts';
import { moreReadable } from './witness.ts';

export type IREvaluator = (ir: IRProgram, view: PacketView) => Distribution;

export interface CheckInput {
  space: PacketSpace;
  shards: readonly Shard[];
  ir: { program: IRProgram; evaluate: IREvaluator } | null;
  artifacts: readonly CompiledArtifact[];
  tvBound: Rational;
  /** mark bits that are observed */
  markMask: number;
  /** stop collecting counterexamples after this many distinct differences */
  maxFindings: number;
  /**
   * Tell differences apart by shard too (a diff: one change per frontend, so that every service
   * port a change reaches is named); default: by the comparison and the outcomes alone.
   */
  groupByShard?: boolean;
  /**
   * Keep each difference past maxFindings as an UnreportedDifference (its shard, distributions and
   * class count, not its class), up to DIFFERENCES_COUNTED: a diff summarises every change, not
   * only those it prints; default: counted only.
   */
  keepUnreported?: boolean;
  /** how many differences past maxFindings are counted (default DIFFERENCES_COUNTED) */
  differencesCounted?: number;
  /** evaluate one shard per shape and count the others (see shape.ts); false: every shard */
  shapes: boolean;
  /** which root each shard came from (part of its shape) */
  rootOf: (shard: Shard) => number;
  /** told every PROGRESS_SHARDS shards and at the end how many shards are done, of how many */
  progress?: (done: number, total: number) => void;
}

/** Differences past maxFindings are counted up to this many (their signatures are kept to count them). */
export const DIFFERENCES_COUNTED = 100_000;

/** How often runCheck tells its progress (a check runs tens of thousands of shards). */
export const PROGRESS_SHARDS = 256;

/**
 * Two evaluators by name, 'a=b': the artifacts' names (their backends, or a diff's 'old' and
 * 'new') and 'ir' for the reference evaluator.
 */
export type Comparison = `${string}=${string}`;

export interface Finding {
  comparison: Comparison;
  shard: string;
  /** the witness's class: the most readable of the group */
  cls: PacketClass;
  /** other classes that differ the same way, up to REGION_CLASSES_KEPT (regions.ts): the region */
  others: PacketClass[];
  /** distributions on the class, by evaluator name ('ir', 'iptables', 'nftables') */
  distributions: Record<string, KeyedDistribution>;
  /** for IR comparisons: the exact total-variation distance */
  tv: Rational | null;
  /** how many classes differ the same way */
  classes: number;
  /**
   * whether the destinations of those classes are local addresses (null: some are, some not): a
   * port-only shard's packets reach a NodePort only at local ones (the diff's naming)
   */
  dstLocal: boolean | null;
}

/** A difference past maxFindings, kept without its class (no witness, no region): what a summary needs. */
export type UnreportedDifference = Omit<Finding, 'cls' | 'others'>;

/** Two classes' destinationLocal together. */
const bothLocal = (a: boolean | null, b: boolean | null): boolean | null => (a === b ? a : null);

export interface CheckStats {
  shards: number;
  classes: number;
  /** packets covered by the classes (must equal the universe: a coverage self-check) */
  packets: Rational;
  universe: Rational;
  /** per comparison: the largest total-variation distance seen (IR comparisons) */
  maxTV: Partial<Record<Comparison, Rational>>;
  /**
   * Distinct differences found, reported or not (more than maxFindings: the rest were counted, not
   * kept; counted up to DIFFERENCES_COUNTED)
   */
  differences: number;
  /** more distinct differences were found than DIFFERENCES_COUNTED past maxFindings: `differences` is a lower bound */
  differencesCapped: boolean;
  /** shards evaluated, and shards counted from an evaluated shard of the same shape */
  evaluatedShards: number;
  reusedShards: number;
  shapes: number;
  comparisons: Comparison[];
}

export interface CheckResult {
  findings: Finding[];
  stats: CheckStats;
  /** the labels of the shards with a difference, reported or not */
  differingShards: Set<string>;
  /** the differences past maxFindings (with keepUnreported; else empty) */
  unreported: UnreportedDifference[];
}

export function addressCount(space: PacketSpace) {
  return (atoms: IntervalSet): bigint => {
    let n = 0n;
    for (let i = 0; i < atoms.length; i += 2) {
      n += atomLast(space.addresses, atoms[i + 1]!) - atomFirst(space.addresses, atoms[i]!) + 1n;
    }
    return n;
  };
}

export function runCheck(input: CheckInput, roots: readonly PacketClass[]): CheckResult {
  const { space } = input;
  const count = addressCount(space);
  const markMask = input.markMask;
  const observeIR = (o: Outcome) => observe(o, markMask);
  const observedKeyIR = (o: Outcome) => observedKey(o, markMask);
  const comparisons: Comparison[] = [];
  const arts = input.artifacts;
  for (let i = 0; i < arts.length; i++) {
    for (let j = i + 1; j < arts.length; j++) comparisons.push(`${arts[i]!.name}=${arts[j]!.name}`);
  }
  if (input.ir) for (const a of arts) comparisons.push(`ir=${a.name}`);

  // one memo per artifact and shard (flows, hence memo keys, repeat within a shard, not across)
  let memos = arts.map(() => newEvalMemo());
  const evalArtifact = (k: number) => (q: ClassQuery) =>
    artifactDistribution(q, evaluateProgram(arts[k]!.program, q, { trace: false, memo: memos[k]! }), markMask, false);
  const ir = input.ir;
  const evalIR = ir ? (q: ClassQuery) => observedIR(ir, q, markMask) : null;

  const groups = new Map<string, Finding>();
  const maxTV: Partial<Record<Comparison, Rational>> = {};
  let classes = 0;
  // packets counted, summed per denominator and reduced once at the end: reducing a sum of
  // hundred-bit numerators after every class was a gcd per class
  const packetSums = new Map<bigint, bigint>();
  const countPackets = (r: Rational) => packetSums.set(r.den, (packetSums.get(r.den) ?? 0n) + r.num);
  let findingsSeen = 0;

  // the differences past maxFindings, by signature: counted, and kept without their class when asked
  let differencesCapped = false;
  const unreported = new Map<string, UnreportedDifference | null>();
  const differingShards = new Set<string>();
  const record = (found: Omit<Finding, 'classes' | 'others' | 'dstLocal'>) => {
    const f = { ...found, dstLocal: classDestinationLocal(space, found.cls) };
    findingsSeen++;
    differingShards.add(f.shard);
    const sig = `${input.groupByShard ? `${f.shard}|` : ''}${f.comparison}|${[...Object.entries(f.distributions)].map(([k, d]) => `${k}:${[...d.keys()].join(';')}`).join('|')}`;
    const g = groups.get(sig);
    if (g) {
      g.classes++;
      g.dstLocal = bothLocal(g.dstLocal, f.dstLocal);
      // the most readable class of the group is the witness's; the others (some) describe the region
      const other = moreReadable(space, f.cls, g.cls) ? g.cls : f.cls;
      if (other !== f.cls) Object.assign(g, { ...f, classes: g.classes, others: g.others, dstLocal: g.dstLocal });
      if (g.others.length < REGION_CLASSES_KEPT) g.others.push(other);
    } else if (groups.size < input.maxFindings) groups.set(sig, { ...f, classes: 1, others: [] });
    else if (unreported.has(sig)) {
      const u = unreported.get(sig);
      if (u) {
        u.classes++;
        u.dstLocal = bothLocal(u.dstLocal, f.dstLocal);
      }
    } else if (unreported.size < (input.differencesCounted ?? DIFFERENCES_COUNTED)) {
      if (!input.keepUnreported) unreported.set(sig, null);
      else {
        const { cls: _, ...kept } = f;
        unreported.set(sig, { ...kept, classes: 1 });
      }
    } else differencesCapped = true;
  };

  const compareCell = (shard: string, cls: PacketClass, dists: ArtifactDistribution[], ir: Distribution | null) => {
    classes++;
    countPackets(classSize(space, cls, count));
    // which artifacts give the first one's distribution exactly (their comparison with the IR is its)
    const likeFirst: boolean[] = [true];
    for (let i = 0; i < arts.length; i++) {
      for (let j = i + 1; j < arts.length; j++) {
        const equal = exactlyEqual(dists[i]!, dists[j]!);
        if (i === 0) likeFirst[j] = equal;
        if (!equal) {
          record({
            comparison: `${arts[i]!.name}=${arts[j]!.name}`,
            shard,
            cls,
            distributions: {
              [arts[i]!.name]: keyedArtifact(dists[i]!),
              [arts[j]!.name]: keyedArtifact(dists[j]!),
            },
            tv: null,
          });
        }
      }
    }
    if (!ir) return;
    const intended = intendedOf(ir, observedKeyIR);
    let first: IntendedComparison | null = null;
    for (const [i, a] of arts.entries()) {
      // equal distributions (same outcomes, equal weights) are as far from the IR as each other
      const result: IntendedComparison =
        first !== null && likeFirst[i] ? first : compareToIntended(intended, dists[i]!);
      if (i === 0) first = result;
      const { sameSupport, tv } = result;
      const cmp: Comparison = `ir=${a.name}`;
      const prev = maxTV[cmp];
      if (!prev || (tv !== prev && compareRational(tv, prev) > 0)) maxTV[cmp] = tv;
      if (!sameSupport || !withinBound(tv, input.tvBound)) {
        record({
          comparison: cmp,
          shard,
          cls,
          distributions: { ir: keyedIR(ir, observeIR), [a.name]: keyedArtifact(dists[i]!) },
          tv: reduce(tv),
        });
      }
    }
  };

  /** Refine `cls` for evaluator k onwards (artifacts, then the IR), comparing at the leaves. */
  const refine = (shard: string, cls: PacketClass, k: number, dists: ArtifactDistribution[]) => {
    if (k < arts.length) {
      for (const cell of explore(space, cls, evalArtifact(k))) {
        refine(shard, cell.cls, k + 1, [...dists, cell.value]);
      }
      return;
    }
    if (!evalIR) return compareCell(shard, cls, dists, null);
    for (const cell of explore(space, cls, evalIR)) compareCell(shard, cell.cls, dists, cell.value);
  };

  // the roots that shard the same keys (a key's shape body is written once for all of them)
  const rootCount = new Set(input.shards.filter((s) => s.key.kind !== 'rest').map(input.rootOf)).size;
  const shapeCtx = input.shapes ? shapeContext(space, arts, input.ir?.program ?? null, rootCount) : null;
  const cache: ShapeCache = new Map();
  let evaluatedShards = 0;
  let reusedShards = 0;
  const total = input.shards.length;
  for (let i = 0; i < total; i++) {
    const shard = input.shards[i]!;
    if (i % PROGRESS_SHARDS === 0) input.progress?.(i, total);
    const shape = shapeCtx ? shardShape(shapeCtx, shard, input.rootOf(shard)) : null;
    const known = shape === null ? undefined : cache.get(shape);
    if (known?.equivalent) {
      // an isomorphic shard was evaluated and found equivalent: this one splits the same way
      reusedShards++;
      classes += known.classes;
      countPackets(classSize(space, shard.cls, count));
      continue;
    }
    evaluatedShards++;
    memos = arts.map(() => newEvalMemo());
    const before = { classes, findings: findingsSeen };
    refine(shard.label, shard.cls, 0, []);
    if (shape !== null && !known) {
      cache.set(shape, { classes: classes - before.classes, equivalent: findingsSeen === before.findings });
    }
  }

  input.progress?.(total, total);
  let packets: Rational = rational(0);
  for (const [den, num] of packetSums) packets = addRational(packets, { num, den });
  const findings = [...groups.values()];
  for (const k of Object.keys(maxTV) as Comparison[]) maxTV[k] = reduce(maxTV[k]!);
  return {
    findings,
    differingShards,
    unreported: [...unreported.values()].filter((u) => u !== null),
    stats: {
      shards: input.shards.length,
      classes,
      packets,
      universe: reduce(roots.reduce((acc: Rational, r) => addRational(acc, classSize(space, r, count)), rational(0))),
      maxTV,
      comparisons,
      differences: groups.size + unreported.size,
      differencesCapped,
      evaluatedShards,
      reusedShards,
      shapes: cache.size,
    },
  };
}

export const DEFAULT_TV_BOUND: Rational = rational(1, 1 << 20);
