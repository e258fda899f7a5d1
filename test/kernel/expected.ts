// What the IR says should happen to one probe: the probe becomes a Packet, the reference evaluator
// (compiler/ir/evaluate.ts) gives its exact outcome distribution, and that distribution is put in
// the prober's vocabulary (probe.ts observationKey) so kernel observations compare directly.
import type { IPText } from '../../common/ip.ts';
import { evaluate } from '../../compiler/ir/evaluate.ts';
import { type Distribution, type Outcome, outcomeKey } from '../../compiler/ir/outcome.ts';
import { concreteView, type Packet } from '../../compiler/ir/packet.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import type { Probe } from './probe.ts';
import { isLoopbackIP, type TopologyPlan } from './topology.ts';

export interface Expectation {
  /** Every outcome key the IR allows for this probe. */
  allowed: string[];
  /**
   * Groups of keys of which, over enough probes, at least one each must be seen: one group per
   * outcome of the distribution (a group has two keys when masquerade is unobservable). Empty
   * with ClientIP affinity (one source sticks to the endpoint it got first).
   */
  required: string[][];
  /** ClientIP affinity: all probes from one source stick to one endpoint (one target seen). */
  sticky: boolean;
  /** The distribution, for reports: "1/2 accept dnat 10.64.1.7:53 masquerade-fully-random mark 0x0; …". */
  why: string;
}

/** The probe as the node's netfilter meets it: the first packet of a new connection, mark 0, no affinity records. */
export function packetOf(plan: TopologyPlan, probe: Probe): Packet {
  return {
    path: probe.from === 'node' ? 'local' : 'arriving',
    src: probe.src as IPText,
    dst: probe.dst as IPText,
    protocol: probe.proto,
    sport: probe.sport,
    dport: probe.dport,
    inInterface: probe.from === 'client' ? plan.nodeExtIface : probe.from === 'pods' ? plan.nodePodIface : null,
    mark: 0,
    ct: { state: 'new', dnat: false },
    affinityAges: {},
  };
}

const deployedCache = new WeakMap<IRProgram, WeakMap<TopologyPlan, IRProgram>>();

/**
 * The program with LOCAL as the test node really has it: the topology's link addresses are local
 * to the node too (IR LOCAL = nodeIPs + loopback, docs/ir.md §1), and the kernel's addrtype / fib
 * tests see them.
 */
export function deployedProgram(ir: IRProgram, plan: TopologyPlan): IRProgram {
  let byPlan = deployedCache.get(ir);
  if (!byPlan) deployedCache.set(ir, (byPlan = new WeakMap()));
  let p = byPlan.get(plan);
  if (!p) {
    const extra = plan.nodeLocal.filter((ip) => !ir.nodeIPs.includes(ip as never));
    byPlan.set(plan, (p = { ...ir, nodeIPs: [...ir.nodeIPs, ...(extra as typeof ir.nodeIPs)] }));
  }
  return p;
}

/** The observation keys one outcome may show up as. */
function keysOf(o: Outcome, plan: TopologyPlan, probe: Probe, rejectSeenAs: RejectSeen): string[] {
  const local = (ip: string) => plan.nodeLocal.includes(ip) || isLoopbackIP(ip);
  // An arriving packet from the node's own address (IPv6, topology.ts): a REJECT's ICMP error and a
  // local listener's answer go to the node itself, so the sender sees a timeout, as for a drop.
  const answersToNode = probe.from === 'client' && local(probe.src);
  if (o.verdict === 'drop') return ['drop'];
  if (o.verdict !== 'accept') return answersToNode ? ['drop'] : REJECT_KEYS[rejectSeenAs];
  const masq = o.masquerade !== 'none';
  if (o.dnat) {
    const target = `dnat ${o.dnat.ip}:${o.dnat.port}`;
    // A node-originated connection DNATed to the node itself leaves through lo, where MASQUERADE may
    // keep the very same source: whether it was masqueraded is not observable.
    if (local(o.dnat.ip) && probe.from === 'node') return [target, `${target} masq`];
    return [masq ? `${target} masq` : target];
  }
  if (local(probe.dst)) return [answersToNode ? 'drop' : 'local'];
  return [masq ? 'forward masq' : 'forward'];
}

const ratio = (w: Distribution[number]) => (w.p.den === 1n ? `${w.p.num}` : `${w.p.num}/${w.p.den}`);

/** The IR's outcome for one probe sent into the topology. */
export function expectedFor(ir: IRProgram, plan: TopologyPlan, probe: Probe): Expectation {
  return expectationOf(evaluate(deployedProgram(ir, plan), concreteView(packetOf(plan, probe))), plan, probe);
}

/**
 * How the sender sees a REJECT: its error is a packet of its own (ct state related) that leaves
 * through the node's hooks, and a ruleset that stops it makes the reject look like a drop ('either':
 * some ways through the ruleset stop it). kube-proxy's rules never stop it; an edited ruleset may
 * (edit-packets.ts).
 */
export type RejectSeen = 'reject' | 'drop' | 'either';
const REJECT_KEYS: Record<RejectSeen, string[]> = { reject: ['reject'], drop: ['drop'], either: ['reject', 'drop'] };

/** A distribution's outcomes for one probe, in the prober's vocabulary (whoever computed it). */
export function expectationOf(
  dist: Distribution,
  plan: TopologyPlan,
  probe: Probe,
  rejectSeenAs: RejectSeen = 'reject',
): Expectation {
  const groups = dist.map((w) => keysOf(w.outcome, plan, probe, rejectSeenAs));
  const sticky = dist.some((w) => w.outcome.affinityWrites.length > 0);
  return {
    allowed: [...new Set(groups.flat())],
    required: sticky ? [] : groups,
    sticky,
    why: dist.map((w) => `${ratio(w)} ${outcomeKey(w.outcome)}`).join('; '),
  };
}
