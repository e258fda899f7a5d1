// Endpoint selection for one service port in one family: kube-proxy's EndpointSliceCache merge
// (dedup by ip:port, sorted by that string) and CategorizeEndpoints (ready, else serving+terminating;
// cluster vs local lists; topology-aware routing by the endpoints' node and zone hints,
// pkg/proxy/topology.go; docs/ir.md §2).
import { type Family, joinHostPort } from '../../common/ip.ts';
import type { IREndpoint } from '../ir/types.ts';
import type { EndpointConditions, EndpointModel, ServiceModel, ServicePortModel } from '../model.ts';

/** What categorizing reads of an endpoint's model: its conditions and topology hints. */
export type EndpointFacts = Pick<EndpointModel, 'conditions' | 'zoneHints' | 'nodeHints'>;

/**
 * The endpoints a service port may use, with their models alongside (models[i] belongs to
 * endpoints[i]: its conditions and hints are read): the IR's endpoint objects are made once here and
 * shared by the cluster, local and reachable lists (at 100,000 endpoints, a candidate object plus a
 * stripped copy per list was the bulk of lowering's allocations).
 */
export interface Candidates {
  /** Sorted byte-wise by hostPort, each hostPort once. */
  endpoints: IREndpoint[];
  models: EndpointFacts[];
}

const byHostPortOrder = (a: IREndpoint, b: IREndpoint): number =>
  a.hostPort < b.hostPort ? -1 : a.hostPort > b.hostPort ? 1 : 0;

/**
 * Every endpoint of this family that has a port for `port` (any conditions), deduplicated by
 * hostPort (a local duplicate wins, otherwise the first), sorted byte-wise by hostPort. Only a
 * model built by hand has duplicates: the checker refuses them, and the Kubernetes import merges
 * them as kube-proxy's EndpointSliceCache does (compiler/kube/endpoints.ts).
 */
export function candidateEndpoints(
  svc: ServiceModel,
  port: ServicePortModel,
  family: Family,
  node: string | null,
): Candidates {
  const endpoints: IREndpoint[] = [];
  const models: EndpointFacts[] = [];
  // Strictly increasing so far: sorted, and no hostPort twice (most lists; no map or sort needed).
  let increasing = true;
  for (const ep of svc.endpoints) {
    if (ep.family !== family) continue;
    const target = ep.ports[port.name];
    if (target === undefined || target === 0) continue;
    const hostPort = joinHostPort(ep.address, target);
    const last = endpoints.at(-1);
    if (last !== undefined && !(last.hostPort < hostPort)) increasing = false;
    endpoints.push({ ip: ep.address, port: target, hostPort, isLocal: node !== null && ep.nodeName === node });
    models.push(ep);
  }
  return increasing ? { endpoints, models } : sortedUnique({ endpoints, models });
}

/**
 * Sorted by hostPort, each hostPort once: of the endpoints with one hostPort (in input order), the
 * last local one after the first, else the first.
 */
function sortedUnique(c: Candidates): Candidates {
  const { endpoints, models } = c;
  // A stable order: equal hostPorts stay in input order.
  const order = stableOrder(endpoints);
  const out: Candidates = { endpoints: [], models: [] };
  for (let k = 0; k < order.length; ) {
    const hostPort = endpoints[order[k]!]!.hostPort;
    let chosen = order[k]!;
    let j = k + 1;
    for (; j < order.length && endpoints[order[j]!]!.hostPort === hostPort; j++) {
      if (endpoints[order[j]!]!.isLocal) chosen = order[j]!;
    }
    out.endpoints.push(endpoints[chosen]!);
    out.models.push(models[chosen]!);
    k = j;
  }
  return out;
}

/** Below this many endpoints an insertion sort orders them (most lists: ten endpoints, out of order). */
const INSERTION_SORT_MAX = 32;

/**
 * The indices of `endpoints` in hostPort order, equal hostPorts in input order. A short list is
 * sorted by insertion, in place: Array.prototype.sort with a comparator copied each list into work
 * arrays (10,000 services of ten endpoints: ~15 MB); the order is the same, being total.
 */
function stableOrder(endpoints: readonly IREndpoint[]): number[] {
  const n = endpoints.length;
  const order: number[] = new Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n > INSERTION_SORT_MAX) return order.sort((a, b) => byHostPortOrder(endpoints[a]!, endpoints[b]!) || a - b);
  for (let i = 1; i < n; i++) {
    const x = order[i]!;
    let j = i - 1;
    // strictly greater moves right: an equal hostPort stays before (it came earlier in the input)
    while (j >= 0 && byHostPortOrder(endpoints[order[j]!]!, endpoints[x]!) > 0) {
      order[j + 1] = order[j]!;
      j--;
    }
    order[j + 1] = x;
  }
  return order;
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

const servingTerminating = (c: EndpointConditions) => c.serving && c.terminating;

/** The candidates whose conditions pass `keep` (the same array when all of them do). */
function pick(
  c: Candidates,
  keep: (conditions: EndpointConditions, e: IREndpoint, hints: EndpointFacts) => boolean,
): IREndpoint[] {
  const { endpoints, models } = c;
  let out: IREndpoint[] | null = null;
  for (let i = 0; i < endpoints.length; i++) {
    const e = endpoints[i]!;
    const m = models[i]!;
    if (keep(m.conditions, e, m)) out?.push(e);
    else out ??= endpoints.slice(0, i);
  }
  return out ?? endpoints;
}

