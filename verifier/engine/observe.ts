// From an evaluation's leaves to what is observed (docs/verifier.md §1): outcomes with exact
// weights, merged by outcome. The same normalisation applies to every evaluator's outcomes, so a
// difference that cannot be observed (the mark of a dropped packet) is never reported.
import type { IPText } from '../../common/ip.ts';
import { type Distribution, type Outcome, outcomeKey } from '../../compiler/ir/outcome.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import type { IREvaluator } from './check.ts';
import { add, type Dyadic } from './dyadic.ts';
import { derivedOf, type FlowState, type Leaf, type TraceNode } from './flow.ts';
import { classView } from './ir-view.ts';
import type { ClassQuery } from './query.ts';
import { CT_NEW, DIM, markSet } from './space.ts';

/**
 * The observed form of an outcome: a dropped or rejected packet has no DNAT, masquerade or mark
 * (nothing of it leaves), but affinity records it wrote stay; the mark is cut to `markMask`.
 */
export function observe(o: Outcome, markMask: number): Outcome {
  const writes = [...new Set(o.affinityWrites)].sort();
  if (o.verdict !== 'accept')
    return { verdict: o.verdict, dnat: null, masquerade: 'none', mark: 0, affinityWrites: writes };
  return { ...o, mark: (o.mark & markMask) >>> 0, affinityWrites: writes };
}

/**
 * outcomeKey(observe(o, markMask)) without making the observed outcome when the affinity lists are
 * already sorted and distinct (the IR's are): the key of every IR outcome of every class.
 */
export function observedKey(o: Outcome, markMask: number): string {
  const writes = o.affinityWrites;
  for (let i = 1; i < writes.length; i++) if (!(writes[i - 1]! < writes[i]!)) return outcomeKey(observe(o, markMask));
  if (o.verdict !== 'accept')
    return writes.length === 0 ? `${o.verdict} mark 0x0` : `${o.verdict} mark 0x0 affinity ${writes.join(',')}`;
  const mark = (o.mark & markMask) >>> 0;
  return outcomeKey(mark === o.mark ? o : { ...o, mark });
}

export interface WeightedPaths {
  outcome: Outcome;
  key: string;
  w: Dyadic;
  /** the traces that lead to this outcome (kept only when tracing) */
  traces: (TraceNode | null)[];
}

/** Outcomes of an artifact evaluation, merged and sorted by key. */
export type ArtifactDistribution = WeightedPaths[];

/** The packet's initial value of the mark bits in `mask`, asked of the class bit by bit. */
export function initialMarkBits(q: ClassQuery, mask: number): number {
  let initial = 0;
  for (let b = 0; b < 32; b++) {
    if (((mask >>> b) & 1) === 0) continue;
    const bit = 1 << b;
    if (q.ask(DIM.mark, markSet(q.space, bit, bit))) initial |= bit;
  }
  return initial >>> 0;
}

function finalMark(q: ClassQuery, s: FlowState, markMask: number): number {
  // mark = (initial & keep) ^ xor; the initial bits that survive must be known for the class
  const initial = initialMarkBits(q, (s.markKeep & markMask) >>> 0);
  return (((initial & s.markKeep) ^ s.markXor) & markMask) >>> 0;
}

/**
 * The IR's outcomes with the observed mark bits it does not own passed through unchanged: the IR
 * sets and clears its masquerade bit only, so an accepted packet leaves with every other observed
 * bit as it arrived (docs/verifier.md `owned-mark-bits`). A ruleset that changes such a bit then
 * differs from the IR as it differs from a ruleset that leaves the bit alone.
 */
function withUnownedMarkBits(d: Distribution, q: ClassQuery, unowned: number): Distribution {
  if (unowned === 0 || !d.some((w) => w.outcome.verdict === 'accept')) return d;
  const bits = initialMarkBits(q, unowned);
  if (bits === 0) return d;
  return d.map((w) =>
    w.outcome.verdict === 'accept' ? { p: w.p, outcome: { ...w.outcome, mark: (w.outcome.mark | bits) >>> 0 } } : w,
  );
}

/** The IR's distribution for a class as a check observes it (`markMask`): withUnownedMarkBits. */
export function observedIR(
  ir: { program: IRProgram; evaluate: IREvaluator },
  q: ClassQuery,
  markMask: number,
): Distribution {
  const unowned = (markMask & ~ir.program.masqueradeMark) >>> 0;
  return withUnownedMarkBits(ir.evaluate(ir.program, classView(q)), q, unowned);
}

