// Lowering: checked model -> one IRProgram per IP family, for one node. All of kube-proxy's policy
// logic lives here (and in the files next to it), so every backend renders the same decisions.
import { appendAll } from '../../common/append.ts';
import type { Diagnostic } from '../../common/diagnostics.ts';
import { type Family, familyName, familyOf, type IPText } from '../../common/ip.ts';
import { IR_VERSION, type IRLocalDetector, type IRProgram, type IRServicePort } from '../ir/types.ts';
import type { ClusterModel, ClusterSettings, LocalDetectorSpec, NodeModel, ServiceModel } from '../model.ts';
import { lowerCodes } from './codes.ts';
import { candidateEndpoints } from './endpoints.ts';
import { loopbackIP, resolveDetector, resolveNodePorts } from './node.ts';
import { lowerServicePort, servicePortNameOf } from './service-port.ts';

/** kube-proxy's largeClusterEndpointsThreshold. */
export const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

export interface LowerOptions {
  /** Only this family; default every family the model's services use (ipv4 first; ipv4 when none). */
  family?: Family | undefined;
  /** The node to compile for; default the only node in the model (none when the model has none). */
  node?: string | undefined;
  /** Facts about the target node's netfilter (defaults: nfacct true, randomFully true, conntrackLiberal false). */
  environment?: Partial<IRProgram['environment']>;
  /** Command-line overrides of the model's cluster settings. */
  overrides?: {
    masqueradeAll?: boolean;
    localhostNodePorts?: boolean;
    localDetector?: LocalDetectorSpec;
  };
  /** File name for diagnostics. */
  file?: string | undefined;
}

export interface LowerResult {
  /** Empty when there are errors. */
  programs: IRProgram[];
  diagnostics: Diagnostic[];
}

/** The families the model's services have cluster IPs in, ipv4 first. */
export function modelFamilies(model: ClusterModel): Family[] {
  const used = new Set<Family>();
  noteFamilies(model.services, used);
  return familiesInOrder(used);
}

/** Add the families `services` have cluster IPs in to `used`. */
export function noteFamilies(services: readonly ServiceModel[], used: Set<Family>): void {
  for (const svc of services) for (const ip of svc.clusterIPs) used.add(familyOf(ip));
}

/** The families lowered when none is asked for: the used ones, ipv4 first; ipv4 when none is used. */
export function familiesInOrder(used: ReadonlySet<Family>): Family[] {
  const out = (['ipv4', 'ipv6'] as const).filter((f) => used.has(f));
  return out.length > 0 ? [...out] : ['ipv4'];
}

export function lowerModel(model: ClusterModel, options: LowerOptions = {}): LowerResult {
  const diagnostics: Diagnostic[] = [];
  const target = targetNode(model.nodes, options, diagnostics);
  if (target === null) return { programs: [], diagnostics };
  const families = options.family ? [options.family] : modelFamilies(model);
  if (options.family && !model.services.some((s) => s.clusterIPs.some((ip) => familyOf(ip) === options.family))) {
    diagnostics.push(lowerCodes['family-unused']({ file: options.file ?? '', span: null }, options.family));
  }
  appendAll(diagnostics, flagDetectorWarnings(target.node, families, options));
  const programs = families.map((family) => {
    const lowering = familyLowering(model.settings, target.node, family, options);
    const servicePorts: IRServicePort[] = [];
    const totalEndpoints = lowerServices(model.services, lowering, servicePorts);
    return familyProgram(lowering, servicePorts, totalEndpoints);
  });
  return { programs, diagnostics };
}

/**
 * A NodeCIDR detector given on the command line for a node without a podCIDR of a family: said, as
 * the checker says it of a cluster block's (only lowering knows the node then).
 */
export function flagDetectorWarnings(
  node: NodeModel | null,
  families: readonly Family[],
  options: LowerOptions,
): Diagnostic[] {
  if (options.overrides?.localDetector?.mode !== 'NodeCIDR' || node === null) return [];
  const where = { file: options.file ?? '', span: null };
  return families
    .filter((f) => !node.podCIDRs.some((c) => familyOf(c) === f))
    .map((f) => lowerCodes['flag-node-cidr-without-pod-cidr'](where, node.name, familyName(f)));
}

/**
 * The node to compile for: options.node, else the only node (none when the model has none). null,
 * with a diagnostic, when options.node is not declared or the model has several nodes to choose from.
 */
