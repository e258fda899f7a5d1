// The packet space: every dimension a rule can test, each over a small integer domain. Addresses
// are compressed to "atoms" — the maximal address ranges no constant of any program splits — so a
// class is a few integer ranges per dimension however large the address space is.
import { type Family, familyBits, formatIP, ipOf, ipv4Number } from '../../common/ip.ts';
import type { CtState, L4Protocol } from '../../compiler/ir/packet.ts';
import type { PacketClass } from './box.ts';
import { fromRanges, type IntervalSet, isSubset, overlaps, range } from './intervals.ts';
import { UnsupportedRuleset } from './unsupported.ts';

/** Core dimensions, in the order a class lists them. Affinity dimensions follow (AFFINITY_BASE + i). */
export const DIM = {
  path: 0,
  proto: 1,
  src: 2,
  dst: 3,
  sport: 4,
  dport: 5,
  iif: 6,
  mark: 7,
  ct: 8,
  /** universal mode only: "the source/destination is a local address" as a free fact */
  srcLocal: 9,
  dstLocal: 10,
} as const;
export const CORE_DIMS = 11;
export const AFFINITY_BASE = CORE_DIMS;

export const PATHS = ['arriving', 'local'] as const;
export const PROTOS: readonly L4Protocol[] = ['tcp', 'udp', 'sctp', 'icmp', 'other'];
export const protoAtom = (p: L4Protocol): number => PROTOS.indexOf(p);
/** Port dimensions are only meaningful for these atoms (tcp, udp, sctp). */
export const PORT_PROTOS: IntervalSet = range(0, 2);

/** conntrack atoms: state, and for established/related whether the connection was DNATed. */
export const CT_ATOMS: readonly { state: CtState; dnat: boolean }[] = [
  { state: 'new', dnat: false },
  { state: 'established', dnat: false },
  { state: 'established', dnat: true },
  { state: 'related', dnat: false },
  { state: 'related', dnat: true },
  { state: 'invalid', dnat: false },
  { state: 'untracked', dnat: false },
];
export const CT_NEW: IntervalSet = range(0, 0);

/** Address atoms: atom i covers [cuts[i], cuts[i+1] − 1] (the last one up to the family's maximum). */
export interface AddressAtoms {
  family: Family;
  cuts: readonly bigint[];
  max: bigint;
  /** IPv4: the cuts as doubles (exact below 2^53), searched without BigInt comparisons */
  cuts4: Float64Array | null;
  /** address text → atom, filled as texts are looked up (the same addresses recur in every rule) */
  byText: Map<string, number>;
}

export function buildAddressAtoms(family: Family, ranges: Iterable<readonly [bigint, bigint]>): AddressAtoms {
  const max = (1n << BigInt(familyBits(family))) - 1n;
  if (family === 'ipv4') return ipv4Atoms(ranges, max);
  // sorted, then each value once: not a Set<bigint>, which V8 hashes by the low 64 bits only — pod
  // addresses numbered ::1, ::2 … in thousands of /64s all collide (a review: quadratic)
  const bounds: bigint[] = [0n];
  for (const [lo, hi] of ranges) {
    bounds.push(lo);
    if (hi < max) bounds.push(hi + 1n);
  }
  bounds.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const cuts = bounds.filter((v, i) => i === 0 || v !== bounds[i - 1]);
  return { family, cuts, max, cuts4: null, byText: new Map() };
}

/** IPv4 bounds fit doubles exactly: sort them as a typed array (BigInt sets and compares cost ten times more). */
function ipv4Atoms(ranges: Iterable<readonly [bigint, bigint]>, max: bigint): AddressAtoms {
  let bounds = new Float64Array(1024);
  let n = 1; // bounds[0] = 0
  const push = (v: number) => {
    if (n === bounds.length) {
      const grown = new Float64Array(2 * n);
      grown.set(bounds);
      bounds = grown;
    }
    bounds[n++] = v;
  };
  for (const [lo, hi] of ranges) {
    push(Number(lo));
    if (hi < max) push(Number(hi) + 1);
  }
  const sorted = bounds.subarray(0, n).sort();
  let k = 0;
  for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[k - 1]) sorted[k++] = sorted[i]!;
  const cuts4 = sorted.slice(0, k);
  const cuts = Array.from(cuts4, (v) => BigInt(v));
  return { family: 'ipv4', cuts, max, cuts4, byText: new Map() };
}