export function leafOutcome(q: ClassQuery, leaf: Leaf, markMask: number): Outcome {
  const s = leaf.state;
  const isNew = q.ask(DIM.ct, CT_NEW);
  let dnat: Outcome['dnat'] = null;
  // a DNAT to the packet's own address and port translates nothing (the kernel keeps the tuple):
  // no DNAT in the outcome, as none in the connection's status
  if (isNew && s.dnatIp !== null && !s.dnatIdentity) {
    let port = s.dnatPort;
    if (port === null) {
      // DNAT without a port keeps the packet's: the class must hold one port
      const v = q.set(DIM.dport)[0]!;
      q.ask(DIM.dport, [v, v]);
      port = v;
    }
    dnat = { ip: s.dnatIp as IPText, port };
  }
  const raw: Outcome = {
    verdict: leaf.verdict,
    dnat,
    masquerade: s.masquerade,
    mark: leaf.verdict === 'accept' ? finalMark(q, s, markMask) : 0,
    affinityWrites: s.affinityWrites,
  };
  return observe(raw, markMask);
}

/** A number per verdict seen (part of a numeric cache key). */
const verdictCodes = new Map<string, number>();
const verdictCode = (v: string): number => {
  let c = verdictCodes.get(v);
  if (c === undefined) verdictCodes.set(v, (c = verdictCodes.size));
  return c;
};

/**
 * What every leaf of one evaluation asks the class in the same way (observe.ts's part of the class
 * questions): whether it is a new connection, and the arriving values of a set of mark bits. Each
 * is asked when a leaf first needs it, in leafOutcome's order, so the first question that splits
 * the class is the one asked leaf by leaf; then it is known for the class.
 */
interface ClassFacts {
  isNew: boolean | null;
  /** the last mark mask asked, and its arriving bits */
  bitsOf: number;
  bits: number;
}

/**
 * Outcomes of leaves per state object, verdict and what the class adds (ct new or not, the
 * arriving values of the observed mark bits the rules left alone): the classes of a shard hand the
 * same state objects to this one after another (chain-eval.ts, netfilter-eval.ts). A DNAT without
 * a port takes the class's: not cached.
 */
function cachedOutcome(
  q: ClassQuery,
  leaf: Leaf,
  markMask: number,
  facts: ClassFacts,
): { outcome: Outcome; key: string } {
  const s = leaf.state;
  if (s.dnatIp !== null && s.dnatPort === null) {
    const outcome = leafOutcome(q, leaf, markMask);
    return { outcome, key: outcomeKey(outcome) };
  }
  // asked in leafOutcome's order: ct state, then the surviving mark bits of an accepted packet
  const isNew = (facts.isNew ??= q.ask(DIM.ct, CT_NEW));
  const surviving = (s.markKeep & markMask) >>> 0;
  let initial = 0;
  if (leaf.verdict === 'accept' && surviving !== 0) {
    if (facts.bitsOf !== surviving) {
      facts.bits = initialMarkBits(q, surviving);
      facts.bitsOf = surviving;
    }
    initial = facts.bits;
  }
  const d = derivedOf(s);
  if (d.outcomes === null || d.outcomes.markMask !== markMask) d.outcomes = { markMask, byKey: new Map() };
  // verdict, ct new and the 32 arriving bits in one number (exact below 2^53)
  const k = (verdictCode(leaf.verdict) * 2 + (isNew ? 1 : 0)) * 2 ** 32 + initial;
  let hit = d.outcomes.byKey.get(k);
  if (!hit) {
    const outcome = leafOutcome(q, leaf, markMask);
    hit = { outcome, key: outcomeKey(outcome) };
    d.outcomes.byKey.set(k, hit);
  }
  return hit;
}

export function artifactDistribution(
  q: ClassQuery,
  leaves: readonly Leaf[],
  markMask: number,
  keepTraces: boolean,
): ArtifactDistribution {
  const byKey = new Map<string, WeightedPaths>();
  const facts: ClassFacts = { isNew: null, bitsOf: 0, bits: 0 };
  for (const leaf of leaves) {
    if (leaf.w.n === 0n) continue;
    const { outcome, key } = cachedOutcome(q, leaf, markMask, facts);
    const prev = byKey.get(key);
    if (prev) {
      prev.w = add(prev.w, leaf.w);
      if (keepTraces) prev.traces.push(leaf.state.trace);
    } else byKey.set(key, { outcome, key, w: leaf.w, traces: keepTraces ? [leaf.state.trace] : [] });
  }
  const out = [...byKey.values()];
  return out.length > 1 ? out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) : out;
}
