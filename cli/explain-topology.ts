// `ksvc explain` with a model: why topology-aware routing does or does not narrow the endpoints of
// the service port the packet is addressed to, on the node explained. The outcomes come from the
// rules as always; this is the reason behind them, which the rules cannot show (the hints are
// resolved at compile time: a node's rules simply hold fewer endpoints). Read from the model with
// the lowering's own functions (compiler/lower/endpoints.ts), so it says what was compiled.
import { type Family, familyOf } from '../common/ip.ts';
import type { Packet } from '../compiler/ir/packet.ts';
import {
  type Candidates,
  candidateEndpoints,
  categorizeEndpoints,
  type NodeTopology,
  topologyMode,
} from '../compiler/lower/endpoints.ts';
import { servicePortNameOf } from '../compiler/lower/service-port.ts';
import type { ClusterModel, NodeModel, ServiceModel, ServicePortModel } from '../compiler/model.ts';

/** Notes for the service ports whose frontends the packet's destination is (none without hints). */
export function topologyNotes(model: ClusterModel, nodeName: string | null, family: Family, packet: Packet): string[] {
  const node = nodeName === null ? undefined : model.nodes.find((n) => n.name === nodeName);
  if (node === undefined) return [];
  const at: NodeTopology = { node: node.name, zone: node.zone ?? '' };
  const notes: string[] = [];
  for (const svc of model.services) {
    for (const { port, external } of addressedPorts(svc, node, family, packet)) {
      const note = topologyNote(
        servicePortNameOf(svc, port.name),
        candidateEndpoints(svc, port, family, node.name),
        at,
      );
      if (note === null) continue;
      // eTP=Local sends external traffic to the node's own endpoints, which hints never filter
      const local = external && svc.externalTrafficPolicy === 'Local';
      notes.push(
        local ? `${note}; traffic to this external frontend follows externalTrafficPolicy Local instead` : note,
      );
    }
  }
  return notes;
}

/**
 * The ports of a service whose cluster IP, external IP, LB IP or NodePort the packet is sent to,
 * and whether that frontend is an external one.
 */
function addressedPorts(
  svc: ServiceModel,
  node: NodeModel,
  family: Family,
  packet: Packet,
): { port: ServicePortModel; external: boolean }[] {
  const ofFamily = (ips: readonly string[]) => ips.filter((ip) => familyOf(ip) === family);
  const clusterIP = ofFamily(svc.clusterIPs).includes(packet.dst);
  const externalIP = ofFamily([...svc.externalIPs, ...svc.loadBalancerIngress]).includes(packet.dst);
  // a NodePort answers on the node's own addresses (or loopback): close enough to name the port
  const local = node.addresses.includes(packet.dst) || packet.dst.startsWith('127.') || packet.dst === '::1';
  const out: { port: ServicePortModel; external: boolean }[] = [];
  for (const p of svc.ports) {
    if (p.protocol !== packet.protocol || out.some((o) => o.port.name === p.name)) continue;
    if (clusterIP && p.port === packet.dport) out.push({ port: p, external: false });
    else if ((externalIP && p.port === packet.dport) || (local && p.nodePort === packet.dport))
      out.push({ port: p, external: true });
  }
  return out;
}

function topologyNote(name: string, c: Candidates, at: NodeTopology): string | null {
  const ready = c.models.filter((m) => m.conditions.ready);
  const hinted = (m: (typeof ready)[number]) => (m.zoneHints?.length ?? 0) + (m.nodeHints?.length ?? 0) > 0;
  if (!ready.some(hinted)) return null;
  const mode = topologyMode(c, at);
  const where = `node ${at.node}${at.zone === '' ? '' : ` (zone ${at.zone})`}`;
  if (mode !== 'all') {
    const kept = categorizeEndpoints(c, true, false, at).cluster ?? [];
    const list = kept.map((e) => e.hostPort).join(', ');
    return `topology: on ${where}, ${name} sends cluster traffic to the ${kept.length} of its ${ready.length} ready endpoints hinted for this ${mode} (${list})`;
  }
  const zoneHints = ready.every((m) => (m.zoneHints?.length ?? 0) > 0);
  const why = !zoneHints
    ? 'not every ready endpoint has zone hints'
    : at.zone === ''
      ? 'the node has no zone'
      : `no ready endpoint is hinted for zone ${at.zone}`;
  return `topology: on ${where}, the hints of ${name} are not used (${why}): every ready endpoint serves it`;
}
