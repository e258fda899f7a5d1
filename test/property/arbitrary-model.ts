// fast-check arbitrary for valid ClusterModels (shared by the iptables and nftables property tests).
// "Valid" = what the checker accepts: canonical addresses, unique names, unique frontends
// (IP:port/proto), unique NodePorts and health-check ports inside the NodePort range, endpoints of
// the service's families, health-check ports only on eTP=Local LoadBalancers, unnamed ports only
// alone. Addresses come from disjoint pools so no two objects collide by accident.
import fc from 'fast-check';
import type { CIDRText, IPText } from '../../common/ip.ts';
import { cidrOf } from '../../common/ip.ts';
import type { Protocol } from '../../common/kubernetes.ts';
import type {
  ClusterModel,
  EndpointModel,
  LocalDetectorSpec,
  NodeModel,
  ServiceModel,
  ServicePortModel,
} from '../../compiler/model.ts';

const ip = (s: string) => s as IPText;
/** Canonical text, as a model must hold ("fd00:10:244:0::/64" -> "fd00:10:244::/64"). */
const cidr = (s: string): CIDRText => cidrOf(s).text;

export interface ArbitraryModelOptions {
  maxServices?: number;
  maxEndpoints?: number;
  maxNodes?: number;
  /**
   * Also give nodes zones and endpoints topology hints, and sometimes `nodePort addresses primary`
   * (drawn after everything else, so that a seed gives the same model otherwise; off by default:
   * seeded tests keep their models).
   */
  topology?: boolean;
}

/**
 * Zones per node, and per service how its endpoints are hinted: 'none', 'zones' (every endpoint a
 * zone hint: filtering where a node's zone is hinted), 'nodes' (node and zone hints) or 'partial'
 * (some endpoints without: no filtering). Each endpoint's zones and node come from its own entry.
 */
const topologyArb = (o: Required<ArbitraryModelOptions>) =>
  fc.record({
    // `--nodeport-addresses primary` (resolved per node) rides along with the topology draws
    nodePortsPrimary: fc.boolean(),
    zones: fc.array(fc.constantFrom(null, 'z1', 'z2'), { minLength: o.maxNodes, maxLength: o.maxNodes }),
    services: fc.array(
      fc.record({
        mode: fc.constantFrom('none', 'zones', 'zones', 'nodes', 'partial'),
        endpoints: fc.array(
          fc.record({ zones: fc.constantFrom(['z1'], ['z2'], ['z1', 'z2'], ['z3']), node: fc.nat(3) }),
          { minLength: 2 * o.maxEndpoints, maxLength: 2 * o.maxEndpoints },
        ),
      }),
      { minLength: o.maxServices, maxLength: o.maxServices },
    ),
  });
type Topology = ReturnType<typeof topologyArb> extends fc.Arbitrary<infer T> ? T : never;

/** An endpoint's hints under its service's mode (k: its position among the service's endpoints). */
function hintsOf(t: Topology | null, service: number, k: number): Pick<EndpointModel, 'zoneHints' | 'nodeHints'> {
  const s = t?.services[service];
  if (!s || s.mode === 'none' || (s.mode === 'partial' && k % 2 === 1)) return {};
  const e = s.endpoints[k % s.endpoints.length]!;
  return s.mode === 'nodes' ? { zoneHints: e.zones, nodeHints: [`node-${e.node}`] } : { zoneHints: e.zones };
}