export function targetNode(
  nodes: readonly NodeModel[],
  options: LowerOptions,
  diagnostics: Diagnostic[],
): { node: NodeModel | null } | null {
  const where = { file: options.file ?? '', span: null };
  const names = nodes.map((n) => n.name);
  if (options.node !== undefined) {
    const node = nodes.find((n) => n.name === options.node);
    if (node) return { node };
    const hint =
      names.length > 0 ? `use --node with one of: ${names.join(', ')}` : 'declare the node with a node block';
    diagnostics.push(lowerCodes['unknown-target-node']({ ...where, hint }, options.node, names));
    return null;
  }
  if (nodes.length <= 1) return { node: nodes[0] ?? null };
  diagnostics.push(
    lowerCodes['node-required']({ ...where, hint: `pass --node NAME (one of: ${names.join(', ')})` }, names),
  );
  return null;
}

/** What lowering one family for one node needs besides the services: the cluster- and node-level decisions. */
export interface FamilyLowering {
  family: Family;
  node: NodeModel | null;
  settings: ClusterSettings;
  options: LowerOptions;
  masqueradeAll: boolean;
  nodeIPs: IPText[];
  primaryNodeIP: IPText;
  clusterDetector: IRLocalDetector;
  nodePorts: ReturnType<typeof resolveNodePorts>;
}

export function familyLowering(
  settings: ClusterSettings,
  node: NodeModel | null,
  family: Family,
  options: LowerOptions,
): FamilyLowering {
  const localhostFlag = options.overrides?.localhostNodePorts ?? settings.localhostNodePorts;
  const detectorSpec = options.overrides?.localDetector ?? settings.localDetector;
  const nodeIPs = (node?.addresses ?? []).filter((ip) => familyOf(ip) === family);
  const primaryNodeIP = nodeIPs[0] ?? loopbackIP(family);
  return {
    family,
    node,
    settings,
    options,
    masqueradeAll: options.overrides?.masqueradeAll ?? settings.masqueradeAll,
    nodeIPs,
    primaryNodeIP,
    clusterDetector: resolveDetector(detectorSpec, family, node),
    nodePorts: resolveNodePorts(settings.nodePortAddresses, localhostFlag, family, nodeIPs, primaryNodeIP),
  };
}

/**
 * Lower every port of `services` that has a cluster IP of the family, appending to `out` in service
 * order (familyProgram sorts); returns how many endpoints they have.
 */
export function lowerServices(services: readonly ServiceModel[], l: FamilyLowering, out: IRServicePort[]): number {
  const { family, node, options, clusterDetector } = l;
  const nodeName = node?.name ?? null;
  const ctx = {
    family,
    masqueradeAll: l.masqueradeAll,
    primaryNodeIP: l.primaryNodeIP,
    topology: node ? { node: node.name, zone: node.zone ?? '' } : null,
  };
  let totalEndpoints = 0;
  for (const svc of services) {
    const clusterIP = svc.clusterIPs.find((ip) => familyOf(ip) === family);
    if (clusterIP === undefined) continue; // no cluster IP of this family: kube-proxy skips it
    // A service-level override replaces the cluster's detector (a command-line override wins over both).
    const detector =
      options.overrides?.localDetector === undefined && svc.localDetectorOverride
        ? resolveDetector(svc.localDetectorOverride, family, node)
        : clusterDetector;
    const seen = new Set<string>();
    for (const port of svc.ports) {
      const key = `${port.name}\u0000${port.protocol}`;
      if (seen.has(key)) continue; // a dual-stack service may repeat a port per family
      seen.add(key);
      const candidates = candidateEndpoints(svc, port, family, nodeName);
      totalEndpoints += candidates.endpoints.length;
      out.push(lowerServicePort(svc, port, clusterIP, detector, candidates, ctx));
    }
  }
  return totalEndpoints;
}

/** The program of one family from its lowered service ports (sorted here, in place). */
export function familyProgram(l: FamilyLowering, servicePorts: IRServicePort[], totalEndpoints: number): IRProgram {
  servicePorts.sort(compareServicePorts);
  const env = l.options.environment;
  return {
    version: IR_VERSION,
    family: l.family,
    node: l.node?.name ?? null,
    nodeIPs: l.nodeIPs,
    primaryNodeIP: l.primaryNodeIP,
    masqueradeMark: (1 << l.settings.masqueradeBit) >>> 0,
    masqueradeAll: l.masqueradeAll,
    localDetector: l.clusterDetector,
    nodePorts: l.nodePorts.scope,
    localhostNodePorts: l.nodePorts.localhostNodePorts,
    environment: {
      nfacct: env?.nfacct ?? true,
      randomFully: env?.randomFully ?? true,
      conntrackLiberal: env?.conntrackLiberal ?? false,
    },
    largeCluster: totalEndpoints > LARGE_CLUSTER_ENDPOINTS_THRESHOLD,
    totalEndpoints,
    servicePorts,
  };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The deterministic service-port order: servicePortName, then protocol (byte-wise). */
export function compareServicePorts(a: IRServicePort, b: IRServicePort): number {
  return cmp(a.servicePortName, b.servicePortName) || cmp(a.protocol, b.protocol);
}

export { servicePortNameOf };
