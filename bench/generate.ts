// A deterministic generator of realistic .ksvc clusters for benchmarks and scale tests:
//   node --import tsx bench/generate.ts --services 10000 --endpoints 10 [--seed 1] > out.ksvc
// Shape knobs (defaults keep the original output byte for byte): --single-port (every service one
// http port), --etp-local SHARE (of NodePort/LB services, default 0.3), --affinity SHARE (default 0.1),
// --topology SHARE (default 0: nodes in three zones, and that share of services hinted PreferClose —
// each endpoint for its node's zone), --dual-stack SHARE (default 0: that share of services also
// has an IPv6 cluster IP, load-balancer address and endpoints, and the nodes IPv6 addresses).
// Issue 10's mix: --single-port --etp-local 0.5 --affinity 0.05 (its multi-port twin: without --single-port).
// The same options always give the same bytes. The file checks clean (no errors, no warnings):
// unique cluster IPs in 10.96.0.0/12 (outside the pods' 100.64.0.0/10), unique NodePorts (the NodePort range is widened when the
// default 30000-32767 is too small), endpoints spread over a few nodes with pod CIDRs.
import { pathToFileURL } from 'node:url';
import { formatIP, ipOf } from '../common/ip.ts';
import { benchArgs } from './args.ts';

export interface GenerateOptions {
  services: number;
  endpointsPerService: number;
  seed?: number;
  /** Default: enough nodes that each holds at most ~20,000 endpoints (at least 3, at most 60). */
  nodes?: number;
  /** Every service gets one port (`http: 80/tcp`) instead of one of the 1-3-port shapes. */
  singlePort?: boolean;
  /** Share of NodePort and LoadBalancer services with externalTrafficPolicy Local (default 0.3). */
  etpLocalShare?: number;
  /** Share of services with ClientIP session affinity (default 0.1). */
  affinityShare?: number;
  /**
   * Share of services whose endpoints carry zone hints (PreferClose: each for its node's zone);
   * above 0 the nodes are in three zones. Default 0: no zones, no hints, the same bytes as before.
   */
  topologyShare?: number;
  /**
   * Share of services that are dual-stack: an IPv6 port line beside each IPv4 one (IPv4 primary),
   * an IPv6 endpoint beside each IPv4 one on the same node, an IPv6 load-balancer address (and
   * source range). Above 0 the nodes get IPv6 addresses and pod CIDRs. Default 0: the same bytes.
   */
  dualStackShare?: number;
}

/** An IPv6 address of a /64 prefix (its first four groups) and a host number, canonical: fd00:64:0:3::1f. */
const ipv6 = (prefix: string, host: number): string => formatIP('ipv6', ipOf(`${prefix}::${host.toString(16)}`).value);

const zoneOf = (node: number): string => `zone-${String.fromCharCode(97 + (node % 3))}`;

/** mulberry32: small, fast, and the same everywhere. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ipv4 = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const CLUSTER_IP_BASE = (10 << 24) + (96 << 16); // 10.96.0.0/12
const LB_BASE = (203 << 24) + (0 << 16); // 203.0.0.0/16 (well inside 203.0.0.0/8)

interface PortSpec {
  name: string;
  port: number;
  proto: 'tcp' | 'udp';
  /** A number, or a port name the endpoints define. */
  target: number | string;
  endpointPort?: number;
}

const PORT_SHAPES: PortSpec[][] = [
  [{ name: 'http', port: 80, proto: 'tcp', target: 8080 }],
  [
    { name: 'http', port: 80, proto: 'tcp', target: 'http', endpointPort: 8080 },
    { name: 'https', port: 443, proto: 'tcp', target: 8443 },
  ],
  [
    { name: 'grpc', port: 9000, proto: 'tcp', target: 9000 },
    { name: 'metrics', port: 9090, proto: 'tcp', target: 'metrics', endpointPort: 9100 },
  ],
  [
    { name: 'dns', port: 53, proto: 'udp', target: 53 },
    { name: 'dns-tcp', port: 53, proto: 'tcp', target: 53 },
    { name: 'metrics', port: 9153, proto: 'tcp', target: 9153 },
  ],
  [{ name: 'redis', port: 6379, proto: 'tcp', target: 6379 }],
];

