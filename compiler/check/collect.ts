// AST -> FileDraft: group what the file says per object and parse every address and CIDR. Only
// value-level problems are reported here (bad addresses, contradictory endpoint conditions); all
// cross-object rules live in rules/.
import { appendAll } from '../../common/append.ts';
import { canonicalIPv4At, type Family, type IPText } from '../../common/ip.ts';
import { type SpecialKind, specialKind, specialKindV4 } from '../../common/special-address.ts';
import type {
  ClusterSetting,
  EndpointEntry,
  FileNode,
  MasqFromOutside,
  NodeBlock,
  ServiceBlock,
} from '../../grammar/ast.ts';
import { defaultClusterSettings } from '../model.ts';
import { resolveConditions } from './conditions.ts';
import type { CheckContext } from './context.ts';
import type { DetectorItem, EndpointDraft, FileDraft, NodeDraft, ServiceDraft } from './draft.ts';
import { checkAddress, checkAddresses, checkCidr, checkCidrs, isValidPort } from './values.ts';

export function collectFile(ctx: CheckContext, file: FileNode): FileDraft {
  const draft: FileDraft = {
    clusterSettings: [],
    detectors: [],
    nodePortAddresses: [],
    nodePortRange: defaultClusterSettings().nodePortRange,
    nodes: [],
    nodesByName: new Map(),
    services: [],
  };
  let rangeSet = false;
  for (const block of file.blocks) {
    if (block.kind === 'Cluster') {
      for (const s of block.settings) {
        draft.clusterSettings.push(s);
        collectClusterSetting(ctx, draft, s);
        if (s.kind === 'NodePortRange' && !rangeSet && validRange(s.min.value, s.max.value)) {
          draft.nodePortRange = { min: s.min.value, max: s.max.value };
          rangeSet = true;
        }
      }
    } else if (block.kind === 'Node') {
      const node = collectNode(ctx, block);
      draft.nodes.push(node);
      if (!draft.nodesByName.has(node.name)) draft.nodesByName.set(node.name, node);
    } else {
      draft.services.push(collectService(ctx, block));
    }
  }
  return draft;
}

const NO_PORTS: ReadonlyMap<string, number> = new Map();

export const validRange = (min: number, max: number): boolean => isValidPort(min) && isValidPort(max) && min <= max;

function collectClusterSetting(ctx: CheckContext, draft: FileDraft, s: ClusterSetting): void {
  if (s.kind === 'MasqFromOutside') {
    const d = collectDetector(ctx, s);
    if (d) draft.detectors.push(d);
  } else if (s.kind === 'NodePortAddresses') {
    const value = s.primary ? ('primary' as const) : checkCidrs(ctx, s.cidrs, 'nodePort address');
    draft.nodePortAddresses.push({ value, span: s.span });
  }
}

export function collectDetector(ctx: CheckContext, ast: MasqFromOutside): DetectorItem | null {
  if (ast.detector.kind !== 'Cidr') return { ast, cidr: null };
  const cidr = checkCidr(ctx, ast.detector.cidr, 'cluster CIDR');
  return cidr ? { ast, cidr } : null;
}

function collectNode(ctx: CheckContext, block: NodeBlock): NodeDraft {
  const node: NodeDraft = { ast: block, name: block.name.value, addresses: [], podCIDRs: [], zones: [] };
  for (const st of block.statements) {
    if (st.kind === 'NodeAddress') appendAll(node.addresses, checkAddresses(ctx, st.addresses, 'node address'));
    else if (st.kind === 'NodePodCIDRs') appendAll(node.podCIDRs, checkCidrs(ctx, st.cidrs, 'podCIDR'));
    else node.zones.push(st.zone);
  }
  return node;
}

// Most services have none of most attributes: they all start as this frozen empty list and get
// their own array on the first entry (`add`), which saves ten arrays per service on large files.
const NONE: never[] = Object.freeze([]) as unknown as never[];

/** `list` with `values` appended (an array, not spread arguments: a line may list 200,000 addresses). */
function add<T>(list: T[], values: T[]): T[] {
  if (values.length === 0) return list;
  if (list === NONE) return values;
  appendAll(list, values);
  return list;
}

