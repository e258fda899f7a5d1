// A class as conditions people can read (explain, counterexamples): each dimension it narrows, an
// address set in the fewest blocks (CIDRs, `any except`, one CIDR `except` its holes), port ranges,
// states, affinity records by age. Apart from witness.ts, which picks one packet of a class; this
// describes the whole class.
import { formatIP } from '../../common/ip.ts';
import { dimSet, type PacketClass } from './box.ts';
import { contains, type IntervalSet, ranges, subtract } from './intervals.ts';
import {
  AFFINITY_BASE,
  type AffinityDim,
  affinityAbsentAtom,
  atomFirst,
  atomLast,
  CT_ATOMS,
  DIM,
  interfaceAtomText,
  markValueOfAtom,
  PATHS,
  type PacketSpace,
  PROTOS,
} from './space.ts';

/** "no record", "a record 0–10800 s old" (younger than 10800 s), "a record ≥ 10800 s old". */
export function affinityAtomText(d: AffinityDim, atom: number): string {
  if (atom === affinityAbsentAtom(d)) return 'no record';
  const from = atom === 0 ? 0 : d.cuts[atom - 1]!;
  const to = d.cuts[atom];
  return to === undefined ? `a record ≥ ${from} s old` : `a record ${from}–${to} s old`;
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

type AddressRange = readonly [bigint, bigint];

const addressRanges = (space: PacketSpace, set: IntervalSet): AddressRange[] =>
  [...ranges(set)].map(([lo, hi]) => [atomFirst(space.addresses, lo), atomLast(space.addresses, hi)] as const);

/**
 * Ranges as blocks: one that takes one or two CIDRs as those, a longer one as `first-last`
 * (127.0.0.0/8 without its last address is 24 CIDRs but one range).
 */
function blockList(family: 'ipv4' | 'ipv6', list: readonly AddressRange[]): string[] {
  const blocks: string[] = [];
  for (const [first, last] of list) {
    const cidrs = rangeToCidrs(family, first, last);
    if (cidrs.length <= 2) blocks.push(...cidrs.map(bareHost));
    else blocks.push(`${formatIP(family, first)}-${formatIP(family, last)}`);
  }
  return blocks;
}

const bareHost = (c: string): string => (c.endsWith('/32') || c.endsWith('/128') ? c.slice(0, c.lastIndexOf('/')) : c);

/** How hard a list of blocks is to read: a range counts twice. */
const blocksCost = (blocks: readonly string[]): number => blocks.reduce((n, b) => n + (b.includes('-') ? 2 : 1), 0);

/** The smallest CIDR holding [first, last], as its bounds. */
function coveringCidr(family: 'ipv4' | 'ipv6', first: bigint, last: bigint): AddressRange {
  const bits = BigInt(family === 'ipv4' ? 32 : 128);
  let host = 0n;
  while (host < bits && first >> host !== last >> host) host++;
  const base = (first >> host) << host;
  return [base, base + (1n << host) - 1n];
}

/** What of [lo, hi] the sorted, disjoint ranges leave out. */
function gapsWithin(lo: bigint, hi: bigint, list: readonly AddressRange[]): AddressRange[] {
  const gaps: AddressRange[] = [];
  let at = lo;
  for (const [first, last] of list) {
    if (first > at) gaps.push([at, first - 1n]);
    at = last + 1n;
  }
  if (at <= hi) gaps.push([at, hi]);
  return gaps;
}

/**
 * An address set in the fewest blocks of three forms: the blocks it holds, `any except` the
 * blocks it lacks, or one CIDR `except` its holes ("10.64.0.0/16 except 10.64.1.30").
 */
function addressSetText(space: PacketSpace, set: IntervalSet, within: IntervalSet, limit = 6): string {
  const show = (list: string[]) =>
    list.length > limit ? `${list.slice(0, limit).join(', ')}, … (${list.length} blocks)` : list.join(', ');
  const rest = subtract(within, set);
  if (rest.length === 0) return 'any';
  const family = space.addresses.family;
  const held = addressRanges(space, set);
  const inside = blockList(family, held);
  const outside = blockList(family, addressRanges(space, rest));
  let best = { cost: blocksCost(inside), text: show(inside) };
  if (blocksCost(outside) < best.cost) best = { cost: blocksCost(outside), text: `any except ${show(outside)}` };
  if (held.length >= 2) {
    const [lo, hi] = coveringCidr(family, held[0]![0], held.at(-1)![1]);
    const holes = blockList(family, gapsWithin(lo, hi, held));
    const cidr = rangeToCidrs(family, lo, hi)[0]!;
    if (1 + blocksCost(holes) < best.cost)
      best = { cost: 1 + blocksCost(holes), text: `${cidr} except ${show(holes)}` };
  }
  return best.text;
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
      `input interface: ${names(cls.core[DIM.iif]!, (i) =>
        interfaceAtomText(space.interfaces, i, (j) => contains(cls.core[DIM.iif]!, j)),
      )}`,
    );
  }
  if (narrowed(DIM.mark))
    lines.push(`mark: ${names(cls.core[DIM.mark]!, (i) => `0x${markValueOfAtom(space.marks, i).toString(16)}`)}`);
  if (narrowed(DIM.ct))
    lines.push(
      `conntrack: ${names(cls.core[DIM.ct]!, (i) => `${CT_ATOMS[i]!.state}${CT_ATOMS[i]!.dnat ? '+dnat' : ''}`)}`,
    );
  const local = (set: IntervalSet) => (set[0] === 1 ? 'yes' : 'no');
  if (narrowed(DIM.srcLocal)) lines.push(`source is a local address: ${local(cls.core[DIM.srcLocal]!)}`);
  if (narrowed(DIM.dstLocal)) lines.push(`destination is a local address: ${local(cls.core[DIM.dstLocal]!)}`);
  for (const [dim, set] of cls.affinity) {
    const dd = space.affinity[dim - AFFINITY_BASE]!;
    const parts = [...ranges(set)]
      .flatMap(([lo, hi]) => Array.from({ length: hi - lo + 1 }, (_, k) => lo + k))
      .map((atom) => affinityAtomText(dd, atom));
    lines.push(`affinity ${dd.id}${dd.key === 'saddr' ? '' : " (the destination's record)"}: ${parts.join(' or ')}`);
  }
  return lines;
}