export function generateKsvc(opts: GenerateOptions): string {
  const { services, endpointsPerService } = opts;
  const rand = rng(opts.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const nodeCount = opts.nodes ?? Math.max(3, Math.min(60, Math.ceil((services * endpointsPerService) / 20000)));
  if (services > 1_000_000) throw new Error('at most 1,000,000 services fit in 10.96.0.0/12');

  // Decide each service's shape first, so the NodePort range can be sized before writing it.
  interface Shape {
    type: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
    ports: PortSpec[];
    local: boolean;
    affinity: boolean;
    itpLocal: boolean;
    hinted: boolean;
    dual: boolean;
  }
  const shapes: Shape[] = [];
  let nodePortsNeeded = 0;
  for (let i = 0; i < services; i++) {
    const r = rand();
    const type = r < 0.7 ? 'ClusterIP' : r < 0.9 ? 'NodePort' : 'LoadBalancer';
    const shape = pick(PORT_SHAPES);
    const ports = opts.singlePort ? PORT_SHAPES[0]! : shape;
    const local = type !== 'ClusterIP' && rand() < (opts.etpLocalShare ?? 0.3);
    const affinity = rand() < (opts.affinityShare ?? 0.1);
    const itpLocal = type === 'ClusterIP' && rand() < 0.05 && endpointsPerService > 0;
    // drawn only when asked for: without it the stream, and so the file, is what it always was
    const hinted = (opts.topologyShare ?? 0) > 0 && rand() < opts.topologyShare!;
    const dual = (opts.dualStackShare ?? 0) > 0 && rand() < opts.dualStackShare!;
    if (type !== 'ClusterIP') nodePortsNeeded += ports.length + (type === 'LoadBalancer' && local ? 1 : 0);
    shapes.push({ type, ports, local, affinity, itpLocal, hinted, dual });
  }
  const npMin = 30000;
  const npMax = nodePortsNeeded <= 2768 ? 32767 : npMin + nodePortsNeeded - 1;
  if (npMax > 65535) throw new Error(`${nodePortsNeeded} NodePorts do not fit in 30000-65535`);

  const out: string[] = [];
  out.push(
    `# Generated by bench/generate.ts: ${services} services, ${endpointsPerService} endpoints each, seed ${opts.seed ?? 1}`,
  );
  out.push('cluster {');
  out.push('  masq from outside 100.64.0.0/10');
  const dualStack = (opts.dualStackShare ?? 0) > 0;
  if (dualStack) out.push('  masq from outside fd00:64::/48');
  if (npMax !== 32767) out.push(`  nodePort range ${npMin}-${npMax}`);
  out.push('}', '');
  const nodes: string[] = [];
  for (let n = 0; n < nodeCount; n++) {
    const name = `node-${String(n + 1).padStart(2, '0')}`;
    nodes.push(name);
    out.push(
      `node ${name} {`,
      `  address ${ipv4((172 << 24) + (16 << 16) + n + 10)}${dualStack ? `, ${ipv6('fd00:10:0:0', n + 10)}` : ''}`,
      `  podCIDR 100.${64 + n}.0.0/16${dualStack ? `, ${ipv6(`fd00:64:0:${n.toString(16)}`, 0)}/64` : ''}`,
      ...((opts.topologyShare ?? 0) > 0 ? [`  zone ${zoneOf(n)}`] : []),
      '}',
      '',
    );
  }

  const nextPod = new Array<number>(nodeCount).fill(1);
  let nextNodePort = npMin;
  const namespaces = [
    'default',
    'kube-system',
    'shop',
    'payments',
    'search',
    'media',
    'auth',
    'monitoring',
    'data',
    'edge',
  ];
  for (let i = 0; i < services; i++) {
    const s = shapes[i]!;
    const ns = namespaces[i % namespaces.length]!;
    const clusterIP = ipv4(CLUSTER_IP_BASE + 1 + i);
    out.push(`service ${ns}/svc-${i} {`);
    for (const p of s.ports) {
      const np = s.type === 'ClusterIP' ? '' : ` nodePort ${nextNodePort++}`;
      out.push(`  ${p.name}: ${s.type} ${clusterIP}:${p.port}/${p.proto}${np} -> endpoints:${p.target}`);
      // the same port in IPv6 (one NodePort serves both families)
      if (s.dual)
        out.push(
          `  ${p.name}: ${s.type} [${ipv6('fd00:96:0:0', i + 1)}]:${p.port}/${p.proto}${np} -> endpoints:${p.target}`,
        );
    }
    if (s.local) out.push('  externalTrafficPolicy local');
    if (s.itpLocal) out.push('  internalTrafficPolicy local');
    if (s.affinity) out.push(`  sessionAffinity clientIP ${pick([600, 3600, 10800])}`);
    if (s.type === 'LoadBalancer') {
      out.push(`  loadBalancerIngress ${ipv4(LB_BASE + 1 + i)}${s.dual ? `, ${ipv6('2001:db8:0:0', i + 1)}` : ''}`);
      if (rand() < 0.3)
        out.push(`  loadBalancerSourceRanges 198.51.100.0/24, 192.0.2.0/24${s.dual ? ', 2001:db8:100::/48' : ''}`);
      if (s.local) out.push(`  healthCheckNodePort ${nextNodePort++}`);
    }
    const named = s.ports.filter((p) => typeof p.target === 'string');
    const eps: string[] = [];
    for (let e = 0; e < endpointsPerService; e++) {
      const n = Math.floor(rand() * nodeCount);
      const host = nextPod[n]!;
      nextPod[n] = host >= 65534 ? 1 : host + 1; // wraps only past 65,534 endpoints on one node
      // the endpoint's modifiers, the same for its IPv6 twin
      let mods = ` on ${nodes[n]}`;
      if (s.hinted) mods += ` zone ${zoneOf(n)} for-zone ${zoneOf(n)}`;
      if (rand() < 0.03) mods += ' terminating';
      if (named.length > 0) mods += ` ports ${named.map((p) => `${p.target}=${p.endpointPort}`).join(' ')}`;
      eps.push(`${ipv4((100 << 24) + ((64 + n) << 16) + host)}${mods}`);
      if (s.dual) eps.push(`${ipv6(`fd00:64:0:${n.toString(16)}`, host)}${mods}`);
    }
    if (eps.length > 0) out.push(`  endpoints ${eps.join(', ')}`);
    out.push('}', '');
  }
  return out.join('\n');
}

function main(): void {
  const { values } = benchArgs('bench/generate.ts', {
    options: {
      services: { type: 'string', default: '10000' },
      endpoints: { type: 'string', default: '10' },
      seed: { type: 'string', default: '1' },
      nodes: { type: 'string' },
      'single-port': { type: 'boolean' },
      'etp-local': { type: 'string' },
      affinity: { type: 'string' },
      topology: { type: 'string' },
      'dual-stack': { type: 'string' },
    },
    strict: true,
  });
  const num = (s: string | undefined, what: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) {
      process.stderr.write(`generate: --${what} must be a non-negative integer\n`);
      process.exit(2);
    }
    return n;
  };
  const opts: GenerateOptions = {
    services: num(values.services, 'services'),
    endpointsPerService: num(values.endpoints, 'endpoints'),
    seed: num(values.seed, 'seed'),
  };
  if (values.nodes !== undefined) opts.nodes = num(values.nodes, 'nodes');
  const share = (s: string, what: string): number => {
    const n = Number(s);
    if (!(n >= 0 && n <= 1)) {
      process.stderr.write(`generate: --${what} must be a share between 0 and 1\n`);
      process.exit(2);
    }
    return n;
  };
  if (values['single-port']) opts.singlePort = true;
  if (values['etp-local'] !== undefined) opts.etpLocalShare = share(values['etp-local'], 'etp-local');
  if (values.affinity !== undefined) opts.affinityShare = share(values.affinity, 'affinity');
  if (values.topology !== undefined) opts.topologyShare = share(values.topology, 'topology');
  if (values['dual-stack'] !== undefined) opts.dualStackShare = share(values['dual-stack'], 'dual-stack');
  process.stdout.write(generateKsvc(opts));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
