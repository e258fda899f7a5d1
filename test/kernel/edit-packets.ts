// Random edits of the artifacts (test/verifier/random-edits.ts) through the kernel's packet path:
// the edited ruleset (iptables with its builtin-chain jumps, or the nft document) is loaded into a
// node namespace of the packet-test topology and every frontend is probed from every source
// (matrix.ts), and what the kernel does must be what the verifier's reading of the edited text
// says: the plain interpreter of the reader's program (test/verifier/concrete-interpreter.ts,
// which the random-edit campaigns hold the engine to) gives each probe's expected outcomes. So the
// readers' meaning of rules no valid model produces — a goto, a dropped protocol, another mark,
// another chain — is checked against the kernel itself, not only against each other.
// Used by edit-packets.test.ts (a fixed sample) and scripts/fuzz-edit-packets.ts (campaigns).
import { type IPText, ipOf } from '../../common/ip.ts';
import { type Outcome, outcomeKey } from '../../compiler/ir/outcome.ts';
import type { Packet } from '../../compiler/ir/packet.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import type { NetfilterProgram } from '../../verifier/model/program.ts';
import {
  type ConcreteWorld,
  interpretOutcomes,
  UnansweredPacket,
  UnmodelledPacket,
} from '../verifier/concrete-interpreter.ts';
import { type EditedFamily, editedCase, readArtifact } from '../verifier/random-edits.ts';
import { type Expectation, expectationOf, packetOf, type RejectSeen } from './expected.ts';
import { iptablesBackend, nftablesBackend } from './load.ts';
import { type Backend, type DifferentialReport, formatReport, probesOf, runDifferential } from './matrix.ts';
import type { Probe } from './probe.ts';
import { planTopology, type TopologyPlan } from './topology.ts';

export type ProbedArtifact = 'iptables' | 'nftables';

export interface EditPacketsResult {
  what: string | null;
  /**
   * 'unreadable': the reader refuses the edited text; 'refused': the kernel's tool does; 'foreign':
   * the edit made a rule the reader lists as not kube-proxy's; 'unmodelled': a probe meets a
   * question the model leaves open (the last two are not judged)
   */
  outcome: 'skipped' | 'unreadable' | 'refused' | 'foreign' | 'unmodelled' | 'probed';
  problems: string[];
  probes: number;
  /** the cells and what each backend saw, when there are problems */
  report: string;
}

/** At most this many affinity states per probe (each a set of lists with a fresh record). */
const MAX_STATES = 64;

/**
 * The outcomes of one probe in every affinity state reachable from no record (each state: the
 * lists holding a fresh record of the source): a state grows by what its own outcomes write and by
 * any of `others` (lists other probes from the same source write).
 */
function outcomesByState(
  read: NetfilterProgram,
  world: ConcreteWorld,
  first: Packet,
  others: ReadonlySet<string>,
): { outcomes: Map<string, Outcome>; states: number; writes: Set<string> } {
  const outcomes = new Map<string, Outcome>();
  const writes = new Set<string>();
  const seen = new Set<string>();
  const queue: string[][] = [[]];
  while (queue.length > 0 && seen.size < MAX_STATES) {
    const lists = queue.shift()!;
    const key = lists.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    const ages = Object.fromEntries(lists.map((l) => [l, 0]));
    const grow = new Set(others);
    for (const { outcome } of interpretOutcomes(read, { ...first, affinityAges: ages }, world)) {
      outcomes.set(outcomeKey(outcome), outcome);
      for (const w of outcome.affinityWrites) {
        grow.add(w);
        writes.add(w);
      }
    }
    for (const l of grow) if (!lists.includes(l)) queue.push([...lists, l].sort());
  }
  return { outcomes, states: seen.size, writes };
}

/**
 * How the sender sees a REJECT of `first` in the edited ruleset: the error the kernel sends back is
 * a packet of its own — ICMP, ct state related, from the node (the probe's destination when that
 * is LOCAL — the node's or a loopback address: icmp_send and icmpv6_send take the destination of a
 * packet routed locally — else one of the node's addresses) to the probe's source, through output
 * and, when it goes back to the node, input — and an edit can stop it (a rule that rejects every
 * packet of filter-input, or one that drops packets to 127.0.0.0/8 from any other source). Then the
 * sender sees a timeout. (A TCP reset instead of the ICMP error would take the same hooks; only an
 * edit of the reject's kind tells them apart, and both are allowed then.)
 */
function rejectSeenAs(read: NetfilterProgram, world: ConcreteWorld, first: Packet): RejectSeen {
  // LOCAL as the interpreter has it: the node's addresses and loopback's, but lo's broadcast address
  const loopback = first.dst.includes(':') ? first.dst === '::1' : first.dst.startsWith('127.');
  const local = (loopback && first.dst !== '127.255.255.255') || world.local.includes(first.dst);
  const src = local ? first.dst : (world.local.find((ip) => ip !== first.src) ?? first.dst);
  const reply: Packet = {
    path: 'local',
    src: src as IPText,
    dst: first.src,
    protocol: 'icmp',
    sport: 0,
    dport: 0,
    inInterface: null,
    mark: 0,
    ct: { state: 'related', dnat: false },
    affinityAges: {},
  };
  const verdicts = new Set(interpretOutcomes(read, reply, world).map((w) => w.outcome.verdict));
  if (!verdicts.has('accept')) return 'drop';
  return verdicts.size === 1 ? 'reject' : 'either';
}

