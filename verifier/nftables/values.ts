// Constants as libnftables JSON writes them, read into the model's values: addresses (text, integer
// or hex, as nft 1.0.6 lists a masked constant), prefixes and ranges, ports, protocols (by name or
// number, mapped onto the model's five protocol classes only when that is exact), interface names
// with `*` wildcards, conntrack states, marks and plain integers.
import { canonicalIPv4At, type Family, familyBits, parseIPSloppy } from '../../common/ip.ts';
import { CT_STATES, type CtState, L4_PROTOCOLS, type L4Protocol } from '../../compiler/ir/packet.ts';
import type { AddressRange, NumberRange } from '../model/program.ts';

/** A value that could not be read: what it was and what was expected (for nft-bad-value). */
export interface BadValue {
  bad: { value: string; expected: string };
}
export type Read<T> = { ok: T } | BadValue;
export const isBad = <T>(r: Read<T>): r is BadValue => 'bad' in r;

const bad = (value: unknown, expected: string): BadValue => ({ bad: { value: JSON.stringify(value), expected } });

/** An unsigned integer of `bits` bits: a JSON integer, a decimal string or a 0x hex string. */
export function readUnsigned(v: unknown, bits: number, expected: string): Read<bigint> {
  let n: bigint | null = null;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) n = BigInt(v);
  else if (typeof v === 'string' && /^(0|[1-9][0-9]*|0x[0-9a-fA-F]+)$/.test(v)) n = BigInt(v);
  // nft reads a string of octal digits with a leading zero as octal (refused, said so)
  else if (typeof v === 'string' && /^0[0-7]+$/.test(v))
    return bad(v, `${expected} without a leading zero (nft reads ${v} as octal ${Number.parseInt(v, 8)})`);
  if (n === null || n >= 1n << BigInt(bits)) return bad(v, expected);
  return { ok: n };
}

const addrExpected = (family: Family): string => (family === 'ipv4' ? 'an IPv4 address' : 'an IPv6 address');

/** One address of `family`: text, or the integer / hex form nft lists for a typed constant. */
export function readAddress(v: unknown, family: Family): Read<bigint> {
  if (family === 'ipv4' && typeof v === 'string') {
    const n = canonicalIPv4At(v);
    if (n >= 0) return { ok: BigInt(n) };
  }
  if (typeof v === 'string' && (v.includes('.') || v.includes(':')) && !v.startsWith('0x')) {
    // nft reads a dotted quad as inet_aton does: an octet with a leading zero is octal (10.064.2.5
    // is 10.52.2.5), where the sloppy parser, as Kubernetes, reads decimal: refused, not guessed
    const quad = v.slice(v.lastIndexOf(':') + 1);
    if (quad.includes('.') && /(?:^|\.)0[0-9]/.test(quad)) {
      return bad(v, `${addrExpected(family)} without leading zeros (nft reads 010 as octal 8)`);
    }
    const p = parseIPSloppy(v);
    if (!p.ok) return bad(v, addrExpected(family));
    // An IPv4-mapped IPv6 address is an IPv6 address in an ip6 table (the parser gives its IPv4 part).
    if (family === 'ipv6' && p.value.family === 'ipv4' && v.includes(':'))
      return { ok: (0xffffn << 32n) | p.value.value };
    if (p.value.family !== family) return bad(v, addrExpected(family));
    return { ok: p.value.value };
  }
  return readUnsigned(v, familyBits(family), addrExpected(family));
}

/** An address, a prefix object or a range object, as an inclusive range. */
export function readAddressRange(v: unknown, family: Family): Read<AddressRange> {
  const bits = BigInt(familyBits(family));
  if (isObject(v) && 'prefix' in v) {
    const p = v.prefix as { addr: unknown; len: number };
    if (p.len > Number(bits)) return bad(v, `a prefix of at most ${bits} bits`);
    const a = readAddress(p.addr, family);
    if (isBad(a)) return a;
    const host = (1n << (bits - BigInt(p.len))) - 1n;
    const first = a.ok & ~host;
    return { ok: [first, first | host] };
  }
  if (isObject(v) && 'range' in v) {
    const [lo, hi] = v.range as [unknown, unknown];
    const a = readAddress(lo, family);
    if (isBad(a)) return a;
    const b = readAddress(hi, family);
    if (isBad(b)) return b;
    if (a.ok > b.ok) return bad(v, 'a range whose first address is not above its last');
    return { ok: [a.ok, b.ok] };
  }
  const a = readAddress(v, family);
  return isBad(a) ? a : { ok: [a.ok, a.ok] };
}