export function addressAtom(a: AddressAtoms, addr: bigint): number {
  return a.cuts4 ? atomOfValue(a.cuts4, Number(addr)) : atomOfValue(a.cuts, addr);
}

/** The atom holding `v`: the last cut at most `v` (cuts ascend from the family's lowest value). */
function atomOfValue<T extends number | bigint>(c: ArrayLike<T>, v: T): number {
  let lo = 0;
  let hi = c.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (c[mid]! <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The atom of an IPv4 address given as a number (ipv4Number), without BigInt or a text lookup. */
export function ipv4AddressAtom(a: AddressAtoms, v: number): number {
  if (!a.cuts4) throw new Error('ipv4AddressAtom: not an IPv4 space');
  return atomOfValue(a.cuts4, v);
}

/** The atom of an address written as text (parsed once per text). */
export function addressAtomOf(a: AddressAtoms, text: string): number {
  let atom = a.byText.get(text);
  if (atom === undefined) {
    // IPv4 without BigInt (a hundred thousand endpoint addresses); anything else, ipOf (or its error)
    const v4 = a.cuts4 ? ipv4Number(text) : null;
    atom = v4 !== null ? atomOfValue(a.cuts4!, v4) : addressAtom(a, ipOf(text).value);
    a.byText.set(text, atom);
  }
  return atom;
}

/** The atoms covering [lo, hi]; exact when lo and hi+1 were among the constants the atoms were built from. */
export const addressRangeAtoms = (a: AddressAtoms, lo: bigint, hi: bigint): IntervalSet =>
  range(addressAtom(a, lo), addressAtom(a, hi));

export const atomFirst = (a: AddressAtoms, atom: number): bigint => a.cuts[atom]!;
export const atomLast = (a: AddressAtoms, atom: number): bigint =>
  atom + 1 < a.cuts.length ? a.cuts[atom + 1]! - 1n : a.max;
export const addressText = (a: AddressAtoms, v: bigint): string => formatIP(a.family, v);

/**
 * Interface atoms. Atom 0: no input interface (locally generated). Then one atom per literal name,
 * one per prefix ("a name starting with P that is none of the above and starts with no longer
 * prefix"), and a last atom for every other name.
 */
export interface InterfaceAtoms {
  atoms: readonly { kind: 'none' | 'name' | 'prefix' | 'other'; text: string }[];
}

export function buildInterfaceAtoms(names: Iterable<string>, prefixes: Iterable<string>): InterfaceAtoms {
  const atoms: { kind: 'none' | 'name' | 'prefix' | 'other'; text: string }[] = [{ kind: 'none', text: '' }];
  for (const n of [...new Set(names)].sort()) atoms.push({ kind: 'name', text: n });
  for (const p of [...new Set(prefixes)].sort()) atoms.push({ kind: 'prefix', text: p });
  atoms.push({ kind: 'other', text: '' });
  return { atoms };
}

/** Atoms of the names an interface test accepts (`prefix`: names starting with `name`). */
export function interfaceAtoms(ifs: InterfaceAtoms, name: string, prefix: boolean): number[] {
  const out: number[] = [];
  ifs.atoms.forEach((a, i) => {
    if (a.kind === 'name' && (prefix ? a.text.startsWith(name) : a.text === name)) out.push(i);
    if (a.kind === 'prefix' && prefix && a.text.startsWith(name)) out.push(i);
  });
  return out;
}

/** Which atom a concrete interface name falls in. */
export function interfaceAtomOf(ifs: InterfaceAtoms, name: string | null): number {
  if (name === null) return 0;
  let best = -1;
  let bestLen = -1;
  for (const [i, a] of ifs.atoms.entries()) {
    if (a.kind === 'name' && a.text === name) return i;
    if (a.kind === 'prefix' && name.startsWith(a.text) && a.text.length > bestLen) {
      best = i;
      bestLen = a.text.length;
    }
  }
  return best >= 0 ? best : ifs.atoms.length - 1;
}

/**
 * Whether a class's destinations are local addresses: true, false, or null when some are and some
 * not. By the dstLocal dimension in universal mode, by the node's own addresses in concrete mode.
 */
export function classDestinationLocal(space: PacketSpace, cls: PacketClass): boolean | null {
  if (space.mode === 'universal') {
    const set = cls.core[DIM.dstLocal]!;
    return set.length === 2 && set[0] === set[1] ? set[0] === 1 : null;
  }
  const dst = cls.core[DIM.dst]!;
  return isSubset(dst, space.local) ? true : overlaps(dst, space.local) ? null : false;
}

/**
 * The names an atom stands for, for reports: a prefix atom is its prefix less the names and longer
 * prefixes that have atoms of their own (`vet*` in a space with `veth*` is "vet* except veth*");
 * those `shownBeside` (in the same report) are not repeated.
 */
export function interfaceAtomText(ifs: InterfaceAtoms, atom: number, shownBeside: (atom: number) => boolean): string {
  const a = ifs.atoms[atom]!;
  if (a.kind === 'none') return '(none: generated locally)';
  if (a.kind === 'name') return a.text;
  if (a.kind === 'other') return '(any other)';
  const taken = ifs.atoms
    .map((b, j) => ({ b, j }))
    .filter(({ b, j }) => j !== atom && b.kind !== 'none' && b.kind !== 'other' && b.text.startsWith(a.text))
    .filter(({ j }) => !shownBeside(j));
  // a name under a longer prefix listed already is not listed again (veth0 under veth*)
  const under = (b: { kind: string; text: string }) =>
    taken.some(({ b: p }) => p !== b && p.kind === 'prefix' && b.text.startsWith(p.text));
  const own = taken.filter(({ b }) => !under(b)).map(({ b }) => (b.kind === 'prefix' ? `${b.text}*` : b.text));
  return own.length === 0 ? `${a.text}*` : `${a.text}* except ${own.join(', ')}`;
}

/** A name that lies in the atom (for witnesses). */
export function interfaceExample(ifs: InterfaceAtoms, atom: number): string | null {
  const a = ifs.atoms[atom]!;
  if (a.kind === 'none') return null;
  if (a.kind === 'name') return a.text;
  const taken = (n: string) => interfaceAtomOf(ifs, n) !== atom;
  // readable names first; for "any other", bases a rule's prefix may cover (`eth+` covers every
  // ethN, and ethx too: a witness there was no witness), then short names none covers
  const bases = a.kind === 'prefix' ? [a.text] : ['eth', 'ens', 'enp', 'bond', 'if'];
  for (const base of bases) {
    for (let i = 0; i < 1000; i++) {
      const n = `${base}${i}`.slice(0, 15);
      if (!taken(n)) return n;
    }
  }
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  for (const c1 of chars) {
    if (!taken(c1)) return c1;
    for (const c2 of chars) if (!taken(c1 + c2)) return c1 + c2;
  }
  return `${bases[0]}x`; // only when every name of one or two characters is another atom's
}

/** Mark dimension: the values of the mark's relevant bits, bit j of an atom = bit markBits[j]. */
export interface MarkBits {
  bits: readonly number[];
}

/** Mark bits the packet space splits on: a class per combination, 2^12 at most. */
export const MAX_MARK_BITS = 12;

/**
 * The mark bits the packet space splits on: those the rules test or change, and, when some write
 * sets the whole mark, one bit that stands for all the others. Such a write clears every bit no
 * rule otherwise touches; every other write (or, xor, and) keeps them all, since the bits an `and`
 * clears are its touched bits (steps.ts markBitsOf). So those bits behave alike under every rule,
 * and the lowest of them is their sound and complete representative: observing it observes a
 * clear of any (docs/verifier.md `owned-mark-bits`).
 */
export function markBitsOfSpace(touched: number, clearsOthers: boolean): number {
  if (!clearsOthers) return touched >>> 0;
  for (let b = 0; b < 32; b++) if (((touched >>> b) & 1) === 0) return (touched | (1 << b)) >>> 0;
  return touched >>> 0;
}

export function buildMarkBits(masks: Iterable<number>): MarkBits {
  let all = 0;
  for (const m of masks) all |= m;
  const bits: number[] = [];
  for (let b = 0; b < 32; b++) if ((all >>> b) & 1) bits.push(b);
  if (bits.length > MAX_MARK_BITS) {
    throw new UnsupportedRuleset(
      `the rules test or set ${bits.length} mark bits (0x${(all >>> 0).toString(16).padStart(8, '0')}); the verifier splits on at most ${MAX_MARK_BITS}`,
    );
  }
  return { bits };
}

/** Atoms whose mark satisfies (mark & mask) == value, restricted to the relevant bits. */
export function markAtoms(mb: MarkBits, mask: number, value: number): number[] {
  const out: number[] = [];
  for (let atom = 0; atom < 1 << mb.bits.length; atom++) {
    let ok = true;
    for (const [j, b] of mb.bits.entries()) {
      if (((mask >>> b) & 1) === 0) continue;
      if (((atom >>> j) & 1) !== ((value >>> b) & 1)) ok = false;
    }
    // bits of the mask outside the relevant bits cannot be tested: the builder includes every tested mask
    if (ok) out.push(atom);
  }
  return out;
}

const markSets = new WeakMap<PacketSpace, Map<string, IntervalSet>>();

/**
 * markAtoms as a dimension set, cached per space. Through fromRanges: atoms that differ only in
 * bits the test leaves free are adjacent, and an interval set never holds adjacent ranges (the
 * subset test relies on it: [0,1] is not inside [0,0, 1,1] by its ranges).
 */
export function markSet(space: PacketSpace, mask: number, value: number): IntervalSet {
  let cache = markSets.get(space);
  if (!cache) {
    cache = new Map();
    markSets.set(space, cache);
  }
  const k = `${mask} ${value}`;
  let v = cache.get(k);
  if (!v) {
    v = fromRanges(markAtoms(space.marks, mask, value).map((a) => [a, a] as const));
    cache.set(k, v);
  }
  return v;
}

export const markValueOfAtom = (mb: MarkBits, atom: number): number => {
  let v = 0;
  for (const [j, b] of mb.bits.entries()) if ((atom >>> j) & 1) v |= 1 << b;
  return v >>> 0;
};

export function markAtomOf(mb: MarkBits, mark: number): number {
  let atom = 0;
  for (const [j, b] of mb.bits.entries()) if ((mark >>> b) & 1) atom |= 1 << j;
  return atom;
}

/**
 * One affinity dimension: the age of this packet's `key` address's record in list `id`. Atoms:
 * ages [0, cuts[0]−1], [cuts[0], cuts[1]−1], …, [cuts[last], ∞), then "no record".
 */
export interface AffinityDim {
  id: string;
  key: 'saddr' | 'daddr';
  cuts: readonly number[];
}

export const affinityAbsentAtom = (d: AffinityDim): number => d.cuts.length + 1;
/** Atoms of "a record younger than t seconds". */
export const affinityFreshAtoms = (d: AffinityDim, t: number): IntervalSet => {
  const i = d.cuts.indexOf(t);
  if (i < 0) throw new Error(`affinity timeout ${t} not registered for ${d.id}`);
  return range(0, i);
};
/** An age (whole seconds) inside the atom, for witnesses; null for "no record". */
export const affinityAgeExample = (d: AffinityDim, atom: number): number | null =>
  atom === affinityAbsentAtom(d) ? null : atom === 0 ? 0 : d.cuts[atom - 1]!;
export const affinityAtomOfAge = (d: AffinityDim, age: number | null): number => {
  if (age === null) return affinityAbsentAtom(d);
  let i = 0;
  while (i < d.cuts.length && age >= d.cuts[i]!) i++;
  return i;
};

export interface PacketSpace {
  family: Family;
  /** 'concrete': locality follows `local` (the node's addresses); 'universal': a free fact per packet. */
  mode: 'concrete' | 'universal';
  addresses: AddressAtoms;
  /** concrete mode: the address atoms that are local (node addresses and loopback) */
  local: IntervalSet;
  interfaces: InterfaceAtoms;
  marks: MarkBits;
  affinity: readonly AffinityDim[];
  affinityIndex: ReadonlyMap<string, number>;
}

export const affinityKey = (id: string, key: 'saddr' | 'daddr'): string => `${key} ${id}`;

/** The full domain of every dimension (the universe of packets). */
export function domainOf(space: PacketSpace, dim: number): IntervalSet {
  switch (dim) {
    case DIM.path:
      return range(0, 1);
    case DIM.proto:
      return range(0, PROTOS.length - 1);
    case DIM.src:
    case DIM.dst:
      return range(0, space.addresses.cuts.length - 1);
    case DIM.sport:
    case DIM.dport:
      return range(0, 65535);
    case DIM.iif:
      return range(0, space.interfaces.atoms.length - 1);
    case DIM.mark:
      return range(0, (1 << space.marks.bits.length) - 1);
    case DIM.ct:
      return range(0, CT_ATOMS.length - 1);
    case DIM.srcLocal:
    case DIM.dstLocal:
      return space.mode === 'universal' ? range(0, 1) : range(0, 0);
    default: {
      const d = space.affinity[dim - AFFINITY_BASE];
      if (!d) throw new Error(`no dimension ${dim}`);
      return range(0, affinityAbsentAtom(d));
    }
  }
}
