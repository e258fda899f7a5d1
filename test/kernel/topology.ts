// A three-namespace test network derived from one IRProgram (IPv4 or IPv6): a *node* that holds the rules,
// a *client* namespace for external hosts, and a *pods* namespace holding every endpoint address and
// a client pod. Addresses come from the IR; the two /30 (/126) links and the chosen client addresses are
// picked so that they collide with nothing the IR names. Every namespace is deleted on every exit
// path (withNetns), and only addresses inside these namespaces are touched.
import { cidrContains, cidrOf, type Family, formatIP, ipOf } from '../../common/ip.ts';
import type { IRLocalDetector, IRProgram } from '../../compiler/ir/types.ts';
import { type Netns, run, withNetns } from './netns.ts';

export type SourceNs = 'client' | 'pods' | 'node';

/** One sender: a namespace and the address it sends from. */
export interface SourceSpec {
  /** Stable, readable name used in reports: "client:outside", "client:node-ip:fd00::1", "pod:10.64.1.0/24", "hairpin:10.64.1.7", "node", "localhost". */
  label: string;
  ns: SourceNs;
  /** The source address the node sees. */
  ip: string;
  /** The address the sender binds, when the client rewrites it to `ip` on the way out. */
  bind?: string;
}

export interface TopologyPlan {
  family: Family;
  /** IR node addresses (non-loopback), on the node's client-side interface. */
  nodeIPs: string[];
  /** Node interface names: towards the client, towards the pods (named to satisfy an interface detector). */
  nodeExtIface: string;
  nodePodIface: string;
  /** /30 link addresses: node side and peer side. */
  extLink: { node: string; peer: string };
  podLink: { node: string; peer: string };
  /** Addresses (/32) in the client namespace, and in the pods namespace. */
  clientAddresses: string[];
  /** Source NAT in the client: packets from `from` leave as `to` (a source the client cannot own). */
  clientSnat: { from: string; to: string }[];
  podAddresses: string[];
  sources: SourceSpec[];
  /** Every address that is local to the node (node IPs and its link addresses; 127/8 implied). */
  nodeLocal: string[];
}

/** Every concrete address and block the IR names, to keep chosen addresses clear of them. */
function irAddresses(ir: IRProgram): { ips: Set<string>; cidrs: string[] } {
  const ips = new Set<string>(ir.nodeIPs);
  const cidrs: string[] = [];
  const detectorCidr = (d: IRLocalDetector) => {
    if (d.kind === 'cidr') cidrs.push(d.cidr);
  };
  detectorCidr(ir.localDetector);
  if (ir.nodePorts.kind === 'addresses') for (const a of ir.nodePorts.addresses) ips.add(a);
  for (const sp of ir.servicePorts) {
    ips.add(sp.clusterIP);
    for (const a of [...sp.externalIPs, ...sp.loadBalancerIPs]) ips.add(a);
    for (const e of sp.endpoints) ips.add(e.ip);
    detectorCidr(sp.localDetector);
    if (sp.firewall) cidrs.push(...sp.firewall.sourceRanges);
  }
  return { ips, cidrs };
}

const inCidr = (cidr: string, ip: string) => cidrContains(cidrOf(cidr), ipOf(ip));

/** 127.0.0.0/8 or ::1. */
export const isLoopbackIP = (ip: string): boolean => ip.startsWith('127.') || ip === '::1';

/** The loopback addresses NodePorts are probed at (matrix.ts), which the node's listeners answer on (probe.ts). */
export const loopbackFrontends = (family: Family): string[] =>
  family === 'ipv6' ? ['::1'] : ['127.0.0.1', '127.0.0.2'];

/** The distinct pod-source CIDRs (cluster detector first, then per-service overrides). */
export function detectorCidrs(ir: IRProgram): string[] {
  const out: string[] = [];
  for (const d of [ir.localDetector, ...ir.servicePorts.map((s) => s.localDetector)]) {
    if (d.kind === 'cidr' && !out.includes(d.cidr)) out.push(d.cidr);
  }
  return out;
}

/** The node's pod-side interface name: the detector's interface, or its prefix plus "0". */
function podIfaceName(ir: IRProgram): string {
  const d = [ir.localDetector, ...ir.servicePorts.map((s) => s.localDetector)].find(
    (x) => x.kind === 'interface' || x.kind === 'interfacePrefix',
  );
  if (d?.kind === 'interface') return d.name;
  if (d?.kind === 'interfacePrefix') return d.prefix.length < 15 ? `${d.prefix}0` : d.prefix;
  return 'kpods0';
}

