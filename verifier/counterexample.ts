// A difference found as the report gives it: a readable witness packet of the differing class,
// each artifact's traces for it, the region around it (and the others that differ the same way) as
// conditions, the distributions as outcome lines. Apart from verify.ts, which runs the check and
// assembles the report; this is the work done for each reported finding.
import type { Rational } from '../compiler/ir/outcome.ts';
import type { Packet } from '../compiler/ir/packet.ts';
import { type PacketClass, universe } from './engine/box.ts';
import type { Comparison, Finding } from './engine/check.ts';
import { describeClass } from './engine/class-text.ts';
import type { KeyedDistribution } from './engine/compare.ts';
import { explore } from './engine/explore.ts';
import { type TraceEntry, traceList } from './engine/flow.ts';
import { equals, ranges } from './engine/intervals.ts';
import { evaluateProgram } from './engine/netfilter-eval.ts';
import { artifactDistribution } from './engine/observe.ts';
import { mergedRegions } from './engine/regions.ts';
import type { Setup } from './engine/setup.ts';
import { DIM, PATHS, type PacketSpace } from './engine/space.ts';
import { packetClass, type WitnessHints, witnessPacket } from './engine/witness.ts';

export interface OutcomeLine {
  outcome: string;
  p: Rational;
}

export interface Counterexample {
  comparison: Comparison;
  /** a readable packet of the differing region */
  witness: Packet;
  /** the region around the witness where the difference is uniform, as conditions */
  region: string[];
  /**
   * more regions that differ the same way (each as conditions), merged from the classes kept: with
   * `region`, all of the difference when `unlistedClasses` is 0
   */
  moreRegions: string[][];
  /** classes that differ the same way and are in no region listed (past the ones kept) */
  unlistedClasses: number;
  /** how many classes differ the same way */
  classes: number;
  /** the distributions on the region, per evaluator ('ir', 'iptables', 'nftables') */
  distributions: Record<string, OutcomeLine[]>;
  /** for the witness packet: per artifact, per outcome, the rules it went through */
  traces: Record<string, { outcome: string; rules: TraceEntry[] }[]>;
  /** IR comparisons: exact total-variation distance */
  tv: Rational | null;
}

/** What a counterexample is made from besides its finding: the check's space, roots and rulesets. */
export interface CounterexampleContext {
  space: PacketSpace;
  roots: readonly PacketClass[];
  compiled: Setup['compiled'];
  markMask: number;
  /** the addresses a witness prefers (witness.ts) */
  hints: WitnessHints;
}

/** A reported finding as a counterexample: its witness, traces, regions and distributions. */
export function counterexampleOf(ctx: CounterexampleContext, f: Finding): Counterexample {
  const { space, roots, compiled, markMask, hints } = ctx;
  const witness = witnessPacket(space, f.cls, hints);
  const one = packetClass(space, f.cls, witness);
  const traces: Counterexample['traces'] = {};
  for (const c of compiled) {
    const cells = explore(space, one, (q) =>
      artifactDistribution(q, evaluateProgram(c.program, q, { trace: true }), markMask, true),
    );
    traces[c.name] = cells.flatMap((cell) =>
      cell.value.flatMap((w) => w.traces.map((t) => ({ outcome: w.key, rules: traceList(t) }))),
    );
  }
  const distributions = outcomeLines(f.distributions);
  // each box said against the root of its path (what that root leaves out goes without saying);
  // with several, each names its path, which is what tells them apart most often
  const whole = universe(space);
  const against = (cls: PacketClass, several: boolean) => {
    const root = roots.find((r) => equals(r.core[DIM.path]!, cls.core[DIM.path]!)) ?? whole;
    const lines = describeClass(space, cls, root);
    if (!several || lines[0]!.startsWith('path: ')) return lines;
    return [
      `path: ${[...ranges(cls.core[DIM.path]!)].flatMap(([lo, hi]) => PATHS.slice(lo, hi + 1)).join(', ')}`,
      ...lines,
    ];
  };
  let boxes = mergedRegions(space, [f.cls, ...f.others]);
  // the witness's own class when its merged box can only be written cut short (a list of
  // blocks ending '…') or with address ranges: the region around the witness stays readable,
  // the rest follows it
  const cut = (lines: string[]) =>
    lines.some((l) => l.includes('…') || (/^(source|destination): /.test(l) && /[0-9a-f]-[0-9a-f]/i.test(l)));
  if (f.others.length > 0 && cut(against(boxes[0]!, boxes.length > 1))) {
    const alone = [f.cls, ...mergedRegions(space, f.others)];
    if (!cut(against(f.cls, alone.length > 1))) boxes = alone;
  }
  const [region, ...more] = boxes.map((b) => against(b, boxes.length > 1));
  return {
    comparison: f.comparison,
    witness,
    region: region!,
    moreRegions: more,
    unlistedClasses: f.classes - 1 - f.others.length,
    classes: f.classes,
    distributions,
    traces,
    tv: f.tv,
  };
}

/** Keyed distributions as outcome lines, per evaluator. */
export function outcomeLines(ds: Record<string, KeyedDistribution>): Record<string, OutcomeLine[]> {
  const lines: Record<string, OutcomeLine[]> = {};
  for (const [name, d] of Object.entries(ds)) lines[name] = [...d.entries()].map(([outcome, p]) => ({ outcome, p }));
  return lines;
}
