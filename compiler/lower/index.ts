// Lowering: checked model -> one IRProgram per IP family, for one node. All of kube-proxy's policy
// logic lives here (and in the files next to it), so every backend renders the same decisions.
import type { Diagnostic } from '../../common/diagnostics.ts';
import { type Family, familyOf, type IPText } from '../../common/ip.ts';
import { IR_VERSION, type IRProgram, type IRServicePort } from '../ir/types.ts';
import type { ClusterModel, LocalDetectorSpec, NodeModel } from '../model.ts';
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
  for (const svc of model.services) for (const ip of svc.clusterIPs) used.add(familyOf(ip));
  const out = (['ipv4', 'ipv6'] as const).filter((f) => used.has(f));
  return out.length > 0 ? [...out] : ['ipv4'];
}

export function lowerModel(model: ClusterModel, options: LowerOptions = {}): LowerResult {
  const where = { file: options.file ?? '', span: null };
  const diagnostics: Diagnostic[] = [];
  const names = model.nodes.map((n) => n.name);
  let node: NodeModel | null = null;
  if (options.node !== undefined) {
    node = model.nodes.find((n) => n.name === options.node) ?? null;
    if (!node) {
      const hint =
        names.length > 0 ? `use --node with one of: ${names.join(', ')}` : 'declare the node with a node block';
      diagnostics.push(lowerCodes['unknown-target-node']({ ...where, hint }, options.node, names));
      return { programs: [], diagnostics };
    }
  } else if (model.nodes.length === 1) {
    node = model.nodes[0]!;
  } else if (model.nodes.length > 1) {
    diagnostics.push(
      lowerCodes['node-required']({ ...where, hint: `pass --node NAME (one of: ${names.join(', ')})` }, names),
    );
    return { programs: [], diagnostics };
  }

  const families = options.family ? [options.family] : modelFamilies(model);
  if (options.family && !model.services.some((s) => s.clusterIPs.some((ip) => familyOf(ip) === options.family))) {
    diagnostics.push(lowerCodes['family-unused'](where, options.family));
  }
  const programs = families.map((family) => lowerFamily(model, node, family, options));
  return { programs, diagnostics };
}

function lowerFamily(model: ClusterModel, node: NodeModel | null, family: Family, options: LowerOptions): IRProgram {
  const settings = model.settings;
  const masqueradeAll = options.overrides?.masqueradeAll ?? settings.masqueradeAll;
  const localhostFlag = options.overrides?.localhostNodePorts ?? settings.localhostNodePorts;
  const detectorSpec = options.overrides?.localDetector ?? settings.localDetector;
  const nodeName = node?.name ?? null;
  const nodeIPs = (node?.addresses ?? []).filter((ip) => familyOf(ip) === family);
  const primaryNodeIP: IPText = nodeIPs[0] ?? loopbackIP(family);
  const clusterDetector = resolveDetector(detectorSpec, family, node);
  const np = resolveNodePorts(settings.nodePortAddresses, localhostFlag, family, nodeIPs);

  const servicePorts: IRServicePort[] = [];
  let totalEndpoints = 0;
  for (const svc of model.services) {
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
      totalEndpoints += candidates.length;
      servicePorts.push(
        lowerServicePort(svc, port, clusterIP, detector, candidates, { family, masqueradeAll, primaryNodeIP }),
      );
    }
  }
  servicePorts.sort(compareServicePorts);

  return {
    version: IR_VERSION,
    family,
    node: nodeName,
    nodeIPs,
    primaryNodeIP,
    masqueradeMark: (1 << settings.masqueradeBit) >>> 0,
    masqueradeAll,
    localDetector: clusterDetector,
    nodePorts: np.scope,
    localhostNodePorts: np.localhostNodePorts,
    environment: {
      nfacct: options.environment?.nfacct ?? true,
      randomFully: options.environment?.randomFully ?? true,
      conntrackLiberal: options.environment?.conntrackLiberal ?? false,
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