export function planTopology(ir: IRProgram): TopologyPlan {
  const f = ir.family;
  const v6 = f === 'ipv6';
  const { ips, cidrs } = irAddresses(ir);
  const taken = new Set<string>(ips);
  const free = (ip: string) => !taken.has(ip) && !isLoopbackIP(ip);
  const clearOfAll = (ip: string) => free(ip) && !cidrs.some((c) => inCidr(c, ip));
  const take = (ip: string) => {
    taken.add(ip);
    return ip;
  };

  // /30 links: the first candidate block none of whose addresses the IR uses or covers.
  const linkCandidates = v6
    ? ['fdff:0:0:100::', 'fdff:0:0:104::', 'fdff:0:0:108::', 'fdfe::', 'fdfe:0:0:4::']
    : ['169.254.100.0', '169.254.104.0', '169.254.108.0', '192.0.0.0', '198.18.0.0', '198.18.4.0', '198.18.8.0'];
  const pickLink = () => {
    for (const base of linkCandidates) {
      const b = ipOf(base).value;
      const n = formatIP(f, b + 1n);
      const p = formatIP(f, b + 2n);
      if (clearOfAll(n) && clearOfAll(p)) return { node: take(n), peer: take(p) };
    }
    throw new Error('packet tests: no free link block');
  };
  const extLink = pickLink();
  const podLink = pickLink();

  const sources: SourceSpec[] = [];
  const clientAddresses: string[] = [];
  const clientSnat: { from: string; to: string }[] = [];
  const podAddresses: string[] = [];
  const nodeIPs = ir.nodeIPs.filter((ip) => !isLoopbackIP(ip));

  // External hosts: one outside every block the IR names, and one inside each source range.
  const outside = (
    v6
      ? ['2001:db8:ff::7', '2001:db8:fe::7', 'fd7f::7']
      : ['198.51.100.7', '203.0.113.7', '192.0.2.7', '100.127.0.7', '11.0.0.7']
  ).find(clearOfAll);
  if (outside) {
    clientAddresses.push(take(outside));
    sources.push({ label: 'client:outside', ns: 'client', ip: outside });
  }
  const ranges = [...new Set(ir.servicePorts.flatMap((s) => s.firewall?.sourceRanges ?? []))];
  for (const range of ranges) {
    if (clientAddresses.some((a) => inCidr(range, a))) continue;
    const c = cidrOf(range);
    let chosen: string | undefined;
    for (let v = c.first + 200n, i = 0; i < 300 && v <= c.last; v++, i++) {
      const ip = formatIP(f, v);
      if (free(ip)) {
        chosen = ip;
        break;
      }
    }
    for (let v = c.first + 1n, i = 0; !chosen && i < 300 && v <= c.last; v++, i++) {
      const ip = formatIP(f, v);
      if (free(ip)) chosen = ip;
    }
    if (!chosen) continue;
    clientAddresses.push(take(chosen));
    sources.push({ label: `client:${range}`, ns: 'client', ip: chosen });
  }

  // A load-balancer IP as *source* (allowed through KUBE-FW when a range holds the node IP). The
  // client cannot own it (traffic to it must still reach the node), so it sends from a helper
  // address that its own nftables SNATs to the LB IP on the way out.
  const lbSources = [
    ...new Set(ir.servicePorts.flatMap((s) => (s.firewall?.allowLoadBalancerIPs ? s.loadBalancerIPs : []))),
  ];
  const helper = (v6 ? ['fd97::1', 'fd96::1'] : ['100.127.255.1', '198.18.255.1', '192.0.2.201']).find(clearOfAll);
  for (const lbip of helper ? lbSources.slice(0, 1) : []) {
    clientAddresses.push(take(helper!));
    clientSnat.push({ from: helper!, to: lbip });
    sources.push({ label: `client:lb-ip:${lbip}`, ns: 'client', ip: lbip, bind: helper! });
  }

  // IPv6 only: an arriving packet from the node's own address. IPv6 has no martian check, so the
  // node routes it like any other (IPv4 drops it at routing: not in the packet space). The client
  // cannot own the address (the node does), so it sends from a helper its nftables SNATs to it.
  // Whatever answers goes to the node itself: the sender sees only timeouts (expected.ts).
  const selfHelper = v6 ? ['fd95::1', 'fd94::1'].find(clearOfAll) : undefined;
  const selfSource = nodeIPs[0] ?? extLink.node;
  if (selfHelper) {
    clientAddresses.push(take(selfHelper));
    clientSnat.push({ from: selfHelper, to: selfSource });
    sources.push({ label: `client:node-ip:${selfSource}`, ns: 'client', ip: selfSource, bind: selfHelper });
  }

  // Pods: every endpoint that is not the node itself (hairpin senders), plus client pods.
  const endpointIPs = [...new Set(ir.servicePorts.flatMap((s) => s.endpoints.map((e) => e.ip)))]
    .filter((ip) => !nodeIPs.includes(ip) && !isLoopbackIP(ip))
    .sort();
  podAddresses.push(...endpointIPs);
  const podCidrs = detectorCidrs(ir);
  for (const cidr of podCidrs) {
    if (sources.some((s) => s.ns === 'pods' && inCidr(cidr, s.ip))) continue;
    const c = cidrOf(cidr);
    let chosen: string | undefined;
    for (let v = c.last - 1n, i = 0; i < 300 && v > c.first; v--, i++) {
      const ip = formatIP(f, v);
      if (free(ip)) {
        chosen = ip;
        break;
      }
    }
    if (!chosen) continue;
    podAddresses.push(take(chosen));
    sources.push({ label: `pod:${cidr}`, ns: 'pods', ip: chosen });
  }
  if (podCidrs.length === 0) {
    const ip = (v6 ? ['fd99::9', 'fd98::9'] : ['10.250.0.9', '10.251.0.9', '172.31.250.9']).find(clearOfAll);
    if (ip) {
      podAddresses.push(take(ip));
      sources.push({ label: 'pod', ns: 'pods', ip });
    }
  }
  // A pod source outside every detector CIDR (a pod the detector does not recognise).
  if (podCidrs.length > 0) {
    const ip = (v6 ? ['fd99::9', 'fd98::9'] : ['10.250.0.9', '10.251.0.9', '172.31.250.9']).find(clearOfAll);
    if (ip) {
      podAddresses.push(take(ip));
      sources.push({ label: 'pod:undetected', ns: 'pods', ip });
    }
  }
  for (const ip of endpointIPs) sources.push({ label: `hairpin:${ip}`, ns: 'pods', ip });
  const nodeSrc = nodeIPs[0] ?? extLink.node;
  sources.push({ label: 'node', ns: 'node', ip: nodeSrc });
  // Sends only to loopback NodePorts (also when localhost NodePorts are off: then nothing claims them).
  sources.push({ label: 'localhost', ns: 'node', ip: v6 ? '::1' : '127.0.0.1' });

  return {
    family: f,
    nodeIPs,
    nodeExtIface: 'kext0',
    nodePodIface: podIfaceName(ir),
    extLink,
    podLink,
    clientAddresses,
    clientSnat,
    podAddresses,
    sources,
    nodeLocal: [...nodeIPs, extLink.node, podLink.node],
  };
}

