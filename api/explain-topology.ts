// `ksvc explain` with a model: why topology-aware routing does or does not narrow the endpoints of
// the service port the packet is addressed to, on the node explained. The outcomes come from the
// rules as always; this is the reason behind them, which the rules cannot show (the hints are
// resolved at compile time: a node's rules simply hold fewer endpoints). The service ports are the
// ones the reference evaluator dispatches the packet to (the IR's frontend and NodePort tables);
// their endpoints and hints are read from the model with the lowering's own functions
// (compiler/lower/endpoints.ts), so the note says what was compiled.
import { answersNodePorts } from '../compiler/ir/evaluate.ts';
import { concreteView, type Packet } from '../compiler/ir/packet.ts';
import { tablesOf } from '../compiler/ir/tables.ts';
import type { IRProgram, IRServicePort } from '../compiler/ir/types.ts';
import {
  type Candidates,
  candidateEndpoints,
  categorizeEndpoints,
  type NodeTopology,
  topologyFacts,
  topologyMode,
} from '../compiler/lower/endpoints.ts';
import type { ClusterModel } from '../compiler/model.ts';

/** Notes for the service ports the packet is dispatched to on the IR's node (none without hints). */
export function topologyNotes(model: ClusterModel, ir: IRProgram, packet: Packet): string[] {
  const node = model.nodes.find((n) => n.name === ir.node);
  if (node === undefined) return [];
  const at: NodeTopology = { node: node.name, zone: node.zone ?? '' };
  const view = concreteView(packet);
  const tables = tablesOf(ir);
  const reached: { sp: IRServicePort; external: boolean }[] = (view.lookup(tables.frontends) ?? []).map((e) => ({
    sp: e.sp,
    external: e.kind !== 'cluster',
  }));
  // a NodePort answers on the addresses --nodeport-addresses leaves (the evaluator's rule)
  if (answersNodePorts(ir, packet.dst)) {
    for (const sp of view.lookup(tables.nodePorts) ?? []) reached.push({ sp, external: true });
  }
  const notes: string[] = [];
  for (const { sp, external } of reached) {
    const svc = model.services.find((s) => s.namespace === sp.namespace && s.name === sp.name);
    const port = svc?.ports.find((p) => p.name === sp.portName && p.protocol === sp.protocol);
    if (!svc || !port) continue;
    const note = topologyNote(sp.servicePortName, candidateEndpoints(svc, port, ir.family, node.name), at);
    if (note === null) continue;
    // eTP=Local sends external traffic to the node's own endpoints, which hints never filter
    const local = external && sp.externalTrafficPolicy === 'Local';
    notes.push(local ? `${note}; traffic to this external frontend follows externalTrafficPolicy Local instead` : note);
  }
  return notes;
}

function topologyNote(name: string, c: Candidates, at: NodeTopology): string | null {
  const ready = c.models.filter((m) => m.conditions.ready);
  const hinted = (m: (typeof ready)[number]) => (m.zoneHints?.length ?? 0) + (m.nodeHints?.length ?? 0) > 0;
  if (!ready.some(hinted)) return null;
  const facts = topologyFacts(c, at);
  const mode = topologyMode(facts);
  const where = `node ${at.node}${at.zone === '' ? '' : ` (zone ${at.zone})`}`;
  if (mode !== 'all') {
    const kept = categorizeEndpoints(c, true, false, at).cluster ?? [];
    const list = kept.map((e) => e.hostPort).join(', ');
    return `topology: on ${where}, ${name} sends cluster traffic to the ${kept.length} of its ${ready.length} ready endpoints hinted for this ${mode} (${list})`;
  }
  const why = !facts.allZoneHints
    ? 'not every ready endpoint has zone hints'
    : at.zone === ''
      ? 'the node has no zone'
      : `no ready endpoint is hinted for zone ${at.zone}`;
  return `topology: on ${where}, the hints of ${name} are not used (${why}): every ready endpoint serves it`;
}
