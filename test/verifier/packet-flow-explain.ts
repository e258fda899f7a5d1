// kube-proxy's packet-flow rows as `ksvc explain` questions, and explain's exact answers in the
// rows' vocabulary (test/verifier/packet-flow/README.md, "Rows through explain"). kube-proxy's
// tracer knows no connection state, marks or affinity: its packet is a new connection without a
// mark or affinity records, arriving from outside unless its source is a node address (then
// generated on the node). Its `output` is the set of DNAT targets, or a filter verdict; `masq`
// whether the packet was marked for masquerade.
import type { Family } from '../../common/ip.ts';
import type { L4Protocol, Packet } from '../../compiler/ir/packet.ts';
import type { Explanation } from '../../verifier/explain.ts';
import type { PacketFlowRow } from './packet-flow-rows.ts';

/** NewFakeProxier's testNodeIPs: the node IPs every runPacketFlowTests call treats as LOCAL. */
export const TEST_NODE_IPS = ['192.168.0.2', '192.168.1.2', '192.168.99.11', '2001:db8::1', '2001:db8:1::2'];
/** kube-proxy's tracer: the local addresses are the node IPs and the two loopback addresses. */
const TRACER_LOCAL = new Set([...TEST_NODE_IPS, '127.0.0.1', '::1']);

export const rowFamily = (r: PacketFlowRow): Family => (r.destIP.includes(':') ? 'ipv6' : 'ipv4');

/** The packet kube-proxy's tracer means by a row. */
export function rowPacket(r: PacketFlowRow): Packet {
  const local = TRACER_LOCAL.has(r.sourceIP);
  const protocol = (r.protocol === '' ? 'tcp' : r.protocol.toLowerCase()) as L4Protocol;
  return {
    path: local ? 'local' : 'arriving',
    src: r.sourceIP as Packet['src'],
    dst: r.destIP as Packet['dst'],
    protocol,
    sport: 40000,
    dport: r.destPort,
    inInterface: local ? null : 'eth0',
    mark: 0,
    ct: { state: 'new', dnat: false },
    affinityAges: {},
  };
}

export interface TracerView {
  /** kube-proxy's `output`, endpoints sorted (kube-proxy lists them in rule order) */
  output: string;
  masq: boolean;
}

/** The outcome key's parts (outcomeKey: verdict, `dnat IP:PORT`, masquerade, mark, affinity). */
const dnatOf = (outcome: string): string | null => /(?:^| )dnat (\S+)/.exec(outcome)?.[1] ?? null;

/**
 * One evaluator's result in the rows' vocabulary: the DNAT targets of the outcomes with non-zero
 * probability; with none, the verdict (DROP, REJECT), or for an accepted packet ACCEPT when a rule
 * accepted it explicitly (kube-proxy's health-check rule) and "" when it was just let through.
 */
export function tracerView(results: Explanation['results'][string]): TracerView {
  const live = results.filter((o) => o.p.num !== 0n);
  const masq = live.some((o) => / masquerade/.test(o.outcome));
  const targets = [...new Set(live.map((o) => dnatOf(o.outcome)).filter((t) => t !== null))].sort();
  if (targets.length > 0) return { output: targets.join(', '), masq };
  const verdicts = [...new Set(live.map((o) => o.outcome.split(' ')[0]!))];
  if (verdicts.length === 1 && verdicts[0] !== 'accept') return { output: verdicts[0]!.toUpperCase(), masq };
  if (verdicts.length > 1) return { output: `mixed: ${verdicts.join(', ')}`, masq };
  const explicit = live.some((o) => o.paths.some((path) => path.some((e) => e.note === 'accept')));
  return { output: explicit ? 'ACCEPT' : '', masq };
}

/** A row's expectation in the same form (endpoints sorted). */
export const rowView = (r: PacketFlowRow): TracerView => ({
  output: r.output.split(', ').sort().join(', '),
  masq: r.masq,
});