export interface Topology {
  plan: TopologyPlan;
  node: Netns;
  client: Netns;
  pods: Netns;
  nsOf(kind: SourceNs): Netns;
}

function must(ns: Netns, cmd: string, args: string[], input?: string): void {
  const r = ns.exec(cmd, args, input, 20_000);
  if (r.status !== 0) throw new Error(`[${ns.name}] ${cmd} ${args.join(' ')}: ${r.stderr.trim() || r.stdout.trim()}`);
}

/** Many `ip` commands in one process, stopping at the first failure. */
function ipBatch(ns: Netns, commands: string[]): void {
  const r = run('ip', ['-n', ns.name, '-batch', '-'], `${commands.join('\n')}\n`, 20_000);
  if (r.status !== 0) throw new Error(`[${ns.name}] ip -batch: ${r.stderr.trim() || r.stdout.trim()}`);
}

function sysctls(ns: Netns, settings: Record<string, string>): void {
  must(ns, 'sysctl', ['-q', '-w', ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)]);
}

// New connections arriving in the pods namespace are dropped, so endpoints never answer: the
// node's conntrack entry stays in SYN_SENT/UNREPLIED and the sender sees a timeout, not a RST.
const SILENT_PODS = `table inet ksvc_silent {
  chain input {
    type filter hook input priority 0; policy accept;
    ct state new drop
  }
}
`;