const shapeArb = (o: Required<ArbitraryModelOptions>) =>
  fc.record({
    detector: fc.constantFrom(
      'None',
      'ClusterCIDR4',
      'ClusterCIDR46',
      'ClusterCIDR6',
      'NodeCIDR',
      'BridgeInterface',
      'InterfaceNamePrefix',
    ),
    masqueradeAll: fc.boolean(),
    masqueradeBit: fc.oneof(fc.constant(14), fc.integer({ min: 0, max: 31 })),
    nodePortAddresses: fc.constantFrom('all', 'node', 'node+lo', 'v6only'),
    localhostNodePorts: fc.boolean(),
    nodes: fc.array(fc.record({ v4: fc.boolean(), v6: fc.boolean(), extra: fc.boolean() }), { maxLength: o.maxNodes }),
    services: fc.array(
      fc.record({
        type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer'),
        families: fc.constantFrom('v4', 'v6', 'v4v6', 'v6v4'),
        ports: fc.array(
          fc.record({
            protocol: fc.constantFrom<Protocol>('tcp', 'udp', 'sctp'),
            nodePort: fc.boolean(),
            namedTarget: fc.boolean(),
          }),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
        unnamed: fc.boolean(),
        externalIPs: fc.integer({ min: 0, max: 2 }),
        lbIPs: fc.integer({ min: 0, max: 2 }),
        sourceRanges: fc.constantFrom('none', 'outside', 'node', 'v6'),
        etpLocal: fc.boolean(),
        itpLocal: fc.boolean(),
        affinity: fc.option(fc.integer({ min: 1, max: 86400 }), { nil: null }),
        healthCheck: fc.boolean(),
        override: fc.boolean(),
        endpoints: fc.array(
          fc.record({
            v6: fc.boolean(),
            node: fc.integer({ min: -1, max: 3 }),
            cond: fc.constantFrom('ready', 'ready', 'ready', 'terminating', 'terminating-not-serving', 'not-ready'),
            dup: fc.boolean(),
            missingPort: fc.boolean(),
          }),
          { maxLength: o.maxEndpoints },
        ),
      }),
      { maxLength: o.maxServices },
    ),
  });

type Shape = ReturnType<typeof shapeArb> extends fc.Arbitrary<infer T> ? T : never;

function detectorOf(kind: string): LocalDetectorSpec {
  switch (kind) {
    case 'ClusterCIDR4':
      return { mode: 'ClusterCIDR', cidrs: [cidr('10.244.0.0/16')] };
    case 'ClusterCIDR46':
      return { mode: 'ClusterCIDR', cidrs: [cidr('10.244.0.0/16'), cidr('fd00:10:244::/48')] };
    case 'ClusterCIDR6':
      return { mode: 'ClusterCIDR', cidrs: [cidr('fd00:10:244::/48')] };
    case 'NodeCIDR':
      return { mode: 'NodeCIDR' };
    case 'BridgeInterface':
      return { mode: 'BridgeInterface', interfaceName: 'cbr0' };
    case 'InterfaceNamePrefix':
      return { mode: 'InterfaceNamePrefix', prefix: 'veth' };
    default:
      return { mode: 'None' };
  }
}

export function buildModel(s: Shape, t: Topology | null = null): ClusterModel {
  const nodes: NodeModel[] = s.nodes.map((n, i) => {
    const addresses: IPText[] = [];
    if (n.v4 || !n.v6) addresses.push(ip(`192.168.0.${10 + i}`));
    if (n.v6) addresses.push(ip(`2001:db8::${(10 + i).toString(16)}`));
    if (n.extra) addresses.push(ip(`172.16.${i}.1`));
    const zone = t?.zones[i] ?? null;
    return {
      name: `node-${i}`,
      addresses,
      podCIDRs: [cidr(`10.244.${i}.0/24`), cidr(`fd00:10:244:${i}::/64`)],
      ...(zone === null ? {} : { zone }),
    };
  });
  const npa: Record<string, CIDRText[] | null> = {
    all: null,
    node: [cidr('192.168.0.0/24'), cidr('2001:db8::/64')],
    'node+lo': [cidr('192.168.0.0/24'), cidr('127.0.0.0/8'), cidr('::1/128')],
    v6only: [cidr('2001:db8::/64')],
  };
  const services: ServiceModel[] = s.services.map((sv, i) => {
    const fams =
      sv.families === 'v4'
        ? ['v4']
        : sv.families === 'v6'
          ? ['v6']
          : sv.families === 'v4v6'
            ? ['v4', 'v6']
            : ['v6', 'v4'];
    const clusterIPs = fams.map((f) =>
      ip(f === 'v4' ? `10.96.${i >> 8}.${(i & 255) + 1}` : `fd00:10:96::${(i + 1).toString(16)}`),
    );
    const hasNodePorts = sv.type !== 'ClusterIP';
    const single = sv.ports.length === 1 && sv.unnamed;
    const ports: ServicePortModel[] = sv.ports.map((p, j) => ({
      name: single ? '' : `p${j}`,
      protocol: p.protocol,
      port: 80 + j,
      nodePort: hasNodePorts && p.nodePort ? 30000 + i * 4 + j : null,
      targetPort: p.namedTarget ? `t${j}` : 8080 + j,
    }));
    const both = (n: number, v4: (k: number) => string, v6: (k: number) => string) =>
      Array.from({ length: n }, (_, k) => fams.map((f) => ip(f === 'v4' ? v4(k) : v6(k)))).flat();
    const isLB = sv.type === 'LoadBalancer';
    const ranges =
      !isLB || sv.sourceRanges === 'none'
        ? []
        : sv.sourceRanges === 'outside'
          ? [cidr('198.51.100.0/24'), cidr('2001:db8:ffff::/48')]
          : sv.sourceRanges === 'node'
            ? [cidr('192.168.0.0/24'), cidr('2001:db8::/64')]
            : [cidr('2001:db8:ffff::/48')];
    const endpoints: EndpointModel[] = [];
    sv.endpoints.forEach((e, k) => {
      const family = e.v6 && fams.includes('v6') ? 'ipv6' : fams.includes('v4') ? 'ipv4' : 'ipv6';
      const addr =
        family === 'ipv4'
          ? `10.${100 + (i % 100)}.${k >> 8}.${(k & 255) + 1}`
          : `fd00:${(100 + i).toString(16)}::${(k + 1).toString(16)}`;
      const cond = {
        ready: e.cond === 'ready',
        serving: e.cond === 'ready' || e.cond === 'terminating',
        terminating: e.cond === 'terminating' || e.cond === 'terminating-not-serving',
      };
      const epPorts: Record<string, number> = {};
      ports.forEach((p, j) => {
        if (e.missingPort && j === ports.length - 1) return;
        epPorts[p.name] = typeof p.targetPort === 'number' ? p.targetPort : 9000 + j;
      });
      const nodeName = e.node >= 0 && e.node < nodes.length ? nodes[e.node]!.name : null;
      const entry = (ports: Record<string, number>): EndpointModel => ({
        address: ip(addr),
        family,
        nodeName,
        zone: null,
        ...hintsOf(t, i, k),
        conditions: cond,
        ports,
      });
      endpoints.push(entry(epPorts));
      // A duplicate address (another slice listing it again): lowering keeps one per ip:port. With
      // a port missing, the address at other numbers of its named ports instead (host-network
      // pods): two endpoints each. (Derived, not drawn: an extra draw would change every seed's model.)
      const dupOtherPort = e.missingPort;
      if (e.dup && !dupOtherPort)
        endpoints.push({ address: ip(addr), family, nodeName: null, zone: null, conditions: cond, ports: epPorts });
      if (e.dup && dupOtherPort) {
        const other: Record<string, number> = {};
        ports.forEach((p, j) => {
          if (typeof p.targetPort !== 'number' && epPorts[p.name] !== undefined) other[p.name] = 9500 + j;
        });
        if (Object.keys(other).length > 0) endpoints.push(entry(other));
      }
    });
    const etpLocal = sv.etpLocal && hasNodePorts;
    return {
      namespace: 'ns',
      name: `svc-${i}`,
      type: sv.type,
      clusterIPs,
      ports,
      externalIPs: both(
        sv.externalIPs,
        (k) => `203.0.${100 + k}.${i + 1}`,
        (k) => `2001:db8:e${k}::${(i + 1).toString(16)}`,
      ),
      loadBalancerIngress: isLB
        ? both(
            sv.lbIPs,
            (k) => `198.18.${k}.${i + 1}`,
            (k) => `2001:db8:1b${k}::${(i + 1).toString(16)}`,
          )
        : [],
      loadBalancerSourceRanges: ranges,
      externalTrafficPolicy: etpLocal ? 'Local' : 'Cluster',
      internalTrafficPolicy: sv.itpLocal ? 'Local' : 'Cluster',
      sessionAffinity: sv.affinity === null ? { type: 'None' } : { type: 'ClientIP', timeoutSeconds: sv.affinity },
      healthCheckNodePort: isLB && etpLocal && sv.healthCheck ? 32000 + i : null,
      localDetectorOverride: sv.override
        ? { mode: 'ClusterCIDR', cidrs: [cidr('10.250.0.0/16'), cidr('fd00:250::/48')] }
        : null,
      endpoints,
    };
  });
  return {
    settings: {
      localDetector: detectorOf(s.detector),
      masqueradeAll: s.masqueradeAll,
      masqueradeBit: s.masqueradeBit,
      nodePortAddresses: t?.nodePortsPrimary ? 'primary' : npa[s.nodePortAddresses]!,
      localhostNodePorts: s.localhostNodePorts,
      nodePortRange: { min: 30000, max: 32767 },
    },
    nodes,
    services,
  };
}

/** Valid ClusterModels (see the file comment). */
export function arbitraryModel(options: ArbitraryModelOptions = {}): fc.Arbitrary<ClusterModel> {
  const o = { maxServices: 8, maxEndpoints: 6, maxNodes: 3, topology: false, ...options };
  if (!o.topology) return shapeArb(o).map((s) => buildModel(s));
  return fc.tuple(shapeArb(o), topologyArb(o)).map(([s, t]) => buildModel(s, t));
}