function collectService(ctx: CheckContext, block: ServiceBlock): ServiceDraft {
  const svc: ServiceDraft = {
    ast: block,
    namespace: block.namespace.value,
    name: block.name.value,
    key: `${block.namespace.value}/${block.name.value}`,
    lines: [],
    type: null,
    families: [],
    etp: NONE,
    itp: NONE,
    affinity: NONE,
    masq: NONE,
    externalIPs: NONE,
    lbIngress: NONE,
    lbIngressAt: NONE,
    sourceRanges: NONE,
    sourceRangesAt: NONE,
    hcnp: NONE,
    endpoints: [],
  };
  for (const item of block.items) {
    if (collectAttribute(ctx, svc, item)) continue;
    switch (item.kind) {
      case 'Port': {
        const ip = checkAddress(ctx, item.clusterIP, 'cluster IP');
        svc.lines.push({
          ast: item,
          name: item.name?.value ?? '',
          type: item.type.value,
          ip: ip ? ip.text : null,
          family: ip ? ip.family : null,
          special: ip ? specialKind(ip) : null,
          port: item.port.value,
          protocol: item.protocol.value,
          nodePort: item.nodePort?.value ?? null,
          target: item.targetPort?.value ?? null,
        });
        if (svc.type === null) svc.type = item.type.value;
        if (ip && !svc.families.includes(ip.family)) svc.families.push(ip.family);
        for (const c of item.clauses) collectAttribute(ctx, svc, c);
        break;
      }
      case 'ExternalIPs':
        svc.externalIPs = add(svc.externalIPs, checkAddresses(ctx, item.addresses, 'external IP'));
        break;
      case 'LoadBalancerIngress':
        svc.lbIngress = add(svc.lbIngress, checkAddresses(ctx, item.addresses, 'load-balancer ingress IP'));
        svc.lbIngressAt = add(svc.lbIngressAt, [item.span]);
        break;
      case 'LoadBalancerSourceRanges':
        svc.sourceRanges = add(svc.sourceRanges, checkCidrs(ctx, item.cidrs, 'load-balancer source range'));
        svc.sourceRangesAt = add(svc.sourceRangesAt, [item.span]);
        break;
      case 'HealthCheckNodePort':
        svc.hcnp = add(svc.hcnp, [{ value: item.port.value, text: item.port.text, span: item.port.span }]);
        break;
      case 'Endpoints':
        for (const ep of item.endpoints) {
          const d = collectEndpoint(ctx, ep);
          if (d) svc.endpoints.push(d);
        }
        break;
    }
  }
  return svc;
}

/** A service-wide attribute (a statement or a port-line clause); false for any other item. */
function collectAttribute(ctx: CheckContext, svc: ServiceDraft, a: ServiceBlock['items'][number]): boolean {
  switch (a.kind) {
    case 'ExternalTrafficPolicy':
      svc.etp = add(svc.etp, [{ value: a.policy.value, span: a.span }]);
      return true;
    case 'InternalTrafficPolicy':
      svc.itp = add(svc.itp, [{ value: a.policy.value, span: a.span }]);
      return true;
    case 'SessionAffinity':
      svc.affinity = add(svc.affinity, [a]);
      return true;
    case 'MasqFromOutside': {
      const d = collectDetector(ctx, a);
      if (d) svc.masq = add(svc.masq, [d]);
      return true;
    }
    default:
      return false;
  }
}

const NO_PORT_ENTRIES: EndpointEntry['ports'] = [];

/**
 * `ports NAME=N ...` as a map (first entry of each name), one map per distinct list in the file:
 * 40,000 endpoints of a large file say `ports metrics=9100`, and nothing writes to these maps.
 */
const namedPortMaps = new WeakMap<CheckContext, Map<string, ReadonlyMap<string, number>>>();

function sharedNamedPorts(ctx: CheckContext, ports: EndpointEntry['ports']): ReadonlyMap<string, number> {
  const m = new Map<string, number>();
  for (const p of ports) if (!m.has(p.name.value)) m.set(p.name.value, p.port.value);
  let key = '';
  for (const [name, port] of m) key += `${name}=${port} `;
  let maps = namedPortMaps.get(ctx);
  if (!maps) namedPortMaps.set(ctx, (maps = new Map()));
  const known = maps.get(key);
  if (known) return known;
  maps.set(key, m);
  return m;
}

function collectEndpoint(ctx: CheckContext, ep: EndpointEntry): EndpointDraft | null {
  const text = ep.address.text;
  let address: IPText;
  let family: Family;
  let special: SpecialKind | null;
  const v4 = canonicalIPv4At(text);
  if (v4 >= 0) {
    address = text as IPText;
    family = 'ipv4';
    special = specialKindV4(v4);
  } else {
    const ip = checkAddress(ctx, ep.address, 'endpoint address');
    if (!ip) {
      resolveConditions(ctx, ep.conditions); // still report contradictions
      return null;
    }
    address = ip.text;
    family = ip.family;
    special = specialKind(ip);
  }
  const conditions = resolveConditions(ctx, ep.conditions);
  // Most endpoints have no named ports: share one empty map and array (never written to).
  let namedPorts = NO_PORTS;
  let portEntries = NO_PORT_ENTRIES;
  if (ep.ports.length > 0) {
    namedPorts = sharedNamedPorts(ctx, ep.ports);
    portEntries = ep.ports;
  }
  return {
    ast: ep,
    span: ep.span,
    ip: address,
    at: ep.address.span,
    family,
    special,
    node: ep.node?.value ?? null,
    zone: ep.zone?.value ?? null,
    portEntries,
    conditions,
    namedPorts,
  };
}
