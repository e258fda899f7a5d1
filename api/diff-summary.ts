// What a diff's changes amount to, per service port, for a reviewer's first glance: the endpoints
// that start or stop receiving traffic, and which other parts of the outcome change (verdict,
// probabilities, masquerade, mark, affinity records). Read from the changes' distributions only
// (the outcome keys, compiler/ir/outcome.ts): the changes stay the evidence.
import { type Outcome, outcomeFromKey } from '../compiler/ir/outcome.ts';
import type { OutcomeLine } from '../verifier/counterexample.ts';
import type { RoutingChange } from './diff.ts';

/** 'other': the outcomes differ in a way none of the others names (a change is never summarised as nothing) */
export type ChangeKind = 'endpoints' | 'verdict' | 'probabilities' | 'masquerade' | 'mark' | 'affinity' | 'other';

export interface ServicePortChanges {
  /** null: changes whose witness is addressed to no service port (or rulesets without a model) */
  servicePortName: string | null;
  /** how many of the changes name it, and how many packet classes they stand for */
  changes: number;
  classes: number;
  /** DNAT targets ("ip:port") the new version sends some of these packets to and the old sent none to */
  endpointsAdded: string[];
  /** DNAT targets the old version sent some of these packets to and the new sends none to */
  endpointsRemoved: string[];
  /**
   * DNAT targets both versions send some of these packets to, but not the same ones (a port or a
   * cluster IP moved, an affinity record now binds): neither added nor removed
   */
  endpointsShifted: string[];
  /** the verdicts each version gives these packets, when they differ */
  verdicts: { old: string[]; new: string[] } | null;
  /**
   * Each change's verdicts, old -> new ("accept -> reject"), distinct: what `verdicts` merges (one
   * change accept -> reject and another reject -> accept are accept/reject -> accept/reject there)
   */
  verdictChanges: string[];
  kinds: ChangeKind[];
}

const KIND_ORDER: readonly ChangeKind[] = [
  'endpoints',
  'verdict',
  'probabilities',
  'masquerade',
  'mark',
  'affinity',
  'other',
];

const target = (o: Outcome) =>
  o.dnat ? `${o.dnat.ip.includes(':') ? `[${o.dnat.ip}]` : o.dnat.ip}:${o.dnat.port}` : '';

function outcomesOf(lines: readonly OutcomeLine[]): Outcome[] {
  return lines.map((l) => outcomeFromKey(l.outcome)).filter((o): o is Outcome => o !== null);
}

/** What differs between two distributions of one change, besides which endpoints are reached. */
function kindsOf(oldLines: readonly OutcomeLine[], newLines: readonly OutcomeLine[]): Set<ChangeKind> {
  const kinds = new Set<ChangeKind>();
  const [o, n] = [outcomesOf(oldLines), outcomesOf(newLines)];
  const set = (xs: Outcome[], f: (x: Outcome) => string) => [...new Set(xs.map(f))].sort().join('|');
  if (set(o, target) !== set(n, target)) kinds.add('endpoints');
  if (set(o, (x) => x.verdict) !== set(n, (x) => x.verdict)) kinds.add('verdict');
  // for each destination both versions reach with the same verdict: what else happens on the way
  for (const x of o) {
    const same = n.filter((y) => y.verdict === x.verdict && target(y) === target(x));
    if (same.length === 0) continue;
    if (!same.some((y) => y.masquerade === x.masquerade)) kinds.add('masquerade');
    if (!same.some((y) => y.mark === x.mark)) kinds.add('mark');
    if (!same.some((y) => y.affinityWrites.join(',') === x.affinityWrites.join(','))) kinds.add('affinity');
  }
  // an outcome both versions have, with another probability (an endpoint more or less changes
  // every other endpoint's share)
  const before = new Map(oldLines.map((l) => [l.outcome, l.p] as const));
  for (const l of newLines) {
    const p = before.get(l.outcome);
    if (p !== undefined && p.num * l.p.den !== l.p.num * p.den) kinds.add('probabilities');
  }
  if (kinds.size === 0) kinds.add('other');
  return kinds;
}

/** What the summary reads of a change: shown with a witness or not (past maxChanges). */
export interface SummarizedChange {
  servicePorts: RoutingChange['servicePorts'];
  classes: number;
  distributions: Record<string, OutcomeLine[]>;
}

/** The changes grouped by the service ports they are addressed to, in first-seen order. */
export function summarizeChanges(changes: readonly SummarizedChange[]): ServicePortChanges[] {
  // what the changes give as they come; the endpoint lists and kinds are read from it at the end
  type Gathered = Omit<ServicePortChanges, 'endpointsAdded' | 'endpointsRemoved' | 'endpointsShifted' | 'kinds'> & {
    kindSet: Set<ChangeKind>;
    /** the targets each version reaches for some of these packets, and those a change moved */
    oldReached: Set<string>;
    newReached: Set<string>;
    moved: Set<string>;
  };
  const byName = new Map<string | null, Gathered>();
  for (const ch of changes) {
    const d = ch.distributions;
    const [oldLines, newLines] = [d.old ?? [], d.new ?? []];
    const names = [...new Set([...ch.servicePorts.old, ...ch.servicePorts.new].map((p) => p.servicePortName))];
    const kinds = kindsOf(oldLines, newLines);
    const oldTargets = new Set(outcomesOf(oldLines).map(target));
    const newTargets = new Set(outcomesOf(newLines).map(target));
    for (const name of names.length > 0 ? names : [null]) {
      let s = byName.get(name);
      if (!s) {
        s = {
          servicePortName: name,
          changes: 0,
          classes: 0,
          verdicts: null,
          verdictChanges: [],
          kindSet: new Set(),
          oldReached: new Set(),
          newReached: new Set(),
          moved: new Set(),
        };
        byName.set(name, s);
      }
      s.changes++;
      s.classes += ch.classes;
      for (const k of kinds) s.kindSet.add(k);
      // per change, the targets it adds or drops; per service port, added means no change's old
      // version reached it (a port 80 -> 8081 edit moves packets, it adds and removes nothing)
      for (const t of newTargets) {
        if (t === '') continue;
        s.newReached.add(t);
        if (!oldTargets.has(t)) s.moved.add(t);
      }
      for (const t of oldTargets) {
        if (t === '') continue;
        s.oldReached.add(t);
        if (!newTargets.has(t)) s.moved.add(t);
      }
      if (kinds.has('verdict')) {
        const add = (into: string[], ls: readonly OutcomeLine[]) => {
          for (const o of outcomesOf(ls)) if (!into.includes(o.verdict)) into.push(o.verdict);
          return into.sort();
        };
        s.verdicts = { old: add(s.verdicts?.old ?? [], oldLines), new: add(s.verdicts?.new ?? [], newLines) };
        const change = `${add([], oldLines).join('/')} -> ${add([], newLines).join('/')}`;
        if (!s.verdictChanges.includes(change)) s.verdictChanges.push(change);
      }
    }
  }
  return [...byName.values()].map(({ kindSet, oldReached, newReached, moved, ...s }) => ({
    ...s,
    endpointsAdded: [...moved].filter((t) => !oldReached.has(t)).sort(),
    endpointsRemoved: [...moved].filter((t) => !newReached.has(t)).sort(),
    endpointsShifted: [...moved].filter((t) => oldReached.has(t) && newReached.has(t)).sort(),
    kinds: KIND_ORDER.filter((k) => kindSet.has(k)),
  }));
}
