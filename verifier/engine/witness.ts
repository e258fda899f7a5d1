// From classes to packets people can read, and back: a witness packet chosen from a class by
// preference (issue 9 §4: the service's own address and port, a source from a range the rules or
// the model name, TCP before UDP before SCTP, a low ephemeral source port, a new connection
// without marks or affinity records), which class of a group reads best, and the one-packet class
// of a concrete packet (for explain). Every choice is deterministic. The class as readable
// conditions is class-text.ts.
import { formatIP, ipOf } from '../../common/ip.ts';
import type { Packet } from '../../compiler/ir/packet.ts';
import { dimSet, type PacketClass, withDim } from './box.ts';
import { contains, type IntervalSet, point, ranges } from './intervals.ts';
import {
  AFFINITY_BASE,
  addressAtom,
  affinityAbsentAtom,
  affinityAgeExample,
  affinityAtomOfAge,
  atomFirst,
  atomLast,
  CT_ATOMS,
  classDestinationLocal,
  DIM,
  interfaceAtomOf,
  interfaceExample,
  markAtomOf,
  markValueOfAtom,
  PATHS,
  type PacketSpace,
  PROTOS,
} from './space.ts';

// documentation addresses (RFC 5737, RFC 3849), then private ones; sources and destinations differ
const DOCUMENTATION = {
  src: {
    ipv4: ['203.0.113.7', '198.51.100.7', '192.0.2.7', '10.0.0.7', '172.16.0.7', '192.168.0.7'],
    ipv6: ['2001:db8::7', 'fd00::7'],
  },
  dst: {
    ipv4: ['192.0.2.10', '198.51.100.10', '203.0.113.10', '10.0.0.10', '172.16.0.10', '192.168.0.10'],
    ipv6: ['2001:db8::10', 'fd00::10'],
  },
} as const;
const LOOPBACK_V4: readonly [bigint, bigint] = [0x7f000000n, 0x7fffffffn];
const LOOPBACK_V6: readonly [bigint, bigint] = [1n, 1n];

const cmp = (x: bigint, y: bigint): number => (x < y ? -1 : x > y ? 1 : 0);

/** What the witness picker prefers: the addresses and blocks the rules and the model name. */
export interface WitnessHints {
  /** single addresses (service and node addresses, endpoints), ascending, loopback left out */
  singles: readonly bigint[];
  /** blocks (CIDRs, ranges), narrowest first; loopback and the whole space left out */
  blocks: readonly (readonly [bigint, bigint])[];
  /**
   * network and broadcast addresses of the named blocks of four or more, 0 and the last address, as
   * decimal text (V8 hashes a BigInt by its low 64 bits, shared by every IPv6 /64's network address)
   */
  edges: ReadonlySet<string>;
}

export const NO_HINTS: WitnessHints = { singles: [], blocks: [], edges: new Set() };

const loopbackOf = (space: PacketSpace) => (space.addresses.family === 'ipv4' ? LOOPBACK_V4 : LOOPBACK_V6);

/** Hints from every constant a participant names (and the node's addresses), built once per check. */
export function witnessHints(space: PacketSpace, named: Iterable<readonly [bigint, bigint]>): WitnessHints {
  const max = space.addresses.max;
  const [l0, l1] = loopbackOf(space);
  const singles: bigint[] = [];
  const blocks = new Map<string, readonly [bigint, bigint]>();
  const edges = new Set<string>(['0', `${max}`]);
  for (const [lo, hi] of named) {
    if (lo === hi) {
      if (lo < l0 || lo > l1) singles.push(lo);
      continue;
    }
    if (hi - lo >= 3n) edges.add(`${lo}`).add(`${hi}`);
    if ((lo === 0n && hi === max) || (lo === l0 && hi === l1)) continue;
    blocks.set(`${lo}-${hi}`, [lo, hi]);
  }
  return {
    singles: singles.sort(cmp).filter((v, i, all) => i === 0 || v !== all[i - 1]),
    blocks: [...blocks.values()].sort(([a, b], [c, d]) => cmp(b - a, d - c) || cmp(a, c)),
    edges,
  };
}

/**
 * The first address of the atom set inside [lo, hi] that is not an edge (network or broadcast
 * address), trying a few addresses per range; null when there is none. Binary search: a set can
 * hold thousands of ranges.
 */