/** A number or a range object of `bits`-bit numbers, as an inclusive range. */
export function readNumberRange(v: unknown, bits: number, expected: string): Read<NumberRange> {
  if (isObject(v) && 'range' in v) {
    const [lo, hi] = v.range as [unknown, unknown];
    const a = readUnsigned(lo, bits, expected);
    if (isBad(a)) return a;
    const b = readUnsigned(hi, bits, expected);
    if (isBad(b)) return b;
    if (a.ok > b.ok) return bad(v, `${expected} range whose start is not above its end`);
    return { ok: [Number(a.ok), Number(b.ok)] };
  }
  const a = readUnsigned(v, bits, expected);
  return isBad(a) ? a : { ok: [Number(a.ok), Number(a.ok)] };
}

export const readPortRange = (v: unknown): Read<NumberRange> => readNumberRange(v, 16, 'a port number (0-65535)');

// ---- protocols ----------------------------------------------------------------------------

const PROTOCOL_NAMES: Record<string, number> = { tcp: 6, udp: 17, sctp: 132, icmp: 1, 'ipv6-icmp': 58, icmpv6: 58 };

/** The protocol number a model protocol class stands for, per family (icmp is ICMPv6 for IPv6). */
const classNumber = (p: Exclude<L4Protocol, 'other'>, family: Family): number =>
  p === 'icmp' ? (family === 'ipv4' ? 1 : 58) : PROTOCOL_NAMES[p]!;

/** Protocol numbers: a name, a number, or a range of them. */
export function readProtocolNumbers(v: unknown): Read<NumberRange> {
  const one = (x: unknown): Read<number> => {
    if (typeof x === 'string' && x in PROTOCOL_NAMES) return { ok: PROTOCOL_NAMES[x]! };
    const n = readUnsigned(x, 8, 'a protocol (tcp, udp, sctp, icmp, ipv6-icmp or a number 0-255)');
    return isBad(n) ? n : { ok: Number(n.ok) };
  };
  if (isObject(v) && 'range' in v) {
    const [lo, hi] = v.range as [unknown, unknown];
    const a = one(lo);
    if (isBad(a)) return a;
    const b = one(hi);
    if (isBad(b)) return b;
    if (a.ok > b.ok) return bad(v, 'a protocol range whose start is not above its end');
    return { ok: [a.ok, b.ok] };
  }
  const a = one(v);
  return isBad(a) ? a : { ok: [a.ok, a.ok] };
}

/**
 * The model's protocol classes holding exactly the protocol numbers in `ranges`, or null when no
 * set of classes does (the class `other` is all 251 remaining numbers at once, so e.g. GRE alone,
 * or ICMP in an ip6 table, cannot be written).
 */
export function protocolClasses(ranges: readonly NumberRange[], family: Family): L4Protocol[] | null {
  const has = (n: number): boolean => ranges.some(([a, b]) => a <= n && n <= b);
  const named = L4_PROTOCOLS.filter((p): p is Exclude<L4Protocol, 'other'> => p !== 'other');
  const numbers = new Set(named.map((p) => classNumber(p, family)));
  let others = 0;
  if (ranges.every(([a, b]) => a === b)) {
    others = new Set(ranges.map(([a]) => a).filter((n) => !numbers.has(n))).size;
  } else {
    for (let n = 0; n < 256; n++) if (!numbers.has(n) && has(n)) others++;
  }
  const otherCount = 256 - numbers.size;
  if (others !== 0 && others !== otherCount) return null;
  const out: L4Protocol[] = named.filter((p) => has(classNumber(p, family)));
  if (others === otherCount) out.push('other');
  return out;
}

// ---- interface names ---------------------------------------------------------------------