/**
 * What the kernel may show for one cell of an edited ruleset. Probes of a cell come from one source,
 * and so do other cells' probes: after the first one, the source may hold fresh affinity records —
 * of lists this probe writes, or other probes of the source (`others`) — and an edited ruleset need
 * not stick to one endpoint (an affinity check may now RETURN, or lead elsewhere). Every outcome of
 * every such state is allowed; none is required unless no record can matter.
 */
function editedExpectation(
  read: NetfilterProgram,
  world: ConcreteWorld,
  plan: TopologyPlan,
  probe: Probe,
  others: ReadonlySet<string>,
): Expectation {
  const first = packetOf(plan, probe);
  const { outcomes, states } = outcomesByState(read, world, first, others);
  const rejectSeen = [...outcomes.values()].some((o) => o.verdict === 'reject')
    ? rejectSeenAs(read, world, first)
    : 'reject';
  if (states === 1)
    return { ...expectationOf(interpretOutcomes(read, first, world), plan, probe, rejectSeen), sticky: false };
  // (the weights only label the report: every outcome is allowed, none required)
  const allowed = [...outcomes.values()].map((outcome) => ({ outcome, p: { num: 1n, den: 1n } }));
  return { ...expectationOf(allowed, plan, probe, rejectSeen), required: [], sticky: false };
}

/** The edited case of `seed` loaded into the kernel and probed, judged against the reading of it. */
export async function checkEditPackets(
  seed: number,
  artifact: ProbedArtifact,
  family: EditedFamily = 'first',
  edits = 1,
): Promise<EditPacketsResult> {
  const c = editedCase(seed, artifact, { family, hooks: true, edits });
  const none = { problems: [], probes: 0, report: '' };
  if (c === null) return { what: null, outcome: 'skipped', ...none };
  const { ir } = c;
  const { what } = c;
  const text = c.edited[artifact];
  const { program } = readArtifact(artifact, text, ir.family);
  if (program === null) return { what, outcome: 'unreadable', ...none };
  // A rule in a builtin chain that is not one of kube-proxy's jumps (a hook made RETURN) is listed
  // and assumed not to change the packet (assumption kube-chains-only): outside what is judged.
  if (program.ignored.some((i) => i.kind === 'rule')) return { what, outcome: 'foreign', ...none };
  const backend = artifact === 'iptables' ? iptablesBackend(ir, text) : nftablesBackend(ir, text);
  let probed: ProbedReading;
  try {
    probed = await probeReading(ir, program, backend, 'ed');
  } catch (e) {
    // a probe the model leaves open (the verifier refuses such a ruleset), or one the plain
    // interpreter cannot answer (an edit's --rdest check reads the destination's record, which no
    // probe sets up): not judged
    if (e instanceof UnmodelledPacket || e instanceof UnansweredPacket) return { what, outcome: 'unmodelled', ...none };
    // the kernel's tool refused the text (what the reader accepted): the edit-dumps campaign's concern
    const message = (e as Error).message;
    if (/restore|nft .*-f/.test(message)) return { what, outcome: 'refused', ...none, problems: [`load: ${message}`] };
    throw e;
  }
  return { what, outcome: 'probed', ...probed };
}

export interface ProbedReading {
  problems: string[];
  probes: number;
  /** the cells and what the kernel saw, when there are problems */
  report: string;
}

/**
 * A ruleset loaded (by `backend`) into the packet-test topology of `ir` and every frontend probed
 * from every source: what the kernel does must be what the plain interpreter makes of `read`, the
 * verifier's reading of that ruleset. Throws UnmodelledPacket when a probe meets a question the
 * model leaves open, and the loader's error when the kernel's tool refuses the ruleset.
 */
export async function probeReading(
  ir: IRProgram,
  read: NetfilterProgram,
  backend: Backend,
  tag: string,
): Promise<ProbedReading> {
  // LOCAL as the namespace has it (the node's addresses and the topology's links)
  const worldOf = (plan: TopologyPlan): ConcreteWorld => ({
    local: [...new Set([...ir.nodeIPs, ...plan.nodeLocal])].filter((ip) => ipOf(ip).family === ir.family),
    markMask: ir.masqueradeMark,
    canonicalList: (n) => n,
  });
  // first the affinity lists each source's probes can write, over every cell (a record one cell's
  // probe writes is there for the next cell's probe from the same source); again with what the
  // others write, until nothing new (a record may lead to another list)
  const bySource = new Map<string, Set<string>>();
  const plan = planTopology(ir);
  const probes = probesOf(ir, plan);
  for (let grew = true, round = 0; grew && round < 4; round++) {
    grew = false;
    for (const { probe } of probes) {
      const set = bySource.get(probe.src) ?? new Set<string>();
      const { writes } = outcomesByState(read, worldOf(plan), packetOf(plan, probe), set);
      for (const w of writes) {
        if (set.has(w)) continue;
        set.add(w);
        grew = true;
      }
      bySource.set(probe.src, set);
    }
  }
  const report: DifferentialReport = await runDifferential(ir, [backend], {
    tag,
    expect: (plan, probe) => editedExpectation(read, worldOf(plan), plan, probe, bySource.get(probe.src) ?? new Set()),
  });
  return {
    problems: report.irMismatches,
    probes: report.probes,
    report: report.irMismatches.length > 0 ? formatReport(report, [backend]) : '',
  };
}