function firstInside(
  space: PacketSpace,
  set: IntervalSet,
  lo: bigint,
  hi: bigint,
  edges: ReadonlySet<string>,
): bigint | null {
  const a = space.addresses;
  const loAtom = addressAtom(a, lo);
  let i = 0;
  let j = set.length / 2;
  while (i < j) {
    const m = (i + j) >> 1;
    if (set[2 * m + 1]! < loAtom) i = m + 1;
    else j = m;
  }
  for (let k = i; k < set.length / 2; k++) {
    const from = atomFirst(a, set[2 * k]!) > lo ? atomFirst(a, set[2 * k]!) : lo;
    const to = atomLast(a, set[2 * k + 1]!) < hi ? atomLast(a, set[2 * k + 1]!) : hi;
    if (from > hi) return null;
    for (let v = from, tries = 0; v <= to && tries < 8; v++, tries++) if (!edges.has(`${v}`)) return v;
  }
  return null;
}

/**
 * A destination: a node address (a NodePort's own), the only address of a one-atom set (a
 * service's own), a documentation address, a named single or block. A source: a host of a named
 * block (pod CIDR, source range), a documentation address, a node address, another named one; for a
 * packet generated on the node, a node address, then loopback, first.
 * Then loopback, then the first address that is no block's network or broadcast address.
 */
function pickAddress(
  space: PacketSpace,
  set: IntervalSet,
  hints: WitnessHints,
  role: 'src' | 'dst',
  generated = false,
): bigint {
  const a = space.addresses;
  const inSet = (v: bigint) => contains(set, addressAtom(a, v));
  const edges = hints.edges.size > 0 ? hints.edges : new Set(['0', `${a.max}`]);
  const local = (v: bigint) => contains(space.local, addressAtom(a, v));
  const singles = function* (nodeAddresses: boolean) {
    for (const v of hints.singles) if (local(v) === nodeAddresses && inSet(v)) yield v;
  };
  const inBlocks = function* () {
    for (const [lo, hi] of hints.blocks) {
      const v = firstInside(space, set, lo, hi, edges);
      if (v !== null) yield v;
    }
  };
  const documentation = function* () {
    for (const t of DOCUMENTATION[role][a.family]) {
      const v = ipOf(t).value;
      if (inSet(v)) yield v;
    }
  };
  const onlyAtom = set.length === 2 && set[0] === set[1] ? [atomFirst(a, set[0]!)] : [];
  // a packet generated on the node: its own address, or loopback, as such packets usually have
  // (the class may allow others: a raw socket's)
  const [l0, l1] = loopbackOf(space);
  const loopback = function* () {
    const v = firstInside(space, set, l0 + 1n, l1, edges);
    if (v !== null) yield v;
  };
  const order =
    role === 'dst'
      ? [singles(true), onlyAtom.filter((v) => !edges.has(`${v}`)), documentation(), singles(false), inBlocks()]
      : generated
        ? [singles(true), loopback(), inBlocks(), documentation(), singles(false)]
        : [inBlocks(), documentation(), singles(true), singles(false)];
  for (const candidates of order) for (const v of candidates) return v;
  return (
    firstInside(space, set, l0 + 1n, l1, edges) ?? firstInside(space, set, 0n, a.max, edges) ?? atomFirst(a, set[0]!)
  );
}

const EPHEMERAL: readonly [number, number] = [32768, 60999];

/** 40000 (explain's default), else the lowest ephemeral port, else the lowest unprivileged, else the lowest. */
function pickSourcePort(set: IntervalSet): number {
  if (contains(set, 40000)) return 40000;
  for (const [floor, ceil] of [EPHEMERAL, [1024, 65535], [1, 65535]] as const) {
    for (const [lo, hi] of ranges(set)) if (hi >= floor && lo <= ceil) return Math.max(lo, floor);
  }
  return set[0]!;
}

/** The only port, else a well-known service port, else the lowest non-zero one. */
function pickDestinationPort(set: IntervalSet): number {
  if (set.length === 2 && set[0] === set[1]) return set[0]!;
  for (const p of [80, 443, 8080, 53]) if (contains(set, p)) return p;
  for (const [lo, hi] of ranges(set)) if (hi >= 1) return Math.max(lo, 1);
  return set[0]!;
}

