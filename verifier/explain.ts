// Explain one packet: its path through each ruleset (every rule that matched, per random choice)
// and the outcome distribution of each evaluator, side by side. When the packet's fields leave open
// something the rules test (the locality of an address without a model, a destination-keyed
// affinity record), every case is shown with the condition that selects it (explain-cases.ts).
import { type Family, ipOf, loopbackLocalRange } from '../common/ip.ts';
import type { Rational } from '../compiler/ir/outcome.ts';
import type { Packet } from '../compiler/ir/packet.ts';
import type { IRProgram } from '../compiler/ir/types.ts';
import { type PacketClass, withDim } from './engine/box.ts';
import type { Locality } from './engine/build-space.ts';
import type { IREvaluator } from './engine/check.ts';
import { keyedArtifact, keyedIR } from './engine/compare.ts';
import { explore } from './engine/explore.ts';
import { type TraceEntry, traceList } from './engine/flow.ts';
import { contains, point } from './engine/intervals.ts';
import { evaluateProgram } from './engine/netfilter-eval.ts';
import { artifactDistribution, observe, observedIR } from './engine/observe.ts';
import type { ClassQuery } from './engine/query.ts';
import { type ArtifactInput, observedMarkMask, prepare } from './engine/setup.ts';
import { addressAtomOf, DIM, type PacketSpace } from './engine/space.ts';
import { packetClass } from './engine/witness.ts';
import { type CaseCell, caseConditions, mergeCells, unusualSource } from './explain-cases.ts';
import type { IgnoredItem } from './model/program.ts';
import { defaultLocality } from './verify.ts';

export interface ExplainInput {
  family: Family;
  ir: { program: IRProgram; evaluate: IREvaluator } | null;
  artifacts: readonly ArtifactInput[];
  packet: Packet;
  locality?: Locality;
  /**
   * Show what the readers say of the rulesets (their notes, what they ignored): for rulesets given
   * (a node's listing may hold other software's rules); not for ksvc's own, compiled in memory.
   */
  readerNotes?: boolean;
}

export interface ExplainedOutcome {
  outcome: string;
  p: Rational;
  /** artifacts: the rules each path to this outcome went through */
  paths: TraceEntry[][];
}

/** One case of the packet: the conditions that select it, and each evaluator's outcomes. */
export interface ExplainCase {
  /** empty when the packet's fields decide everything the rules test */
  conditions: string[];
  /** per evaluator ('iptables', 'nftables', 'ir') */
  results: Record<string, ExplainedOutcome[]>;
}

export interface Explanation {
  packet: Packet;
  /** which addresses are the node's ('universal': not known — then locality may split the cases) */
  locality: Locality;
  /** at least one; more when the outcome depends on something the packet's fields do not fix */
  cases: ExplainCase[];
  /** the results when there is one case; {} when there are several (read `cases`) */
  results: Record<string, ExplainedOutcome[]>;
  /**
   * remarks on the packet itself (a martian source, an affinity list no rule knows), then the
   * readers' on the rulesets (other software's rules before kube-proxy's jumps, assumed hooks)
   */
  notes: string[];
  /**
   * what the readers left out of the rulesets (other software's tables, chains and rules): a
   * packet such a rule accepts, drops or rewrites first is not explained as the kernel treats it
   */
  ignored: IgnoredItem[];
  /**
   * The mark bits an outcome's `mark` shows: every bit a ruleset or the IR tests or changes
   * (docs/verifier.md `owned-mark-bits`); other bits pass through and are not shown.
   */
  markBits: number;
}

type Results = Record<string, ExplainedOutcome[]>;

const signature = (results: Results): string =>
  JSON.stringify(results, (_, v) => (typeof v === 'bigint' ? v.toString() : v));

