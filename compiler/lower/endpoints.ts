// Endpoint selection for one service port in one family: kube-proxy's EndpointSliceCache merge
// (dedup by ip:port, sorted by that string) and CategorizeEndpoints (ready, else serving+terminating;
// cluster vs local lists). Topology hints are out of scope (docs/ir.md).
import { type Family, joinHostPort } from '../../common/ip.ts';
import type { IREndpoint } from '../ir/types.ts';
import type { EndpointConditions, ServiceModel, ServicePortModel } from '../model.ts';

export interface CandidateEndpoint extends IREndpoint {
  conditions: EndpointConditions;
}

/**
 * Every endpoint of this family that has a port for `port` (any conditions), deduplicated by
 * hostPort (a local duplicate wins, as in kube-proxy; otherwise the first), sorted byte-wise by hostPort.
 */
export function candidateEndpoints(
  svc: ServiceModel,
  port: ServicePortModel,
  family: Family,
  node: string | null,
): CandidateEndpoint[] {
  const byHostPort = new Map<string, CandidateEndpoint>();
  for (const ep of svc.endpoints) {
    if (ep.family !== family) continue;
    const target = ep.ports[port.name];
    if (target === undefined || target === 0) continue;
    const hostPort = joinHostPort(ep.address, target);
    const isLocal = node !== null && ep.nodeName === node;
    const existing = byHostPort.get(hostPort);
    if (existing && !isLocal) continue;
    byHostPort.set(hostPort, { ip: ep.address, port: target, hostPort, isLocal, conditions: ep.conditions });
  }
  return [...byHostPort.values()].sort((a, b) => (a.hostPort < b.hostPort ? -1 : a.hostPort > b.hostPort ? 1 : 0));
}

export interface CategorizedEndpoints {
  /** null when the service port never uses Cluster policy. */
  cluster: IREndpoint[] | null;
  /** null when the service port never uses Local policy. */
  local: IREndpoint[] | null;
  /** Endpoints that get a KUBE-SEP chain, sorted by hostPort. */
  reachable: IREndpoint[];
  hasEndpoints: boolean;
}

const strip = (e: CandidateEndpoint): IREndpoint => ({
  ip: e.ip,
  port: e.port,
  hostPort: e.hostPort,
  isLocal: e.isLocal,
});
const servingTerminating = (c: EndpointConditions) => c.serving && c.terminating;

/** kube-proxy's CategorizeEndpoints without topology hints. */
export function categorizeEndpoints(
  candidates: CandidateEndpoint[],
  usesCluster: boolean,
  usesLocal: boolean,
): CategorizedEndpoints {
  if (candidates.length === 0)
    return { cluster: usesCluster ? [] : null, local: usesLocal ? [] : null, reachable: [], hasEndpoints: false };
  let hasEndpoints = false;
  let cluster: CandidateEndpoint[] | null = null;
  if (usesCluster) {
    cluster = candidates.filter((e) => e.conditions.ready);
    if (cluster.length === 0) cluster = candidates.filter((e) => servingTerminating(e.conditions));
    if (cluster.length > 0) hasEndpoints = true;
  }
  if (!usesLocal) {
    const c = cluster!.map(strip);
    return { cluster: c, local: null, reachable: c, hasEndpoints };
  }
  let localReady = false;
  let localServingTerminating = false;
  for (const e of candidates) {
    if (e.conditions.ready) {
      hasEndpoints = true;
      if (e.isLocal) localReady = true;
    } else if (servingTerminating(e.conditions)) {
      hasEndpoints = true;
      if (e.isLocal) localServingTerminating = true;
    }
  }
  let local: CandidateEndpoint[] = [];
  let fallback = false;
  if (localReady) local = candidates.filter((e) => e.isLocal && e.conditions.ready);
  else if (localServingTerminating) {
    fallback = true;
    local = candidates.filter((e) => e.isLocal && servingTerminating(e.conditions));
  }
  const l = local.map(strip);
  if (cluster === null) return { cluster: null, local: l, reachable: l, hasEndpoints };
  const c = cluster.map(strip);
  if (!fallback) return { cluster: c, local: l, reachable: c, hasEndpoints };
  // Union (kube-proxy builds it through a Go map, i.e. in random order; we sort by hostPort).
  const union = new Map<string, IREndpoint>();
  for (const e of [...c, ...l]) union.set(e.hostPort, e);
  const reachable = [...union.values()].sort((a, b) =>
    a.hostPort < b.hostPort ? -1 : a.hostPort > b.hostPort ? 1 : 0,
  );
  return { cluster: c, local: l, reachable, hasEndpoints };
}