/** A readable packet of the class (see the file comment). */
export function witnessPacket(space: PacketSpace, cls: PacketClass, hints: WitnessHints = NO_HINTS): Packet {
  const d = (dim: number) => dimSet(space, cls, dim);
  const path = PATHS[d(DIM.path)[0]!]!;
  const protocol = PROTOS[d(DIM.proto)[0]!]!;
  const hasPorts = protocol === 'tcp' || protocol === 'udp' || protocol === 'sctp';
  const src = pickAddress(space, d(DIM.src), hints, 'src', path === 'local');
  const dst = pickAddress(space, d(DIM.dst), hints, 'dst');
  // an arriving packet: prefer an ordinary interface (none of the names the rules single out)
  const iifSet = d(DIM.iif);
  const other = space.interfaces.atoms.length - 1;
  const iif =
    path === 'local' ? null : interfaceExample(space.interfaces, contains(iifSet, other) ? other : iifSet[0]!);
  const ct = CT_ATOMS[d(DIM.ct)[0]!]!;
  const affinityAges: Record<string, number> = {};
  for (const [dim, set] of cls.affinity) {
    const dd = space.affinity[dim - AFFINITY_BASE]!;
    // a packet carries its source's records only; a destination-keyed list stays a condition of the region
    if (dd.key !== 'saddr') continue;
    const atom = contains(set, affinityAbsentAtom(dd)) ? affinityAbsentAtom(dd) : set[0]!;
    const age = affinityAgeExample(dd, atom);
    if (age !== null) affinityAges[dd.id] = age;
  }
  return {
    path,
    src: formatIP(space.family, src),
    dst: formatIP(space.family, dst),
    protocol,
    sport: hasPorts ? pickSourcePort(d(DIM.sport)) : 0,
    dport: hasPorts ? pickDestinationPort(d(DIM.dport)) : 0,
    inInterface: iif,
    mark: markValueOfAtom(space.marks, d(DIM.mark)[0]!),
    ct: { state: ct.state, dnat: ct.dnat },
    affinityAges,
  };
}

/**
 * Lower is easier to read, compared in order: an arriving packet, a new connection, no mark, no
 * affinity record, TCP before UDP before SCTP, a destination that need not be a local address, one destination address (a service's own; among classes that need a local destination,
 * the widest range, so the witness can be a node's own), one destination port, then the widest
 * range of sources (the counterexample preferences of docs/verifier.md).
 */
export function readabilityKey(space: PacketSpace, cls: PacketClass): number[] {
  let records = 0;
  for (const [dim, set] of cls.affinity) {
    if (!contains(set, affinityAbsentAtom(space.affinity[dim - AFFINITY_BASE]!))) records++;
  }
  const atoms = (set: IntervalSet) => {
    let n = 0;
    for (let i = 0; i < set.length; i += 2) n += set[i + 1]! - set[i]! + 1;
    return n;
  };
  const dst = cls.core[DIM.dst]!;
  const oneAddress =
    dst.length === 2 && dst[0] === dst[1] && atomFirst(space.addresses, dst[0]!) === atomLast(space.addresses, dst[0]!);
  const localDst = classDestinationLocal(space, cls) === true ? 1 : 0;
  const dport = cls.core[DIM.dport]!;
  return [
    cls.core[DIM.path]![0]!,
    cls.core[DIM.ct]![0]!,
    cls.core[DIM.mark]![0]!,
    records,
    cls.core[DIM.proto]![0]!,
    localDst,
    localDst ? -atoms(dst) : oneAddress ? 0 : 1,
    dport.length === 2 && dport[0] === dport[1] ? 0 : 1,
    -atoms(cls.core[DIM.src]!),
  ];
}

/** Is class `a` easier to read than class `b` (strictly)? */
export function moreReadable(space: PacketSpace, a: PacketClass, b: PacketClass): boolean {
  const ka = readabilityKey(space, a);
  const kb = readabilityKey(space, b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]!;
  return false;
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
  // every affinity list in one copy of the map: one withDim each copied it whole, quadratic in the
  // lists (5,000 at 10,000 services with 5 % affinity: 1.2 s a counterexample)
  const affinity = new Map(c.affinity);
  for (const [i, dd] of space.affinity.entries()) {
    if (dd.key !== 'saddr') continue;
    affinity.set(AFFINITY_BASE + i, point(affinityAtomOfAge(dd, p.affinityAges[dd.id] ?? null)));
  }
  return { core: c.core, affinity };
}
