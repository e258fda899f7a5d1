// Random packets for one IR program, drawn mostly from the values its rules care about: frontends
// (cluster, external and load-balancer IPs, ports, NodePorts, health-check ports), endpoints, node
// addresses, the edges of every CIDR it names (detector, source ranges, loopback), interfaces the
// detectors name, the masquerade mark, affinity ages around each timeout — plus random values.
// Every packet respects the `martians` assumption: an arriving packet has, for IPv4, a non-local
// source (for IPv6 any source but ::1), a locally generated one a local source (node address or
// loopback).
import fc from 'fast-check';
import { cidrOf, type Family, formatIP, type IPText, ipOf, parseIPStrict } from '../../common/ip.ts';
import { affinityListId, type CtState, type L4Protocol, type Packet } from '../../compiler/ir/packet.ts';
import type { IRLocalDetector, IRProgram } from '../../compiler/ir/types.ts';

const canonical = (family: Family, text: string): IPText => formatIP(family, ipOf(text).value);

/** The first and last address of a CIDR and their outside neighbours (when they exist). */
function edges(family: Family, cidr: string): IPText[] {
  const c = cidrOf(cidr);
  const max = (1n << (family === 'ipv4' ? 32n : 128n)) - 1n;
  const out = [c.first, c.last, c.first + 1n, c.first - 1n, c.last + 1n].filter((v) => v >= 0n && v <= max);
  return out.map((v) => formatIP(family, v));
}

const detectorCidrs = (d: IRLocalDetector): string[] => (d.kind === 'cidr' ? [d.cidr] : []);
const detectorInterfaces = (d: IRLocalDetector): string[] =>
  d.kind === 'interface' ? [d.name, `${d.name}0`] : d.kind === 'interfacePrefix' ? [d.prefix, `${d.prefix}12`] : [];

const CT: readonly { state: CtState; dnat: boolean }[] = [
  { state: 'new', dnat: false },
  { state: 'new', dnat: false },
  { state: 'new', dnat: false },
  { state: 'new', dnat: false },
  { state: 'new', dnat: false },
  { state: 'established', dnat: false },
  { state: 'established', dnat: true },
  { state: 'related', dnat: false },
  { state: 'related', dnat: true },
  { state: 'invalid', dnat: false },
  { state: 'untracked', dnat: false },
];

export interface PacketPools {
  local: IPText[];
  arrivingSources: IPText[];
  destinations: IPText[];
  ports: number[];
  interfaces: string[];
  affinity: { list: string; timeout: number }[];
  /** (destination, protocol, port) a service answers on: its frontends and NodePorts on local addresses */
  frontends: { dst: IPText; protocol: L4Protocol; dport: number }[];
}

export function packetPools(ir: IRProgram): PacketPools {
  const f = ir.family;
  // lo's broadcast address 127.255.255.255 is no local source (not LOCAL); it is a destination
  const loopback = f === 'ipv4' ? ['127.0.0.1', '127.0.0.0', '127.255.255.254', '127.3.4.5'] : ['::1'];
  const local = [...new Set([...ir.nodeIPs, ...loopback.map((a) => canonical(f, a))])];
  const all = new Set<IPText>();
  const add = (a: string) => all.add(canonical(f, a));
  if (f === 'ipv4') add('127.255.255.255');
  for (const ip of ir.nodeIPs) add(ip);
  add(ir.primaryNodeIP);
  for (const c of [
    f === 'ipv4' ? '127.0.0.0/8' : '::1/128',
    ...detectorCidrs(ir.localDetector),
    ...ir.servicePorts.flatMap((sp) => [...detectorCidrs(sp.localDetector), ...(sp.firewall?.sourceRanges ?? [])]),
  ]) {
    for (const a of edges(f, c)) add(a);
  }
  if (ir.nodePorts.kind === 'addresses') for (const a of ir.nodePorts.addresses) add(a);
  const ports = new Set<number>([0, 1, 80, 65535]);
  const frontends: PacketPools['frontends'] = [];
  for (const sp of ir.servicePorts) {
    for (const a of [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs]) {
      frontends.push({ dst: canonical(f, a), protocol: sp.protocol, dport: sp.port });
    }
    for (const p of [sp.nodePort, sp.healthCheckNodePort]) {
      if (p === null) continue;
      for (const a of local.slice(0, 3)) frontends.push({ dst: a, protocol: sp.protocol, dport: p });
    }
    for (const a of [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs]) add(a);
    for (const e of sp.endpoints) {
      add(e.ip);
      for (const a of edges(f, `${e.ip}/${f === 'ipv4' ? 32 : 128}`)) add(a);
      ports.add(e.port);
    }
    ports.add(sp.port);
    if (sp.nodePort !== null) ports.add(sp.nodePort);
    if (sp.healthCheckNodePort !== null) ports.add(sp.healthCheckNodePort);
  }
  const isLocal = (a: IPText) => local.includes(a) || (f === 'ipv4' && a.startsWith('127.'));
  const interfaces = new Set(['eth0', 'lo', ...detectorInterfaces(ir.localDetector)]);
  for (const sp of ir.servicePorts) for (const i of detectorInterfaces(sp.localDetector)) interfaces.add(i);
  const affinity = ir.servicePorts.flatMap((sp) =>
    sp.affinity
      ? sp.endpoints.map((e) => ({
          list: affinityListId(sp.servicePortName, sp.protocol, e.hostPort),
          timeout: sp.affinity!.timeoutSeconds,
        }))
      : [],
  );
  return {
    local,
    arrivingSources: [...all].filter((a) => (f === 'ipv4' ? !isLocal(a) : a !== '::1')),
    destinations: [...all],
    ports: [...ports],
    interfaces: [...interfaces],
    affinity,
    frontends,
  };
}