/**
 * An iifname/oifname value: a trailing unescaped `*` makes it a prefix; `\*` and `\\` are a
 * literal star and backslash. An empty name or prefix is refused: it also matches packets that have
 * no such interface (nft compares an empty name), which the model's interface test does not.
 */
export function readIfname(v: unknown): Read<{ name: string; prefix: boolean }> {
  if (typeof v !== 'string') return bad(v, 'an interface name');
  // nft refuses more than 15 characters, a trailing '*' included ("String exceeds maximum length of 16")
  if (v.length > 15) return bad(v, 'an interface name or prefix of at most 15 characters, a trailing * included');
  // `NAME\*` is the exact name `NAME*`; any other backslash nft keeps or drops by rules of its own
  // (a name ending in \* loses every backslash, elsewhere they stay), which the model does not follow
  const escapedStar = /^[^\\]*\\\*$/.test(v);
  if (!escapedStar && v.includes('\\')) return bad(v, "an interface name without backslashes (but a final '\\*')");
  const prefix = !escapedStar && v.endsWith('*');
  const name = escapedStar ? `${v.slice(0, -2)}*` : prefix ? v.slice(0, -1) : v;
  if (name.length === 0) return bad(v, 'a non-empty interface name or prefix');
  return { ok: { name, prefix } };
}

// ---- conntrack, marks ----------------------------------------------------------------------

export function readCtState(v: unknown): Read<CtState> {
  if (typeof v === 'string' && (CT_STATES as readonly string[]).includes(v)) return { ok: v as CtState };
  return bad(v, `a conntrack state (${CT_STATES.join(', ')})`);
}

/** The ct status bit the model knows: DST_NAT (IPS_DST_NAT, 0x20). */
export const CT_STATUS_DNAT = 0x20;
export function readCtStatusDnat(v: unknown): Read<true> {
  return v === 'dnat' ? { ok: true } : bad(v, "the ct status flag 'dnat'");
}

/** Every bit of the mark: a plain value compares all of them. */
export const WHOLE_MARK = 0xffffffff;

/**
 * What a mark is compared with, as (mask, value): a 32-bit value (every bit), or a prefix — how
 * `nft list` prints `meta mark & M == V` when M is a run of leading bits (a masquerade bit of 31:
 * `meta mark & 0x80000000 == 0` lists as `0/1`), whose top `len` bits are compared. A prefix with
 * address bits below it is how nft lists such a test whose V has bits outside M (the kernel holds
 * `& 0x80000000 == 1`, which never matches, and lists it as `1/1`): read so when `listed` (the
 * caller's listing, whose prefix stands for the whole test), refused otherwise (nft 1.0.6 loads
 * the command `== 1/1` as `== 0/1`, measured: a listing and a command would mean two things).
 */
export function readMarkOperand(v: unknown, listed = false): Read<{ mask: number; value: number }> {
  if (!isObject(v) || !isObject(v.prefix)) {
    const n = readUnsigned(v, 32, 'a 32-bit mark');
    return isBad(n) ? n : { ok: { mask: WHOLE_MARK, value: Number(n.ok) } };
  }
  const { addr, len } = v.prefix;
  const expected = `a 32-bit mark prefix (addr, len 0-32${listed ? '' : ', no bits of addr below the prefix'})`;
  const a = readUnsigned(addr, 32, expected);
  if (isBad(a) || typeof len !== 'number' || !Number.isInteger(len) || len < 0 || len > 32) return bad(v, expected);
  const mask = len === 0 ? 0 : (WHOLE_MARK << (32 - len)) >>> 0;
  const value = Number(a.ok);
  return !listed && (value & ~mask) >>> 0 !== 0 ? bad(v, expected) : { ok: { mask, value } };
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Sort and merge overlapping or adjacent ranges (canonical form, so equal sets print equal). */
export function mergeRanges<T extends number | bigint>(ranges: readonly (readonly [T, T])[]): [T, T][] {
  const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [T, T][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    // adjacent: last[1] + 1 >= a
    if (last && (typeof a === 'bigint' ? (last[1] as bigint) + 1n >= a : (last[1] as number) + 1 >= (a as number))) {
      if (b > last[1]) last[1] = b;
    } else out.push([a, b]);
  }
  return out;
}
