// The packet a library caller gives explainPacket, checked as the CLI checks its flags: an address
// of the other family was explained as if it were one of this family (an IPv6 source got DNAT
// outcomes), an address that is none threw "internal: not a canonical IP", a port of 70000 or a
// protocol 'gre' was taken as given.
import { type Family, parseIPStrict } from '../common/ip.ts';
import { isInterfaceName } from '../common/name-validation.ts';
import {
  CT_STATES,
  type CtState,
  L4_PROTOCOLS,
  type L4Protocol,
  type Packet,
  type PacketPath,
} from '../compiler/ir/packet.ts';

/** A packet as a caller writes it: addresses as text, conntrack and affinity state optional. */
export interface PacketInput {
  path: PacketPath;
  src: string;
  dst: string;
  protocol: L4Protocol;
  /** 0 for a protocol without ports */
  sport: number;
  dport: number;
  /** the interface it arrived on; null on the local path */
  inInterface: string | null;
  /** the mark on entry, 0 to 0xffffffff */
  mark: number;
  /** default: a new connection */
  ct?: { state: CtState; dnat: boolean };
  /** affinity list id -> age in whole seconds of this source's record (default: none) */
  affinityAges?: Readonly<Record<string, number>>;
}

const isPort = (n: unknown) => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 65535;

/** The packet with canonical addresses and its defaults, or why it is not one of `family`. */
export function packetOf(p: PacketInput, family: Family): { packet: Packet } | { reason: string } {
  if (p.path !== 'arriving' && p.path !== 'local') return { reason: `path is 'arriving' or 'local', not '${p.path}'` };
  const addresses = [];
  for (const [name, text] of [
    ['src', p.src],
    ['dst', p.dst],
  ] as const) {
    const ip = typeof text === 'string' ? parseIPStrict(text) : null;
    if (ip === null || !ip.ok) return { reason: `${name} '${String(text)}' is not an IP address` };
    if (ip.value.family !== family) return { reason: `${name} ${text} is not an ${family} address` };
    addresses.push(ip.value.text);
  }
  if (!L4_PROTOCOLS.includes(p.protocol)) return { reason: `protocol is one of ${L4_PROTOCOLS.join(', ')}` };
  const ported = p.protocol === 'tcp' || p.protocol === 'udp' || p.protocol === 'sctp';
  if (!isPort(p.sport) || !isPort(p.dport)) return { reason: 'sport and dport are numbers from 0 to 65535' };
  if (!ported && (p.sport !== 0 || p.dport !== 0))
    return { reason: `${p.protocol} has no ports: sport and dport are 0` };
  if (!Number.isInteger(p.mark) || p.mark < 0 || p.mark > 0xffffffff)
    return { reason: 'mark is a number from 0 to 0xffffffff' };
  if (p.path === 'local' && p.inInterface !== null)
    return { reason: 'a local packet arrives on no interface (inInterface null)' };
  if (p.path === 'arriving' && (typeof p.inInterface !== 'string' || !isInterfaceName(p.inInterface)))
    return { reason: 'an arriving packet names its inInterface: 1 to 15 bytes, no /, : or space' };
  const ct = p.ct ?? { state: 'new', dnat: false };
  if (!CT_STATES.includes(ct.state) || typeof ct.dnat !== 'boolean' || (ct.dnat && ct.state === 'new')) {
    return { reason: `ct.state is one of ${CT_STATES.join(', ')}, and ct.dnat a boolean (false for a new one)` };
  }
  const ages = p.affinityAges ?? {};
  if (Object.values(ages).some((a) => !Number.isInteger(a) || a < 0))
    return { reason: 'affinity ages are whole seconds, 0 or more' };
  const [src, dst] = addresses as [Packet['src'], Packet['dst']];
  return { packet: { ...p, src, dst, ct, affinityAges: ages } };
}