/** Build the namespaces of a plan, run `body`, delete them whatever happens. */
export async function withTopology<T>(plan: TopologyPlan, tag: string, body: (t: Topology) => Promise<T>): Promise<T> {
  return withNetns(`${tag}-n`, (node) =>
    withNetns(`${tag}-c`, (client) =>
      withNetns(`${tag}-p`, async (pods) => {
        // veth pairs are created inside the node namespace with the peer moved straight into the
        // other one, so no interface ever exists in the host namespace. Fixed MACs let both sides
        // get permanent neighbour entries up front: no ARP/ND during a probe burst (while a
        // neighbour is unresolved, queued packets such as REJECT's ICMP errors can be lost).
        // Each namespace is configured by one `ip -batch` (process spawns dominate set-up time).
        const mac = {
          nodeExt: '02:6b:73:00:00:01',
          client: '02:6b:73:00:00:02',
          nodePod: '02:6b:73:00:01:01',
          pods: '02:6b:73:00:01:02',
        };
        ipBatch(node, [
          `link add ${plan.nodeExtIface} address ${mac.nodeExt} type veth peer name eth0 address ${mac.client} netns ${client.name}`,
          `link add ${plan.nodePodIface} address ${mac.nodePod} type veth peer name eth0 address ${mac.pods} netns ${pods.name}`,
        ]);
        const v6 = plan.family === 'ipv6';
        if (v6) {
          for (const ns of [node, client, pods])
            sysctls(ns, { 'net.ipv6.conf.all.accept_dad': '0', 'net.ipv6.conf.default.accept_dad': '0' });
          // ICMPv6 errors also pass the namespace's global ICMP limiter (net.ipv4.icmp_msgs_*, default
          // burst 50): a burst of probes to a REJECT otherwise loses replies and reads as DROP.
          sysctls(node, {
            'net.ipv6.conf.all.forwarding': '1',
            'net.ipv6.icmp.ratelimit': '0',
            'net.ipv4.icmp_msgs_per_sec': '100000',
            'net.ipv4.icmp_msgs_burst': '100000',
          });
        } else {
          const perIface = Object.fromEntries(
            [plan.nodeExtIface, plan.nodePodIface].flatMap((i) => [
              [`net.ipv4.conf.${i}.rp_filter`, '0'],
              [`net.ipv4.conf.${i}.route_localnet`, '1'],
            ]),
          );
          sysctls(node, {
            'net.ipv4.ip_forward': '1',
            'net.ipv4.conf.all.route_localnet': '1',
            'net.ipv4.conf.all.rp_filter': '0',
            'net.ipv4.conf.default.rp_filter': '0',
            'net.ipv4.icmp_ratelimit': '0',
            'net.ipv4.icmp_ratemask': '0',
            'net.ipv4.icmp_msgs_per_sec': '100000',
            'net.ipv4.icmp_msgs_burst': '100000',
            ...perIface,
          });
          for (const ns of [client, pods])
            sysctls(ns, { 'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.conf.all.accept_local': '1' });
        }
        // Addresses are usable at once (no duplicate address detection for IPv6).
        const host = v6 ? 128 : 32;
        const link = v6 ? 126 : 30;
        const addr = (ip: string, len: number, dev: string) => `addr add ${ip}/${len} dev ${dev}${v6 ? ' nodad' : ''}`;
        const neigh = (ip: string, lladdr: string, dev: string) =>
          `neigh replace ${ip} lladdr ${lladdr} dev ${dev} nud permanent`;
        // Everything the node does not own goes to the pods side (every DNAT target is routable);
        // client addresses are routed back via the client; both peers send everything to the node.
        ipBatch(node, [
          addr(plan.extLink.node, link, plan.nodeExtIface),
          ...plan.nodeIPs.map((ip) => addr(ip, host, plan.nodeExtIface)),
          addr(plan.podLink.node, link, plan.nodePodIface),
          `link set ${plan.nodeExtIface} up`,
          `link set ${plan.nodePodIface} up`,
          neigh(plan.extLink.peer, mac.client, plan.nodeExtIface),
          neigh(plan.podLink.peer, mac.pods, plan.nodePodIface),
          `route add default via ${plan.podLink.peer}`,
          ...[...plan.clientAddresses, ...plan.clientSnat.map((r) => r.to)]
            .filter((ip) => !plan.nodeLocal.includes(ip))
            .map((ip) => `route add ${ip}/${host} via ${plan.extLink.peer}`),
          ...plan.podAddresses.map((ip) => `route add ${ip}/${host} via ${plan.podLink.peer}`),
        ]);
        ipBatch(client, [
          addr(plan.extLink.peer, link, 'eth0'),
          ...plan.clientAddresses.map((ip) => addr(ip, host, 'eth0')),
          'link set eth0 up',
          neigh(plan.extLink.node, mac.nodeExt, 'eth0'),
          `route add default via ${plan.extLink.node}`,
        ]);
        ipBatch(pods, [
          addr(plan.podLink.peer, link, 'eth0'),
          ...plan.podAddresses.map((ip) => addr(ip, host, 'eth0')),
          'link set eth0 up',
          neigh(plan.podLink.node, mac.nodePod, 'eth0'),
          `route add default via ${plan.podLink.node}`,
        ]);
        if (plan.clientSnat.length > 0) {
          const rules = plan.clientSnat
            .map((r) => `    ${v6 ? 'ip6' : 'ip'} saddr ${r.from} snat to ${r.to}`)
            .join('\n');
          must(
            client,
            'nft',
            ['-f', '-'],
            `table ${v6 ? 'ip6' : 'ip'} ksvc_src {\n  chain post {\n    type nat hook postrouting priority srcnat; policy accept;\n${rules}\n  }\n}\n`,
          );
        }
        must(pods, 'nft', ['-f', '-'], SILENT_PODS);

        const t: Topology = {
          plan,
          node,
          client,
          pods,
          nsOf: (k) => (k === 'node' ? node : k === 'client' ? client : pods),
        };
        return body(t);
      }),
    ),
  );
}
