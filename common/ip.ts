// IP address and CIDR parsing shared by every stage (and the only code the verifier may share with
// the backends besides the IR types). Two parsers exist on purpose:
//  - strict: what a .ksvc author may write (no octal-looking leading zeros, no short IPv4 forms,
//    no host bits in prefixes) — errors carry a suggestion;
//  - sloppy: what kube-proxy accepts from the API (Go's ParseIPSloppy / ParseCIDRSloppy: leading
//    zeros read as decimal, host bits masked), used by the Kubernetes import.
// Both return canonical text: IPv4 dotted decimal, IPv6 in RFC 5952 form (which is also what Go's
// net.IP.String() prints), so the same address always has the same bytes everywhere.

export type Family = 'ipv4' | 'ipv6';

/** A family as messages name it: IPv4, IPv6. */
export const familyName = (f: Family): string => (f === 'ipv4' ? 'IPv4' : 'IPv6');

/** A validated, canonical IP address text ("10.0.0.1", "fd00::1"). */
export type IPText = string & { readonly __brand: 'IPText' };
/** A validated, canonical CIDR text with no host bits ("10.0.0.0/8", "fd00:10::/64"). */
export type CIDRText = string & { readonly __brand: 'CIDRText' };

export interface ParsedIP {
  family: Family;
  text: IPText;
  /** The address as an unsigned integer (32 or 128 bits). */
  value: bigint;
}

export interface ParsedCIDR {
  family: Family;
  text: CIDRText;
  /** Canonical network address. */
  addr: IPText;
  prefix: number;
  /** First and last address of the block, inclusive. */
  first: bigint;
  last: bigint;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string; suggestion?: string };

const fail = (reason: string, suggestion?: string): { ok: false; reason: string; suggestion?: string } =>
  suggestion === undefined ? { ok: false, reason } : { ok: false, reason, suggestion };

export const familyBits = (f: Family): number => (f === 'ipv4' ? 32 : 128);

// ---------------------------------------------------------------------------------------------
// IPv4

function parseIPv4Parts(s: string, sloppy: boolean): ParseResult<number[]> {
  const parts = s.split('.');
  if (parts.length !== 4) {
    return fail(`IPv4 address needs four dot-separated numbers, found ${parts.length}`);
  }
  const out: number[] = [];
  for (const p of parts) {
    // Go's sloppy parser reads any number of leading zeros ("0000041" is 41)
    if (!(sloppy ? /^[0-9]+$/ : /^[0-9]{1,3}$/).test(p)) {
      return fail(`'${p}' is not a decimal number from 0 to 255`);
    }
    if (!sloppy && p.length > 1 && p[0] === '0') {
      return fail(`'${p}' has a leading zero (which some tools read as octal)`);
    }
    const n = Number(p);
    if (n > 255) return fail(`${n} is larger than 255`);
    out.push(n);
  }
  return { ok: true, value: out };
}

const v4Number = (parts: number[]): number =>
  ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
const v4Value = (parts: number[]): bigint => BigInt(v4Number(parts));

/**
 * The value of the canonical dotted-quad IPv4 text in src[s, e) — four parts of one to three digits,
 * no leading zero, each at most 255: what parseIPv4Parts(text, false) accepts — or -1 for anything
 * else, read character by character without allocating. The fast path of every reader of IPv4 text
 * (the checker, the verifier's readers and packet space: hundreds of thousands of addresses at
 * 10,000 services, where splitting and matching each part cost a second).
 */
