// What a packet is, and the questions one may ask about it: the vocabulary shared by the IR's
// reference evaluator (evaluate.ts), `ksvc explain` and the verifier. The evaluator never reads a
// packet's fields directly; it asks a PacketView. A concrete view answers from one packet; the
// verifier's symbolic view answers for a whole class of packets and splits the class when the
// answer is not the same for all of them. That is how one evaluator serves both (docs/ir.md §7.4).
import { type CIDRText, cidrOf, type IPText, ipOf, type ParsedCIDR, type ParsedIP } from '../../common/ip.ts';
import type { Protocol } from '../../common/kubernetes.ts';

/** Where a packet meets netfilter: from a network interface (PREROUTING) or generated on the node (OUTPUT). */
export type PacketPath = 'arriving' | 'local';

/** conntrack's view of the packet (iptables `--ctstate`, nft `ct state`). */
export type CtState = 'new' | 'established' | 'related' | 'invalid' | 'untracked';
export const CT_STATES: readonly CtState[] = ['new', 'established', 'related', 'invalid', 'untracked'];

/** The layer-4 protocol. `icmp` is ICMP for IPv4 and ICMPv6 for IPv6; `other` is every other protocol number. */
export type L4Protocol = Protocol | 'icmp' | 'other';
export const L4_PROTOCOLS: readonly L4Protocol[] = ['tcp', 'udp', 'sctp', 'icmp', 'other'];
export const hasPorts = (p: L4Protocol): p is Protocol => p === 'tcp' || p === 'udp' || p === 'sctp';

/**
 * The identity of one session-affinity record list: the records kube-proxy keeps for one
 * endpoint of one service port (iptables: `-m recent --name KUBE-SEP-…`; nft: an affinity set).
 * Written `<servicePortName>/<protocol>/<endpoint hostPort>`, e.g. `ns/web:http/tcp/10.0.0.1:80`.
 */
export type AffinityListId = string;
export const affinityListId = (servicePortName: string, protocol: Protocol, hostPort: string): AffinityListId =>
  `${servicePortName}/${protocol}/${hostPort}`;

/** One concrete packet: the first packet of a connection unless `ct.state` says otherwise. */
export interface Packet {
  path: PacketPath;
  src: IPText;
  dst: IPText;
  protocol: L4Protocol;
  /** Ports; 0 for a protocol without ports. */
  sport: number;
  dport: number;
  /** The interface it arrived on; null on the local path. */
  inInterface: string | null;
  /** The skb mark on entry (u32). */
  mark: number;
  /** conntrack state; `dnat` = the connection's ct status has DST_NAT (meaningful when state ≠ new). */
  ct: { state: CtState; dnat: boolean };
  /**
   * Session-affinity state for this packet's source: list id → age in whole seconds of the record
   * (a record `a` seconds old was written between a and a+1 seconds ago). Absent = no record.
   */
  affinityAges: Readonly<Record<AffinityListId, number>>;
}

/** A yes/no question about a packet. Addresses and ports are exact values, CIDRs cover ranges. */
export type PacketTest =
  | { kind: 'path'; path: PacketPath }
  | { kind: 'protocol'; protocol: L4Protocol }
  /** the source / destination address lies in `cidr` (a single address is a /32 or /128) */
  | { kind: 'src'; cidr: CIDRText }
  | { kind: 'dst'; cidr: CIDRText }
  /** the port equals `port` (only asked of tcp/udp/sctp packets) */
  | { kind: 'sport'; port: number }
  | { kind: 'dport'; port: number }
  /** arrived on interface `name` (prefix: on an interface whose name starts with `name`); false on the local path */
  | { kind: 'inInterface'; name: string; prefix: boolean }
  /** (mark & mask) == value */
  | { kind: 'mark'; mask: number; value: number }
  | { kind: 'ctState'; state: CtState }
  /**
   * ct status has DST_NAT. The reference evaluator never asks it (for new packets nat decides it;
   * the only rule reading it exempts established and related ones, docs/ir.md §3.6); an artifact's
   * `ct status dnat` may.
   */
  | { kind: 'ctDnat' }
  /** a record for this source exists in `list` and is younger than `timeoutSeconds` (age < timeoutSeconds) */
  | { kind: 'affinityFresh'; list: AffinityListId; timeoutSeconds: number };

