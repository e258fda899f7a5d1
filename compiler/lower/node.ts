// Per-node, per-family settings: the local detector, NodePort addresses, localhost NodePorts.
import { type CIDRText, cidrContains, cidrOf, type Family, familyOf, type IPText, ipOf } from '../../common/ip.ts';
import type { IRLocalDetector, IRNodePortScope } from '../ir/types.ts';
import type { LocalDetectorSpec, NodeModel } from '../model.ts';

const LOOPBACK: Record<Family, IPText> = { ipv4: '127.0.0.1' as IPText, ipv6: '::1' as IPText };

export const loopbackIP = (family: Family): IPText => LOOPBACK[family];

/** kube-proxy's getLocalDetectors for one family (server_linux.go). */
export function resolveDetector(spec: LocalDetectorSpec, family: Family, node: NodeModel | null): IRLocalDetector {
  switch (spec.mode) {
    case 'None':
      return { kind: 'none' };
    case 'ClusterCIDR': {
      const cidr = spec.cidrs.find((c) => familyOf(c) === family);
      return cidr ? { kind: 'cidr', cidr } : { kind: 'none' };
    }
    case 'NodeCIDR': {
      const cidr = node?.podCIDRs.find((c) => familyOf(c) === family);
      return cidr ? { kind: 'cidr', cidr } : { kind: 'none' };
    }
    case 'BridgeInterface':
      return { kind: 'interface', name: spec.interfaceName };
    case 'InterfaceNamePrefix':
      return { kind: 'interfacePrefix', prefix: spec.prefix };
  }
}

export interface NodePortSettings {
  scope: IRNodePortScope;
  localhostNodePorts: boolean;
}

/**
 * kube-proxy's NodePortAddresses for one family: CIDRs of the family (none, or a zero CIDR, means
 * "all local addresses"); localhost NodePorts only for IPv4 and only when the CIDRs hold 127.0.0.0.
 * With explicit CIDRs the matching addresses are the node's addresses plus loopback (the interface
 * addresses kube-proxy lists), in that order: loopback first, then declaration order.
 */
export function resolveNodePorts(
  nodePortAddresses: CIDRText[] | 'primary' | null,
  localhostFlag: boolean,
  family: Family,
  nodeIPs: IPText[],
  primaryNodeIP: IPText,
): NodePortSettings {
  const given = nodePortAddresses === 'primary' ? primaryCIDRs(primaryNodeIP) : (nodePortAddresses ?? []);
  const cidrs = given.filter((c) => familyOf(c) === family).map(cidrOf);
  const matchAll = cidrs.length === 0 || cidrs.some((c) => c.prefix === 0);
  const loopbackStart = ipOf('127.0.0.0');
  const containsV4Loopback =
    family === 'ipv4' &&
    (cidrs.length === 0 || cidrs.some((c) => isLoopback(c.addr) || cidrContains(c, loopbackStart)));
  const localhostNodePorts = family === 'ipv4' && localhostFlag && containsV4Loopback;
  if (matchAll) return { scope: { kind: 'allLocal' }, localhostNodePorts };
  const candidates = [LOOPBACK[family], ...nodeIPs];
  const seen = new Set<string>();
  const addresses: IPText[] = [];
  for (const ip of candidates) {
    if (seen.has(ip)) continue;
    const parsed = ipOf(ip);
    if (!cidrs.some((c) => cidrContains(c, parsed))) continue;
    // kube-proxy skips loopback addresses when localhost NodePorts are off (always for IPv6).
    if (isLoopback(ip) && !localhostNodePorts) continue;
    seen.add(ip);
    addresses.push(ip);
  }
  return { scope: { kind: 'addresses', addresses }, localhostNodePorts };
}

/**
 * `--nodeport-addresses primary` as kube-proxy's server setup resolves it: the node's primary IP
 * of the family as a /32 or /128, unless it is a loopback address (kube-proxy's fallback when the
 * node has none of the family) — then the family has no CIDR, which means all local addresses.
 */
function primaryCIDRs(primaryNodeIP: IPText): CIDRText[] {
  if (isLoopback(primaryNodeIP)) return [];
  return [cidrOf(`${primaryNodeIP}/${familyOf(primaryNodeIP) === 'ipv4' ? 32 : 128}`).text];
}

export function isLoopback(ip: IPText): boolean {
  return familyOf(ip) === 'ipv4' ? ip.startsWith('127.') : ip === '::1';
}