export function canonicalIPv4At(src: string, s = 0, e = src.length): number {
  let value = 0;
  let part = -1;
  let dots = 0;
  for (let i = s; i < e; i++) {
    const c = src.charCodeAt(i);
    if (c === 46 /* . */) {
      if (part < 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = -1;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (part === 0) return -1; // a leading zero
      part = part < 0 ? c - 48 : part * 10 + (c - 48);
      if (part > 255) return -1;
    } else return -1;
  }
  return dots === 3 && part >= 0 ? value * 256 + part : -1;
}

/** A strict IPv4 address's value as a number (no BigInt, no canonical text), or null for anything else. */
export function ipv4Number(s: string): number | null {
  const v = canonicalIPv4At(s);
  return v < 0 ? null : v;
}

function formatIPv4(value: bigint): string {
  const n = Number(value);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

// ---------------------------------------------------------------------------------------------
// IPv6

function parseIPv6Value(s: string, sloppy: boolean): ParseResult<bigint> {
  if (s.length > 45) return fail('too long for an IPv6 address');
  let groups: string[];
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return fail("'::' may appear only once");
  let tailV4: number[] | null = null;
  let body = s;
  // An embedded IPv4 tail ("::ffff:1.2.3.4") counts as two groups.
  const lastColon = body.lastIndexOf(':');
  if (body.slice(lastColon + 1).includes('.')) {
    const v4 = parseIPv4Parts(body.slice(lastColon + 1), sloppy);
    if (!v4.ok) return v4;
    tailV4 = v4.value;
    body = `${body.slice(0, lastColon + 1)}0:0`;
  }
  const want = 8;
  if (dbl >= 0) {
    const [head, tail] = [body.slice(0, body.indexOf('::')), body.slice(body.indexOf('::') + 2)];
    const h = head === '' ? [] : head.split(':');
    const t = tail === '' ? [] : tail.split(':');
    if (h.length + t.length > want - 1) return fail("too many groups around '::'");
    groups = [...h, ...Array<string>(want - h.length - t.length).fill('0'), ...t];
  } else {
    groups = body.split(':');
    if (groups.length !== want) return fail(`IPv6 address needs eight groups, found ${groups.length}`);
  }
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return fail(`'${g}' is not a group of 1 to 4 hex digits`);
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4) v = (v & ~0xffffffffn) | v4Value(tailV4);
  return { ok: true, value: v };
}

function formatIPv6(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // Longest run of at least two zero groups, the first one on a tie (RFC 5952, Go's net.IP).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

const isV4Mapped = (v: bigint): boolean => v >> 32n === 0xffffn;

// ---------------------------------------------------------------------------------------------
// Public API

/** The canonical text of an address value. */
export function formatIP(family: Family, value: bigint): IPText {
  return (family === 'ipv4' ? formatIPv4(value) : formatIPv6(value)) as IPText;
}

function parseIPWith(s: string, sloppy: boolean): ParseResult<ParsedIP> {
  if (s.length === 0) return fail('empty address');
  if (s.includes(':')) {
    const r = parseIPv6Value(s, sloppy);
    if (!r.ok) return r;
    if (isV4Mapped(r.value)) {
      const v4 = formatIPv4(r.value & 0xffffffffn);
      if (sloppy) return { ok: true, value: { family: 'ipv4', text: v4 as IPText, value: r.value & 0xffffffffn } };
      return fail('IPv4-mapped IPv6 addresses are not allowed', v4);
    }
    const text = formatIP('ipv6', r.value);
    return { ok: true, value: { family: 'ipv6', text, value: r.value } };
  }
  const r = parseIPv4Parts(s, sloppy);
  if (!r.ok) {
    // Offer the sloppy reading when it exists ("010.0.0.1" -> "10.0.0.1").
    const again = sloppy ? null : parseIPv4Parts(s, true);
    return again?.ok ? fail(r.reason, again.value.join('.')) : r;
  }
  const value = v4Value(r.value);
  return { ok: true, value: { family: 'ipv4', text: formatIP('ipv4', value), value } };
}

/** Parse an address as a .ksvc author must write it. */
export const parseIPStrict = (s: string): ParseResult<ParsedIP> => parseIPWith(s, false);
/** Parse an address as kube-proxy reads the API (Go ParseIPSloppy: leading zeros are decimal). */
export const parseIPSloppy = (s: string): ParseResult<ParsedIP> => parseIPWith(s, true);

function parseCIDRWith(s: string, sloppy: boolean): ParseResult<ParsedCIDR> {
  const slash = s.indexOf('/');
  if (slash < 0) return fail('a CIDR needs a prefix length ("/24")');
  const addrText = s.slice(0, slash);
  const ip = parseIPWith(addrText, sloppy);
  if (!ip.ok) return ip;
  const lenText = s.slice(slash + 1);
  // an IPv4-mapped address (sloppy only) is 128 bits long in a CIDR, as in Go's ParseCIDR
  const mapped = ip.value.family === 'ipv4' && addrText.includes(':');
  const bits = mapped ? 128 : familyBits(ip.value.family);
  // Go's sloppy parser reads any number of leading zeros ("/0024" is /24)
  if (!(sloppy ? /^[0-9]+$/ : /^[0-9]{1,3}$/).test(lenText) || (!sloppy && lenText.length > 1 && lenText[0] === '0')) {
    return fail(`prefix length '${lenText}' is not a decimal number from 0 to ${bits}`);
  }
  const prefix = Number(lenText);
  if (prefix > bits) return fail(`prefix length ${prefix} is larger than ${bits}`);
  if (mapped) return { ok: true, value: mappedCIDR(ip.value.value | (0xffffn << 32n), prefix) };
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  const first = ip.value.value & ~hostMask;
  const addr = formatIP(ip.value.family, first);
  const text = `${addr}/${prefix}` as CIDRText;
  if (!sloppy && first !== ip.value.value) {
    return fail(`${s} has host bits set below the /${prefix} prefix`, text);
  }
  return { ok: true, value: { family: ip.value.family, text, addr, prefix, first, last: first | hostMask } };
}

/**
 * An IPv4-mapped address with a 128-bit prefix, as kube-proxy reads it (ParseCIDRSloppy, then the
 * family of the masked address): at /96 or longer the network is still mapped, so it is the IPv4
 * CIDR of the last 32 bits (`::ffff:10.0.0.0/104` is 10.0.0.0/8); shorter, the mask clears the
 * ffff and it is an IPv6 CIDR (`::ffff:10.0.0.0/8` is ::/8).
 */
function mappedCIDR(value: bigint, prefix: number): ParsedCIDR {
  const family: Family = prefix >= 96 ? 'ipv4' : 'ipv6';
  const bits = family === 'ipv4' ? 32 : 128;
  const length = family === 'ipv4' ? prefix - 96 : prefix;
  const hostMask = (1n << BigInt(bits - length)) - 1n;
  const first = (family === 'ipv4' ? value & 0xffffffffn : value) & ~hostMask;
  const addr = formatIP(family, first);
  return { family, text: `${addr}/${length}` as CIDRText, addr, prefix: length, first, last: first | hostMask };
}

/** Parse a CIDR as a .ksvc author must write it (host bits must be zero). */
export const parseCIDRStrict = (s: string): ParseResult<ParsedCIDR> => parseCIDRWith(s, false);
/** Parse a CIDR as kube-proxy reads the API (leading zeros allowed, host bits masked). */
export const parseCIDRSloppy = (s: string): ParseResult<ParsedCIDR> => parseCIDRWith(s, true);

/** Parse text that is already canonical (from the model or IR); throws on a programming error. */
export function ipOf(text: string): ParsedIP {
  const r = parseIPWith(text, false);
  if (!r.ok) throw new Error(`internal: not a canonical IP: ${text}`);
  return r.value;
}

/** ipOf(text).value, without making the canonical text: an IPv4 address as a number first. */
export function ipValueOf(text: string): bigint {
  const v4 = ipv4Number(text);
  return v4 !== null ? BigInt(v4) : ipOf(text).value;
}

export function cidrOf(text: string): ParsedCIDR {
  const r = parseCIDRWith(text, false);
  if (!r.ok) throw new Error(`internal: not a canonical CIDR: ${text}`);
  return r.value;
}

export const familyOf = (text: string): Family => (text.includes(':') ? 'ipv6' : 'ipv4');

export function cidrContains(cidr: ParsedCIDR, ip: ParsedIP): boolean {
  return cidr.family === ip.family && ip.value >= cidr.first && ip.value <= cidr.last;
}

/** Go's net.JoinHostPort: "10.0.0.1:80", "[fd00::1]:80". */
export const joinHostPort = (ip: string, port: number): string =>
  ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;

/** The host route of an address: "/32" or "/128". */
export const hostPrefix = (family: Family): number => familyBits(family);

/** The loopback block of a family: 127.0.0.0/8 or ::1/128. */
export const loopbackCIDR = (family: Family): CIDRText => (family === 'ipv4' ? '127.0.0.0/8' : '::1/128') as CIDRText;

/**
 * lo's broadcast address (IPv4 only): in the loopback block but not LOCAL — the kernel's local
 * table types it `broadcast`, so `addrtype LOCAL` and `fib daddr type local` do not hold for it.
 */
export const loopbackBroadcast = (family: Family): IPText | null =>
  family === 'ipv4' ? ('127.255.255.255' as IPText) : null;

/** The LOCAL part of the loopback block, as values: 127.0.0.0–127.255.255.254, or ::1. */
export function loopbackLocalRange(family: Family): { first: bigint; last: bigint } {
  const block = cidrOf(loopbackCIDR(family));
  const broadcast = loopbackBroadcast(family);
  return { first: block.first, last: broadcast === null ? block.last : ipOf(broadcast).value - 1n };
}
