// From classes to packets people can read, and back: a witness packet chosen from a class by
// preference (the service's own address and port, TCP before UDP, a documentation or pod source,
// a new connection without marks or affinity records), a readable description of a class as
// CIDRs and ranges, and the one-packet class of a concrete packet (for explain).
import { formatIP, ipOf } from '../../common/ip.ts';
import type { Packet } from '../../compiler/ir/packet.ts';
import { dimSet, type PacketClass, withDim } from './box.ts';
import { contains, type IntervalSet, point, ranges, subtract } from './intervals.ts';
import {
  AFFINITY_BASE,
  addressAtom,
  affinityAbsentAtom,
  affinityAgeExample,
  affinityAtomOfAge,
  atomFirst,
  atomLast,
  CT_ATOMS,
  DIM,
  interfaceAtomOf,
  interfaceExample,
  markAtomOf,
  markValueOfAtom,
  PATHS,
  type PacketSpace,
  PROTOS,
} from './space.ts';

const PREFERRED_V4 = ['203.0.113.7', '198.51.100.7', '192.0.2.7', '10.0.0.7', '172.16.0.7', '192.168.0.7'];
const PREFERRED_V6 = ['2001:db8::7', 'fd00::7'];

function pickAddress(space: PacketSpace, set: IntervalSet, preferred: readonly string[]): bigint {
  const a = space.addresses;
  for (const p of [...preferred, ...(space.addresses.family === 'ipv4' ? PREFERRED_V4 : PREFERRED_V6)]) {
    let v: bigint;
    try {
      v = ipOf(p).value;
    } catch {
      continue;
    }
    if ((p.includes(':') ? 'ipv6' : 'ipv4') !== a.family) continue;
    if (contains(set, addressAtom(a, v))) return v;
  }
  // the first atom's first address, avoiding the all-zero network address when it has more
  const lo = atomFirst(a, set[0]!);
  const hi = atomLast(a, set[0]!);
  return lo === 0n && hi > 0n ? lo + 1n : lo;
}

/** `preferredSources`: addresses to try first for the source (e.g. pod CIDR members, node IPs). */
export function witnessPacket(space: PacketSpace, cls: PacketClass, preferredSources: readonly string[] = []): Packet {
  const d = (dim: number) => dimSet(space, cls, dim);
  const path = PATHS[d(DIM.path)[0]!]!;
  const protocol = PROTOS[d(DIM.proto)[0]!]!;
  const hasPorts = protocol === 'tcp' || protocol === 'udp' || protocol === 'sctp';
  const src = pickAddress(space, d(DIM.src), preferredSources);
  const dst = pickAddress(space, d(DIM.dst), []);
  const sport = contains(d(DIM.sport), 40000) ? 40000 : d(DIM.sport)[0]!;
  // an arriving packet: prefer an ordinary interface (none of the names the rules single out)
  const iifSet = d(DIM.iif);
  const other = space.interfaces.atoms.length - 1;
  const iif =
    path === 'local' ? null : interfaceExample(space.interfaces, contains(iifSet, other) ? other : iifSet[0]!);
  const ct = CT_ATOMS[d(DIM.ct)[0]!]!;
  const affinityAges: Record<string, number> = {};
  for (const [dim, set] of cls.affinity) {
    const dd = space.affinity[dim - AFFINITY_BASE]!;
    const atom = contains(set, affinityAbsentAtom(dd)) ? affinityAbsentAtom(dd) : set[0]!;
    const age = affinityAgeExample(dd, atom);
    if (age !== null) affinityAges[dd.id] = age;
  }
  return {
    path,
    src: formatIP(space.family, src),
    dst: formatIP(space.family, dst),
    protocol,
    sport: hasPorts ? sport : 0,
    dport: hasPorts ? d(DIM.dport)[0]! : 0,
    inInterface: iif,
    mark: markValueOfAtom(space.marks, d(DIM.mark)[0]!),
    ct: { state: ct.state, dnat: ct.dnat },
    affinityAges,
  };
}

/** The class holding exactly one concrete packet. */
export function packetClass(space: PacketSpace, start: PacketClass, p: Packet): PacketClass {
  const a = space.addresses;
  let c = start;
  const set = (dim: number, s: IntervalSet) => {
    c = withDim(c, dim, s);
  };
  set(DIM.path, point(PATHS.indexOf(p.path)));
  set(DIM.proto, point(PROTOS.indexOf(p.protocol)));
  set(DIM.src, point(addressAtom(a, ipOf(p.src).value)));
  set(DIM.dst, point(addressAtom(a, ipOf(p.dst).value)));
  set(DIM.sport, point(p.sport));
  set(DIM.dport, point(p.dport));
  set(DIM.iif, point(interfaceAtomOf(space.interfaces, p.inInterface)));
  set(DIM.mark, point(markAtomOf(space.marks, p.mark)));
  set(
    DIM.ct,
    point(CT_ATOMS.findIndex((x) => x.state === p.ct.state && x.dnat === (p.ct.state !== 'new' && p.ct.dnat))),
  );
  for (const [i, dd] of space.affinity.entries()) {
    if (dd.key !== 'saddr') continue;
    set(AFFINITY_BASE + i, point(affinityAtomOfAge(dd, p.affinityAges[dd.id] ?? null)));
  }
  return c;
}