/**
 * Where the compiled node is, for topology-aware routing: its name and its
 * topology.kubernetes.io/zone label ('' when it has none, as kube-proxy reads a missing label).
 */
export interface NodeTopology {
  node: string;
  zone: string;
}

/**
 * What the ready candidates' hints say for this node: whether every ready endpoint has node
 * (zone) hints, and whether one is for this node (its zone). The scan stops at a ready endpoint
 * with neither kind (then neither can apply, whatever follows — the usual case, no hints at all);
 * a fact that can no longer matter may then be left false.
 */
export interface TopologyFacts {
  hasReady: boolean;
  allNodeHints: boolean;
  forNode: boolean;
  allZoneHints: boolean;
  forZone: boolean;
}

export function topologyFacts(candidates: Candidates, at: NodeTopology): TopologyFacts {
  const f: TopologyFacts = { hasReady: false, allNodeHints: true, forNode: false, allZoneHints: true, forZone: false };
  for (let i = 0; i < candidates.endpoints.length; i++) {
    const { conditions, nodeHints, zoneHints } = candidates.models[i]!;
    if (!conditions.ready) continue;
    f.hasReady = true;
    if (nodeHints === undefined || nodeHints.length === 0) f.allNodeHints = false;
    else if (nodeHints.includes(at.node)) f.forNode = true;
    if (zoneHints === undefined || zoneHints.length === 0) f.allZoneHints = false;
    else if (zoneHints.includes(at.zone)) f.forZone = true;
    if (!f.allNodeHints && !f.allZoneHints) break;
  }
  return f;
}

/**
 * Which endpoints Cluster policy may use on this node (kube-proxy's topologyModeFromHints, with
 * PreferSameTrafficDistribution on — its default from Kubernetes 1.34): 'node' when every ready
 * endpoint has node hints and one is for this node; else 'zone' when every ready endpoint has
 * zone hints and one is for this node's zone; else 'all'.
 */
export function topologyMode(f: TopologyFacts): 'all' | 'node' | 'zone' {
  if (!f.hasReady) return 'all';
  if (f.allNodeHints && f.forNode) return 'node';
  if (f.allZoneHints && f.forZone) return 'zone';
  return 'all';
}

/** Whether an endpoint may serve this node under the mode (no fallback here: the mode has one). */
function availableForTopology(mode: 'all' | 'node' | 'zone', hints: EndpointFacts, at: NodeTopology): boolean {
  if (mode === 'all') return true;
  return mode === 'node'
    ? (hints.nodeHints?.includes(at.node) ?? false)
    : (hints.zoneHints?.includes(at.zone) ?? false);
}

/**
 * kube-proxy's CategorizeEndpoints. `at`: the compiled node (null: no node, so no hint can match
 * and topology never filters).
 */
export function categorizeEndpoints(
  candidates: Candidates,
  usesCluster: boolean,
  usesLocal: boolean,
  at: NodeTopology | null = null,
): CategorizedEndpoints {
  if (candidates.endpoints.length === 0)
    return { cluster: usesCluster ? [] : null, local: usesLocal ? [] : null, reachable: [], hasEndpoints: false };
  let hasEndpoints = false;
  let cluster: IREndpoint[] | null = null;
  let mode: 'all' | 'node' | 'zone' = 'all';
  if (usesCluster) {
    if (at !== null) mode = topologyMode(topologyFacts(candidates, at));
    cluster =
      mode === 'all'
        ? pick(candidates, (c) => c.ready)
        : pick(candidates, (c, _e, h) => c.ready && availableForTopology(mode, h, at!));
    // no ready endpoint for this topology means no ready endpoint at all (the mode would be 'all')
    if (cluster.length === 0) cluster = pick(candidates, servingTerminating);
    if (cluster.length > 0) hasEndpoints = true;
  }
  if (!usesLocal) return { cluster, local: null, reachable: cluster!, hasEndpoints };
  let localReady = false;
  let localServingTerminating = false;
  for (let i = 0; i < candidates.endpoints.length; i++) {
    const c = candidates.models[i]!.conditions;
    const isLocal = candidates.endpoints[i]!.isLocal;
    if (c.ready) {
      hasEndpoints = true;
      if (isLocal) localReady = true;
    } else if (servingTerminating(c)) {
      hasEndpoints = true;
      if (isLocal) localServingTerminating = true;
    }
  }
  let local: IREndpoint[] = [];
  let fallback = false;
  if (localReady) local = pick(candidates, (c, e) => e.isLocal && c.ready);
  else if (localServingTerminating) {
    fallback = true;
    local = pick(candidates, (c, e) => e.isLocal && servingTerminating(c));
  }
  if (cluster === null) return { cluster: null, local, reachable: local, hasEndpoints };
  // Cluster holds every ready endpoint and local only ready ones: cluster covers local
  if (mode === 'all' && !fallback) return { cluster, local, reachable: cluster, hasEndpoints };
  // Union: topology may have left local endpoints out of cluster (kube-proxy builds it through a Go
  // map, i.e. in random order; we sort by hostPort).
  const union = new Map<string, IREndpoint>();
  for (const e of [...cluster, ...local]) union.set(e.hostPort, e);
  const reachable = [...union.values()].sort(byHostPortOrder);
  return { cluster, local, reachable, hasEndpoints };
}