/** Packets for `ir` (see the file comment). */
export function modelPackets(ir: IRProgram): fc.Arbitrary<Packet> {
  const f = ir.family;
  const pools = packetPools(ir);
  // fast-check also writes IPv4-mapped IPv6 addresses (`::ffff:a:1ead`), which ksvc refuses as
  // addresses: drawn again (campaign seed 400012, IPv6, any participant × 2, stopped on one)
  const randomIP = (f === 'ipv4' ? fc.ipV4() : fc.ipV6())
    .filter((a) => parseIPStrict(a).ok)
    .map((a) => canonical(f, a));
  const pick = <T>(xs: readonly T[], random: fc.Arbitrary<T>) =>
    xs.length === 0
      ? random
      : fc.oneof({ arbitrary: fc.constantFrom(...xs), weight: 4 }, { arbitrary: random, weight: 1 });
  const isLocal = (a: string) => pools.local.includes(a as IPText) || (f === 'ipv4' && a.startsWith('127.'));
  const arrivingSrc = pick(pools.arrivingSources, randomIP).filter((a) => (f === 'ipv4' ? !isLocal(a) : a !== '::1'));
  const port = pick(pools.ports, fc.integer({ min: 0, max: 65535 }));
  const mark = fc.oneof(
    fc.constant(0),
    fc.constant(ir.masqueradeMark),
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.integer({ min: 0, max: 0xffffffff }).map((m) => (m | ir.masqueradeMark) >>> 0),
  );
  const ages = fc.tuple(
    ...pools.affinity.map(({ list, timeout }) =>
      fc.option(
        fc
          .oneof(fc.constantFrom(0, timeout - 1, timeout, timeout + 1), fc.integer({ min: 0, max: 2 * timeout + 2 }))
          .map((age) => [list, Math.max(0, age)] as const),
        { nil: null, freq: 2 },
      ),
    ),
  );
  const anywhere = fc.record({
    dst: pick(pools.destinations, randomIP),
    protocol: fc.constantFrom<L4Protocol>('tcp', 'tcp', 'udp', 'sctp', 'icmp', 'other'),
    dport: port,
  });
  const target =
    pools.frontends.length === 0
      ? anywhere
      : fc.oneof({ arbitrary: fc.constantFrom(...pools.frontends), weight: 3 }, { arbitrary: anywhere, weight: 2 });
  return (
    fc
      .record({
        local: fc.boolean(),
        localSrc: fc.constantFrom(...pools.local),
        arrivingSrc,
        target,
        sport: fc.oneof(fc.constant(40000), fc.integer({ min: 0, max: 65535 }), port),
        iif: pick(pools.interfaces, fc.constantFrom('eth1', 'wlan0', 'veth', 'cbr')),
        mark,
        ct: fc.constantFrom(...CT),
        ages,
      })
      // IPv6 drops a packet for ::1 arriving on an interface before netfilter: it is generated locally
      .map((r) => (f === 'ipv6' && r.target.dst === '::1' ? { ...r, local: true } : r))
      .map((r): Packet => {
        const { dst, protocol, dport } = r.target;
        const ports = protocol === 'tcp' || protocol === 'udp' || protocol === 'sctp';
        return {
          path: r.local ? 'local' : 'arriving',
          src: r.local ? r.localSrc : r.arrivingSrc,
          dst,
          protocol,
          sport: ports ? r.sport : 0,
          dport: ports ? dport : 0,
          inInterface: r.local ? null : r.iif,
          mark: r.mark,
          ct: r.ct,
          affinityAges: Object.fromEntries(r.ages.filter((a) => a !== null)),
        };
      })
  );
}