/** A minimal list of CIDRs covering [lo, hi]. */
export function rangeToCidrs(family: 'ipv4' | 'ipv6', lo: bigint, hi: bigint): string[] {
  const bits = family === 'ipv4' ? 32 : 128;
  const out: string[] = [];
  let cur = lo;
  while (cur <= hi) {
    let size = 0;
    while (size < bits) {
      const block = 1n << BigInt(size + 1);
      if (cur % block !== 0n || cur + block - 1n > hi) break;
      size++;
    }
    out.push(`${formatIP(family, cur)}/${bits - size}`);
    cur += 1n << BigInt(size);
  }
  return out;
}

function cidrList(space: PacketSpace, set: IntervalSet): string[] {
  const a = space.addresses;
  const cidrs: string[] = [];
  for (const [lo, hi] of ranges(set)) cidrs.push(...rangeToCidrs(a.family, atomFirst(a, lo), atomLast(a, hi)));
  return cidrs.map((c) => (c.endsWith('/32') || c.endsWith('/128') ? c.slice(0, c.lastIndexOf('/')) : c));
}

function addressSetText(space: PacketSpace, set: IntervalSet, within: IntervalSet, limit = 6): string {
  const show = (list: string[]) =>
    list.length > limit ? `${list.slice(0, limit).join(', ')}, … (${list.length} blocks)` : list.join(', ');
  const rest = subtract(within, set);
  if (rest.length === 0) return 'any';
  const inside = cidrList(space, set);
  const outside = cidrList(space, rest);
  return outside.length < inside.length ? `any except ${show(outside)}` : show(inside);
}

const numberSetText = (set: IntervalSet, all: number): string =>
  set.length === 2 && set[0] === 0 && set[1] === all
    ? 'any'
    : [...ranges(set)].map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`)).join(', ');

/** The class as readable conditions, only the dimensions it narrows. */
export function describeClass(space: PacketSpace, cls: PacketClass, universe: PacketClass): string[] {
  const lines: string[] = [];
  const narrowed = (dim: number) => {
    const a = dimSet(space, cls, dim);
    const b = dimSet(space, universe, dim);
    return a.length !== b.length || a.some((v, i) => v !== b[i]);
  };
  const names = (set: IntervalSet, f: (i: number) => string) =>
    [...ranges(set)].flatMap(([lo, hi]) => Array.from({ length: hi - lo + 1 }, (_, k) => f(lo + k))).join(', ');
  if (narrowed(DIM.path)) lines.push(`path: ${names(cls.core[DIM.path]!, (i) => PATHS[i]!)}`);
  if (narrowed(DIM.proto)) lines.push(`protocol: ${names(cls.core[DIM.proto]!, (i) => PROTOS[i]!)}`);
  lines.push(`destination: ${addressSetText(space, cls.core[DIM.dst]!, universe.core[DIM.dst]!)}`);
  if (narrowed(DIM.dport)) lines.push(`destination port: ${numberSetText(cls.core[DIM.dport]!, 65535)}`);
  lines.push(`source: ${addressSetText(space, cls.core[DIM.src]!, universe.core[DIM.src]!)}`);
  if (narrowed(DIM.sport)) lines.push(`source port: ${numberSetText(cls.core[DIM.sport]!, 65535)}`);
  if (narrowed(DIM.iif)) {
    lines.push(
      `input interface: ${names(cls.core[DIM.iif]!, (i) => {
        const at = space.interfaces.atoms[i]!;
        return at.kind === 'none'
          ? '(none: generated locally)'
          : at.kind === 'name'
            ? at.text
            : at.kind === 'prefix'
              ? `${at.text}*`
              : '(any other)';
      })}`,
    );
  }
  if (narrowed(DIM.mark))
    lines.push(`mark: ${names(cls.core[DIM.mark]!, (i) => `0x${markValueOfAtom(space.marks, i).toString(16)}`)}`);
  if (narrowed(DIM.ct))
    lines.push(
      `conntrack: ${names(cls.core[DIM.ct]!, (i) => `${CT_ATOMS[i]!.state}${CT_ATOMS[i]!.dnat ? '+dnat' : ''}`)}`,
    );
  for (const [dim, set] of cls.affinity) {
    const dd = space.affinity[dim - AFFINITY_BASE]!;
    const parts = [...ranges(set)]
      .flatMap(([lo, hi]) => Array.from({ length: hi - lo + 1 }, (_, k) => lo + k))
      .map((atom) => {
        if (atom === affinityAbsentAtom(dd)) return 'no record';
        const from = atom === 0 ? 0 : dd.cuts[atom - 1]!;
        const to = dd.cuts[atom];
        return to === undefined ? `a record ≥ ${from} s old` : `a record ${from}–${to} s old`;
      });
    lines.push(`affinity ${dd.id}: ${parts.join(' or ')}`);
  }
  return lines;
}
