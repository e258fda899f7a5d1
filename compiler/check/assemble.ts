// FileDraft -> ClusterModel. Runs only when no rule reported an error, so every conflict has been
// ruled out and "the first occurrence" is simply "the value".
import type { CIDRText, IPText } from '../../common/ip.ts';
import type { Span } from '../../common/source.ts';
import {
  type ClusterModel,
  type ClusterSettings,
  defaultClusterSettings,
  type EndpointModel,
  type LocalDetectorSpec,
  type NodeModel,
  type Origin,
  type ServiceModel,
  type ServicePortModel,
} from '../model.ts';
import type { CheckContext } from './context.ts';
import type { DetectorItem, FileDraft, NodeDraft, ServiceDraft } from './draft.ts';
import { portsByName } from './rules/rule.ts';

export function assembleModel(ctx: CheckContext, draft: FileDraft): ClusterModel {
  const origin = (span: Span): Origin => ({ file: ctx.file, span });
  return {
    settings: assembleSettings(draft),
    nodes: draft.nodes.map((n) => assembleNode(n, origin)),
    services: draft.services.map((s) => assembleService(s, origin)),
  };
}

function assembleSettings(draft: FileDraft): ClusterSettings {
  const settings = defaultClusterSettings();
  settings.nodePortRange = { ...draft.nodePortRange };
  let bitSet = false;
  let localhostSet = false;
  for (const s of draft.clusterSettings) {
    if (s.kind === 'MasqAll') settings.masqueradeAll = true;
    else if (s.kind === 'MasqBit' && !bitSet) {
      settings.masqueradeBit = s.bit.value;
      bitSet = true;
    } else if (s.kind === 'LocalhostNodePorts' && !localhostSet) {
      settings.localhostNodePorts = s.enabled.value;
      localhostSet = true;
    }
  }
  const npa = draft.nodePortAddresses[0];
  if (npa) settings.nodePortAddresses = npa.value === 'primary' ? 'primary' : npa.value.map((c) => c.cidr.text);
  settings.localDetector = detectorOf(draft.detectors) ?? { mode: 'None' };
  return settings;
}

/** The detector a list of `masq from outside` statements says (null when there is none). */
export function detectorOf(items: readonly DetectorItem[]): LocalDetectorSpec | null {
  const first = items[0];
  if (!first) return null;
  const spec = first.ast.detector;
  switch (spec.kind) {
    case 'Cidr': {
      const cidrs: CIDRText[] = [];
      const families = new Set<string>();
      for (const d of items) {
        if (d.cidr && !families.has(d.cidr.family)) {
          families.add(d.cidr.family);
          cidrs.push(d.cidr.text);
        }
      }
      return { mode: 'ClusterCIDR', cidrs };
    }
    case 'NodePodCIDR':
      return { mode: 'NodeCIDR' };
    case 'BridgeInterface':
      return { mode: 'BridgeInterface', interfaceName: spec.name.value };
    case 'InterfaceNamePrefix':
      return { mode: 'InterfaceNamePrefix', prefix: spec.prefix.value };
  }
}

function assembleNode(n: NodeDraft, origin: (s: Span) => Origin): NodeModel {
  return {
    name: n.name,
    addresses: n.addresses.map((a) => a.ip.text),
    podCIDRs: n.podCIDRs.map((c) => c.cidr.text),
    ...(n.zones.length > 0 ? { zone: n.zones[0]!.value } : {}),
    origin: origin(n.ast.span),
  };
}

function assembleService(s: ServiceDraft, origin: (s: Span) => Origin): ServiceModel {
  const clusterIPs: IPText[] = [];
  for (const fam of s.families) {
    const line = s.lines.find((l) => l.family === fam);
    if (line?.ip) clusterIPs.push(line.ip);
  }
  const ports: ServicePortModel[] = [];
  for (const [name, lines] of portsByName(s)) {
    const l = lines[0]!;
    ports.push({
      name,
      protocol: l.protocol,
      port: l.port,
      nodePort: l.nodePort,
      targetPort: l.target ?? l.port,
      origin: origin(l.ast.span),
    });
  }
  // With numeric target ports only, every endpoint has the same ports: one frozen object shared by
  // all of them (nothing downstream writes to a model; a write would throw).
  const allNumeric = ports.every((p) => typeof p.targetPort === 'number');
  const sharedPorts = allNumeric ? Object.freeze(endpointPorts(ports, null)) : null;
  // Otherwise endpoints with the same named ports (one shared map, collect.ts) share one object too.
  const portsByNamed = new Map<ReadonlyMap<string, number>, EndpointModel['ports']>();
  const portsOf = (named: ReadonlyMap<string, number>): EndpointModel['ports'] => {
    let p = portsByNamed.get(named);
    if (!p) portsByNamed.set(named, (p = Object.freeze(endpointPorts(ports, named))));
    return p;
  };
  const endpoints: EndpointModel[] = s.endpoints.map((ep) => {
    const epPorts = sharedPorts ?? portsOf(ep.namedPorts);
    const m: EndpointModel = {
      address: ep.ip,
      family: ep.family,
      nodeName: ep.node,
      zone: ep.zone,
      conditions: ep.conditions ?? { ready: false, serving: false, terminating: false },
      ports: epPorts,
      origin: origin(ep.span),
    };
    // hints only where written: a hundred thousand endpoints keep the one shape they had
    if (ep.ast.forZones.length > 0) m.zoneHints = hintNames(ep.ast.forZones);
    if (ep.ast.forNodes.length > 0) m.nodeHints = hintNames(ep.ast.forNodes);
    return m;
  });
  const affinity = s.affinity[0];
  return {
    namespace: s.namespace,
    name: s.name,
    type: s.type ?? 'ClusterIP',
    clusterIPs,
    ports,
    externalIPs: s.externalIPs.map((a) => a.ip.text),
    loadBalancerIngress: s.lbIngress.map((a) => a.ip.text),
    loadBalancerSourceRanges: s.sourceRanges.map((c) => c.cidr.text),
    externalTrafficPolicy: s.etp[0]?.value ?? 'Cluster',
    internalTrafficPolicy: s.itp[0]?.value ?? 'Cluster',
    sessionAffinity:
      affinity && affinity.affinity.value === 'ClientIP'
        ? { type: 'ClientIP', timeoutSeconds: affinity.timeout?.value ?? 10800 }
        : { type: 'None' },
    healthCheckNodePort: s.hcnp[0]?.value ?? null,
    localDetectorOverride: detectorOf(s.masq),
    endpoints,
    origin: origin(s.ast.span),
  };
}

/** EndpointModel.ports: numeric targets as they are, named ones through the endpoint's own ports. */
function endpointPorts(
  ports: readonly ServicePortModel[],
  named: ReadonlyMap<string, number> | null,
): { [name: string]: number } {
  const out: { [name: string]: number } = {};
  for (const p of ports) {
    const n = typeof p.targetPort === 'number' ? p.targetPort : named?.get(p.targetPort);
    if (n !== undefined) out[p.name] = n;
  }
  return out;
}

/** Hint names as a set (kube-proxy keeps hints in sets): each once, in first-written order. */
function hintNames(list: readonly { value: string }[]): readonly string[] {
  const names: string[] = [];
  for (const h of list) if (!names.includes(h.value)) names.push(h.value);
  return names;
}