/** The packet fields an exact-key table is keyed on, in key order. */
export type KeyField = 'dst' | 'protocol' | 'dport';

/**
 * A table looked up by exact packet field values, e.g. frontends by (dst, protocol, dport) or
 * NodePorts by (protocol, dport). Keys are the field values in `fields` order; build with keyTable.
 */
export interface KeyTable<T> {
  fields: readonly KeyField[];
  entries: ReadonlyArray<{ key: readonly (string | number)[]; value: T }>;
  /** keyString(key) → value */
  index: ReadonlyMap<string, T>;
}

export const keyString = (key: readonly (string | number)[]): string => key.join(' ');

/** Build a KeyTable; the first entry for a key wins (callers add in priority order). */
export function keyTable<T>(
  fields: readonly KeyField[],
  entries: Iterable<{ key: readonly (string | number)[]; value: T }>,
): KeyTable<T> {
  const list: { key: readonly (string | number)[]; value: T }[] = [];
  const index = new Map<string, T>();
  for (const e of entries) {
    const k = keyString(e.key);
    if (index.has(k)) continue;
    index.set(k, e.value);
    list.push(e);
  }
  return { fields, entries: list, index };
}

/** How an evaluator sees a packet. */
export interface PacketView {
  test(t: PacketTest): boolean;
  /** The value whose key equals the packet's fields, or undefined. */
  lookup<T>(table: KeyTable<T>): T | undefined;
}

/** Does `ip` (canonical text) lie in `cidr` (canonical text)? */
export type CidrMatcher = (cidr: CIDRText, ip: IPText) => boolean;

// Parsed forms of the few hundred distinct texts an evaluation meets (bounded, so a long run
// over many addresses cannot grow it without limit).
const parsedCidrs = new Map<string, ParsedCIDR>();
const parsedIPs = new Map<string, ParsedIP>();
function cached<T>(cache: Map<string, T>, text: string, parse: (s: string) => T): T {
  let v = cache.get(text);
  if (v === undefined) {
    if (cache.size >= 4096) cache.clear();
    cache.set(text, (v = parse(text)));
  }
  return v;
}

/** The CidrMatcher over canonical texts (compiler/ir and common/ip.ts spell addresses one way). */
export const inCidr = (cidr: string, ip: string): boolean => {
  const c = cached(parsedCidrs, cidr, cidrOf);
  const a = cached(parsedIPs, ip, ipOf);
  return c.family === a.family && a.value >= c.first && a.value <= c.last;
};

/** A view that answers from one concrete packet (addresses compared by `matcher`, default inCidr). */
export function concreteView(p: Packet, matcher: CidrMatcher = inCidr): PacketView {
  const fieldValue = (f: KeyField): string | number => (f === 'dst' ? p.dst : f === 'protocol' ? p.protocol : p.dport);
  // The packet's key per field list (tables share a few field-list arrays): spelled once per view.
  const keys: { fields: readonly KeyField[]; key: string | null }[] = [];
  const keyOf = (fields: readonly KeyField[]): string | null => {
    for (const k of keys) if (k.fields === fields) return k.key;
    const key = fields.includes('dport') && !hasPorts(p.protocol) ? null : keyString(fields.map(fieldValue));
    keys.push({ fields, key });
    return key;
  };
  return {
    test(t) {
      switch (t.kind) {
        case 'path':
          return p.path === t.path;
        case 'protocol':
          return p.protocol === t.protocol;
        case 'src':
          return matcher(t.cidr, p.src);
        case 'dst':
          return matcher(t.cidr, p.dst);
        case 'sport':
          return hasPorts(p.protocol) && p.sport === t.port;
        case 'dport':
          return hasPorts(p.protocol) && p.dport === t.port;
        case 'inInterface':
          return p.inInterface !== null && (t.prefix ? p.inInterface.startsWith(t.name) : p.inInterface === t.name);
        case 'mark':
          return (p.mark & t.mask) >>> 0 === t.value >>> 0;
        case 'ctState':
          return p.ct.state === t.state;
        case 'ctDnat':
          return p.ct.dnat;
        case 'affinityFresh': {
          const age = p.affinityAges[t.list];
          return age !== undefined && age < t.timeoutSeconds;
        }
      }
    },
    lookup(table) {
      const key = keyOf(table.fields);
      return key === null ? undefined : table.index.get(key);
    },
  };
}