export function explain(input: ExplainInput): Explanation {
  const { packet } = input;
  const locality = input.locality ?? defaultLocality(input.ir?.program ?? null);
  const { space, compiled, roots } = prepare(
    input.family,
    input.ir?.program ?? null,
    input.artifacts,
    locality,
    (c) => {
      // the packet's own addresses become atoms, so its class holds exactly its addresses
      for (const ip of [packet.src, packet.dst]) {
        const v = ipOf(ip).value;
        c.addresses.push([v, v]);
      }
      if (packet.inInterface) c.interfaceNames.add(packet.inInterface);
    },
    // one packet reaches a few dozen chains: only those are compiled
    { lazy: true },
  );
  const pathAtom = packet.path === 'arriving' ? 0 : 1;
  // every packet the proof covers (without a model, an IPv4 source's locality is open too, as in
  // verify: a raw socket's packet); with one, a packet unlike those on its path gets a note
  const root = roots.find((r) => r.core[0]![0] === pathAtom) ?? roots[0]!;
  const cls = loopbackIsLocal(space, packetClass(space, root, packet), packet);
  const markMask = observedMarkMask(space);

  const evaluators: { name: string; run: (q: ClassQuery) => ExplainedOutcome[] }[] = compiled.map((c) => ({
    name: c.backend,
    run: (q) => {
      const d = artifactDistribution(q, evaluateProgram(c.program, q, { trace: true }), markMask, true);
      const keyed = keyedArtifact(d);
      return d.map((w) => ({ outcome: w.key, p: keyed.get(w.key)!, paths: w.traces.map(traceList) }));
    },
  }));
  if (input.ir) {
    const ir = input.ir;
    evaluators.push({
      name: 'ir',
      run: (q) => {
        const keyed = keyedIR(observedIR(ir, q, markMask), (o) => observe(o, markMask));
        return [...keyed.entries()].map(([outcome, p]) => ({ outcome, p, paths: [] }));
      },
    });
  }
  // refine the packet's class by each evaluator in turn: every final cell is uniform for all of them
  let cells: CaseCell<ExplainedOutcome[]>[] = [{ cls, results: {} }];
  for (const ev of evaluators) {
    cells = cells.flatMap((cell) =>
      explore(space, cell.cls, ev.run).map((c) => ({ cls: c.cls, results: { ...cell.results, [ev.name]: c.value } })),
    );
  }
  const addresses = { src: packet.src, dst: packet.dst };
  const cases = mergeCells(space, cells, signature).map(
    (c): ExplainCase => ({ conditions: caseConditions(space, c.cls, cls, addresses), results: c.results }),
  );
  return {
    packet,
    locality,
    cases,
    results: cases.length === 1 ? cases[0]!.results : {},
    notes: [
      ...new Set([
        ...packetNotes(space, packet),
        ...(input.readerNotes ? input.artifacts.flatMap((a) => a.program.notes) : []),
      ]),
    ],
    ignored: input.readerNotes ? input.artifacts.flatMap((a) => a.program.ignored) : [],
    markBits: markMask,
  };
}

const UNUSUAL_SOURCE_NOTE = {
  martian: (src: string) =>
    `the source ${src} is a local address of the node: IPv4 routing drops such an arriving packet (a martian) after nat prerouting, where an affinity record it writes stays; shown as the rules would treat it`,
  raw: (src: string) =>
    `the source ${src} is not a local address of the node, as a packet generated on the node would have; shown as the rules would treat it`,
} as const;

function packetNotes(space: PacketSpace, packet: Packet): string[] {
  const notes: string[] = [];
  if (packet.path === 'arriving' && space.family === 'ipv6' && ipOf(packet.dst).value === 1n) {
    notes.push(
      'an IPv6 packet for ::1 arriving on an interface is dropped by the kernel before netfilter sees it; shown as the rules would treat it',
    );
  } else if (packet.path === 'arriving' && space.family === 'ipv6' && ipOf(packet.src).value === 1n) {
    notes.push(
      'an IPv6 packet from ::1 arriving on an interface is dropped by the kernel; shown as the rules would treat it',
    );
  } else if (space.mode === 'concrete') {
    const local = contains(space.local, addressAtomOf(space.addresses, packet.src));
    const unusual = unusualSource(space.family, packet.path === 'local', local);
    if (unusual !== null) notes.push(UNUSUAL_SOURCE_NOTE[unusual](packet.src));
  }
  const known = new Set(space.affinity.filter((d) => d.key === 'saddr').map((d) => d.id));
  for (const list of Object.keys(packet.affinityAges)) {
    if (!known.has(list)) {
      const some = [...known].slice(0, 3);
      notes.push(
        `no rule checks or writes affinity list ${list}: its record changes nothing${some.length > 0 ? ` (lists: ${some.join(', ')}${known.size > 3 ? ', …' : ''})` : ''}`,
      );
    }
  }
  // the packet's mark bits no outcome shows: said, so that `mark 0x…` is not misread
  const shown = observedMarkMask(space);
  const unshown = (packet.mark & ~shown) >>> 0;
  if (unshown !== 0) {
    const hex = (n: number) => `0x${n.toString(16)}`;
    notes.push(
      `the mark bits ${hex(unshown)} of the packet are not shown in the outcomes: no rule tests or changes them, so they leave as they came (the outcomes show the bits ${hex(shown)})`,
    );
  }
  return notes;
}

/**
 * Without a model the node's addresses are not known, but loopback always is one of them (the
 * kernel routes 127.0.0.0/8 but its broadcast address, and ::1, locally): a packet to it is to a local address, and the case
 * where it is not, which no kernel shows, is not offered.
 */
function loopbackIsLocal(space: PacketSpace, cls: PacketClass, packet: Packet): PacketClass {
  if (space.mode !== 'universal') return cls;
  const loopback = loopbackLocalRange(space.family);
  const dst = ipOf(packet.dst);
  const local = dst.family === space.family && dst.value >= loopback.first && dst.value <= loopback.last;
  return local ? withDim(cls, DIM.dstLocal, point(1)) : cls;
}
