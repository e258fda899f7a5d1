// Values of iptables options, read exactly as iptables reads them, or refused: ports and port
// lists, u32 numbers and marks, interface names, protocols, conntrack states, probabilities, REJECT
// kinds and DNAT targets (addresses: address-values.ts). Each parser returns the value or says why
// not, and whether iptables itself would refuse it ("invalid") or the model cannot express it
// ("unsupported": value-results.ts).
import { canonicalIPv4At, type Family, formatIP } from '../../common/ip.ts';
import type { Rational } from '../../compiler/ir/outcome.ts';
import type { CtState, L4Protocol } from '../../compiler/ir/packet.ts';
import type { NumberRange } from '../model/program.ts';
import { parseHost } from './address-values.ts';
import { invalid, LEADING_ZERO, leadingZero, ok, type Parsed, unsupported } from './value-results.ts';

export { ipv4Range, isAllOnesMask, type ParsedAddress, parseAddress } from './address-values.ts';
export type { Parsed } from './value-results.ts';

// ---- numbers --------------------------------------------------------------------------------

/** An unsigned number as strtoul(…, 0) reads it: 0x hex, leading-0 octal, else decimal. */
export function parseUnsigned(text: string, max: number): Parsed<number> {
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) n = Number.parseInt(text.slice(2), 16);
  else if (/^0[0-7]*$/.test(text)) n = Number.parseInt(text, 8);
  else if (/^[1-9][0-9]*$/.test(text)) n = Number(text);
  else return invalid('not a number');
  if (!Number.isSafeInteger(n) || n > max) return invalid(`larger than ${max}`);
  return ok(n);
}

const U32 = 0xffffffff;

/** `VALUE[/MASK]` (mark match, MARK --set-xmark/--set-mark); the mask defaults to all ones. */
export function parseMarkMask(text: string): Parsed<{ value: number; mask: number }> {
  const slash = text.indexOf('/');
  const v = parseUnsigned(slash < 0 ? text : text.slice(0, slash), U32);
  if (!v.ok) return v;
  if (slash < 0) return ok({ value: v.value, mask: U32 });
  const m = parseUnsigned(text.slice(slash + 1), U32);
  if (!m.ok) return m;
  return ok({ value: v.value, mask: m.value });
}

const decimalPort = (text: string): Parsed<number> => {
  if (LEADING_ZERO.test(text)) return leadingZero('a port');
  if (!/^[0-9]{1,5}$/.test(text)) {
    return /^[A-Za-z]/.test(text)
      ? unsupported('a service name; iptables would look it up in /etc/services (iptables-save prints numbers)')
      : invalid('not a port number');
  }
  const n = Number(text);
  return n > 65535 ? invalid('a port is at most 65535') : ok(n);
};

/** 1 to 5 decimal digits in src[s, e), no leading zero, as a number, or -1. */
function digitsAt(src: string, s: number, e: number): number {
  if (e - s < 1 || e - s > 5) return -1;
  if (e - s > 1 && src.charCodeAt(s) === 48 /* 0 */) return -1; // the slow path refuses it
  let n = 0;
  for (let i = s; i < e; i++) {
    const c = src.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + c - 48;
  }
  return n;
}

/**
 * parsePortRange's common cases without allocating: a valid PORT, LO:HI, :HI or LO: in src[s, e)
 * as LO * 65536 + HI, or -1 for anything else (parsePortRange then accepts or explains it).
 */
export function fastPortRangeAt(src: string, s: number, e: number): number {
  let colon = -1;
  for (let i = s; i < e; i++) {
    if (src.charCodeAt(i) === 58 /* : */) {
      colon = i;
      break;
    }
  }
  const lo = colon < 0 ? digitsAt(src, s, e) : colon === s ? 0 : digitsAt(src, s, colon);
  const hi = colon < 0 ? lo : colon + 1 === e ? 65535 : digitsAt(src, colon + 1, e);
  if (lo < 0 || hi < 0 || hi > 65535 || lo > hi) return -1;
  return lo * 65536 + hi;
}

/** `PORT`, `LO:HI`, `:HI`, `LO:` (tcp/udp/sctp --dport/--sport). */
export function parsePortRange(text: string): Parsed<NumberRange> {
  const colon = text.indexOf(':');
  if (colon < 0) {
    const p = decimalPort(text);
    return p.ok ? ok([p.value, p.value] as const) : p;
  }
  const loText = text.slice(0, colon);
  const hiText = text.slice(colon + 1);
  const lo = loText === '' ? ok(0) : decimalPort(loText);
  if (!lo.ok) return lo;
  const hi = hiText === '' ? ok(65535) : decimalPort(hiText);
  if (!hi.ok) return hi;
  if (lo.value > hi.value) return invalid(`the range starts above its end (${lo.value} > ${hi.value})`);
  return ok([lo.value, hi.value] as const);
}

/** multiport: `P[,P|LO:HI...]`. */
export function parsePortList(text: string): Parsed<NumberRange[]> {
  const out: NumberRange[] = [];
  let slots = 0;
  for (const piece of text.split(',')) {
    // a range here has both ends, the first the lower (libxt_multiport refuses '80:', ':80' and
    // '80:80', which tcp's --dport takes)
    const colon = piece.indexOf(':');
    if (colon === 0 || colon === piece.length - 1) return invalid('a range in a port list has both ends');
    const r = parsePortRange(piece);
    if (!r.ok) return r;
    if (colon > 0 && r.value[0] >= r.value[1])
      return invalid('a range in a port list goes from a lower port to a higher');
    out.push(r.value);
    slots += piece.includes(':') ? 2 : 1;
  }
  // xt_multiport holds 15 ports, a range taking two ("too many ports specified")
  if (slots > 15) return invalid('more than 15 ports (a range counts as two)');
  return ok(out);
}

export function parseSeconds(text: string): Parsed<number> {
  if (LEADING_ZERO.test(text)) return leadingZero('a number of seconds');
  if (!/^[0-9]{1,10}$/.test(text) || Number(text) > U32) return invalid('not a number of seconds');
  const n = Number(text);
  if (n === 0) return invalid('must be at least 1');
  // xt_recent multiplies by the kernel's tick rate in 32 bits: past this the window wraps, to a
  // length that depends on HZ (a review measured 17179870 s act as 0.8 s at 250 Hz)
  if (n > MAX_RECENT_SECONDS)
    return invalid(
      `past ${MAX_RECENT_SECONDS} (49.7 days) seconds × HZ can pass 32 bits (at 1000 Hz it does) and the kernel's window wraps around`,
    );
  return ok(n);
}

/** The longest --seconds whose seconds × HZ fits 32 bits for any HZ up to 1000. */
export const MAX_RECENT_SECONDS = Math.floor(U32 / 1000);

/** `[PKTS:BYTES]` of iptables-save -c and chain lines. */
/** src[s, e) is `[PACKETS:BYTES]`: decimal digits on both sides of the colon. */
export function isBracketCountersAt(src: string, s: number, e: number): boolean {
  if (e - s < 5 || src.charCodeAt(s) !== 91 /* [ */ || src.charCodeAt(e - 1) !== 93 /* ] */) return false;
  let colon = -1;
  for (let i = s + 1; i < e - 1; i++) {
    const c = src.charCodeAt(i);
    if (c === 58 /* : */ && colon < 0) colon = i;
    else if (c < 48 || c > 57) return false;
  }
  return colon > s + 1 && colon < e - 2;
}

export const isBracketCounters = (text: string): boolean => isBracketCountersAt(text, 0, text.length);
export const isCounter = (text: string): boolean => /^[0-9]+$/.test(text);

// ---- interfaces, protocols ------------------------------------------------------------------

/** `-i`/`-o` names: at most 15 characters; a trailing '+' makes a prefix. */
export function parseInterface(text: string): Parsed<{ name: string; prefix: boolean }> {
  const prefix = text.endsWith('+');
  const name = prefix ? text.slice(0, -1) : text;
  if (text.length > 15) return invalid('an interface name has at most 15 characters');
  if (name === '' && prefix) {
    return unsupported("'+' alone matches every interface and also packets that have none");
  }
  if (name === '') return invalid('empty interface name');
  return ok({ name, prefix });
}

export interface ParsedProtocol {
  /** null: `all` / 0, no test. */
  protocol: L4Protocol | null;
  /** The family the spelling implies (icmp is IPv4's, ipv6-icmp IPv6's); null: both. */
  family: Family | null;
}

const PROTOCOLS: Record<string, ParsedProtocol> = {
  all: { protocol: null, family: null },
  '0': { protocol: null, family: null },
  tcp: { protocol: 'tcp', family: null },
  '6': { protocol: 'tcp', family: null },
  udp: { protocol: 'udp', family: null },
  '17': { protocol: 'udp', family: null },
  sctp: { protocol: 'sctp', family: null },
  '132': { protocol: 'sctp', family: null },
  icmp: { protocol: 'icmp', family: 'ipv4' },
  '1': { protocol: 'icmp', family: 'ipv4' },
  'ipv6-icmp': { protocol: 'icmp', family: 'ipv6' },
  icmpv6: { protocol: 'icmp', family: 'ipv6' },
  '58': { protocol: 'icmp', family: 'ipv6' },
};

const PROTOCOL_SPELLINGS = ['tcp', 'udp', 'sctp', 'icmp'];

/** parseProtocol's common spellings (tcp, udp, sctp, icmp) in src[s, e) without allocating; else null. */
export function fastProtocolAt(src: string, s: number, e: number): ParsedProtocol | null {
  for (const p of PROTOCOL_SPELLINGS) {
    if (e - s === p.length && src.startsWith(p, s)) return PROTOCOLS[p]!;
  }
  return null;
}

export function parseProtocol(text: string): Parsed<ParsedProtocol> {
  const p = PROTOCOLS[text.toLowerCase()];
  if (p) return ok(p);
  return unsupported(
    "the model names tcp, udp, sctp and icmp; any other protocol is 'other', which would also match every protocol not named here",
  );
}

// ---- conntrack ------------------------------------------------------------------------------

const CT_STATE_NAMES: Record<string, CtState> = {
  NEW: 'new',
  ESTABLISHED: 'established',
  RELATED: 'related',
  INVALID: 'invalid',
  UNTRACKED: 'untracked',
};

/** `--ctstate A,B` (conntrack, with the virtual DNAT state) or `--state A,B` (state match). */
export function parseCtStates(text: string, virtualStates: boolean): Parsed<{ states: CtState[]; dnat: boolean }> {
  const states: CtState[] = [];
  let dnat = false;
  for (const raw of text.split(',')) {
    const name = raw.toUpperCase();
    const s = CT_STATE_NAMES[name];
    if (s) {
      if (!states.includes(s)) states.push(s);
    } else if (name === 'DNAT' && virtualStates) dnat = true;
    else if (name === 'SNAT' && virtualStates) {
      return unsupported("the model's conntrack test has no source-NAT status");
    } else {
      return invalid(`'${raw}' is not a conntrack state`);
    }
  }
  return ok({ states, dnat });
}

// ---- statistic ------------------------------------------------------------------------------

/**
 * `--probability p`: iptables (≥ 1.8, libxt_statistic) stores lround(p · 2^31) and the kernel
 * passes a packet when a random 31-bit number is below it, so the real probability is
 * round(p · 2^31) / 2^31. (Older iptables truncated instead of rounding.)
 */
export function parseProbability(text: string): Parsed<Rational> {
  if (!/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(text)) return invalid('not a decimal number');
  const p = Number(text);
  if (!(p >= 0 && p <= 1)) return invalid('a probability is between 0 and 1');
  return ok({ num: BigInt(Math.round(p * 2 ** 31)), den: 2n ** 31n });
}

// ---- REJECT ---------------------------------------------------------------------------------

const REJECT_KINDS: Record<string, { kind: string; family: Family | null }> = {
  'icmp-net-unreachable': { kind: 'net-unreachable', family: 'ipv4' },
  'net-unreach': { kind: 'net-unreachable', family: 'ipv4' },
  'icmp-host-unreachable': { kind: 'host-unreachable', family: 'ipv4' },
  'host-unreach': { kind: 'host-unreachable', family: 'ipv4' },
  'icmp-proto-unreachable': { kind: 'prot-unreachable', family: 'ipv4' },
  'proto-unreach': { kind: 'prot-unreachable', family: 'ipv4' },
  'icmp-port-unreachable': { kind: 'port-unreachable', family: 'ipv4' },
  'port-unreach': { kind: 'port-unreachable', family: null },
  'icmp-net-prohibited': { kind: 'net-prohibited', family: 'ipv4' },
  'net-prohib': { kind: 'net-prohibited', family: 'ipv4' },
  'icmp-host-prohibited': { kind: 'host-prohibited', family: 'ipv4' },
  'host-prohib': { kind: 'host-prohibited', family: 'ipv4' },
  'icmp-admin-prohibited': { kind: 'admin-prohibited', family: 'ipv4' },
  'admin-prohib': { kind: 'admin-prohibited', family: 'ipv4' },
  'tcp-reset': { kind: 'tcp-reset', family: null },
  // iptables' alias only: ip6tables-restore refuses it ("unknown reject type"; measured)
  'tcp-rst': { kind: 'tcp-reset', family: 'ipv4' },
  'icmp6-no-route': { kind: 'no-route', family: 'ipv6' },
  'no-route': { kind: 'no-route', family: 'ipv6' },
  'icmp6-adm-prohibited': { kind: 'admin-prohibited', family: 'ipv6' },
  'adm-prohibited': { kind: 'admin-prohibited', family: 'ipv6' },
  'icmp6-addr-unreachable': { kind: 'addr-unreachable', family: 'ipv6' },
  'addr-unreach': { kind: 'addr-unreachable', family: 'ipv6' },
  'icmp6-port-unreachable': { kind: 'port-unreachable', family: 'ipv6' },
  'icmp6-policy-fail': { kind: 'policy-fail', family: 'ipv6' },
  'policy-fail': { kind: 'policy-fail', family: 'ipv6' },
  'icmp6-reject-route': { kind: 'reject-route', family: 'ipv6' },
  'reject-route': { kind: 'reject-route', family: 'ipv6' },
};

/** `--reject-with KIND`, named as nft names them ("port-unreachable", "tcp-reset", ...). */
export function parseRejectKind(text: string): Parsed<{ kind: string; family: Family | null }> {
  const k = REJECT_KINDS[text];
  return k ? ok(k) : invalid('not a REJECT kind');
}

// ---- DNAT -----------------------------------------------------------------------------------

/**
 * parseDnatTarget's common case without a regex and without a result object: a canonical dotted
 * quad and an optional port 1..65535 (`10.0.0.1:8080`) in src[s, e). Returns the port (0: none;
 * the address is then all of src[s, e), else src[s, the colon)), or -1 for anything else
 * (parseDnatTarget decides).
 */
export function fastDnatAt(src: string, s: number, e: number): number {
  let colon = e;
  for (let i = s; i < e; i++) {
    if (src.charCodeAt(i) === 58 /* : */) {
      colon = i;
      break;
    }
  }
  if (canonicalIPv4At(src, s, colon) < 0) return -1;
  if (colon === e) return 0;
  const port = digitsAt(src, colon + 1, e);
  return port < 1 || port > 65535 ? -1 : port;
}

/** `--to-destination IP[:PORT]` (IPv6: `[IP]:PORT` or `IP`); ranges are refused. */
export function parseDnatTarget(text: string): Parsed<{ family: Family; ip: string; port: number | null }> {
  let hostText: string;
  let portText: string | null = null;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return invalid("'[' without ']'");
    hostText = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return invalid(`unexpected '${rest}' after the address`);
      portText = rest.slice(1);
    }
  } else if (text.indexOf(':') >= 0 && text.indexOf(':') === text.lastIndexOf(':')) {
    const colon = text.indexOf(':');
    hostText = text.slice(0, colon);
    portText = text.slice(colon + 1);
  } else {
    hostText = text;
  }
  if (hostText === '')
    return unsupported('a DNAT without an address keeps the destination, which the model cannot say');
  if (hostText.includes('-')) return unsupported('an address range: the model DNATs to one address');
  const fast = canonicalIPv4At(hostText);
  const host = fast >= 0 ? null : parseHost(hostText);
  if (host && !host.ok) return host;
  // brackets are IPv6's: iptables refuses [10.0.0.1]:80 ("Invalid address format")
  if (text.startsWith('[') && (host === null || host.value.family === 'ipv4'))
    return invalid('an IPv4 address is written without brackets');
  let port: number | null = null;
  if (portText !== null) {
    if (portText.includes('-') || portText.includes('/')) {
      return unsupported('a port range: the model DNATs to one port');
    }
    const p = decimalPort(portText);
    if (!p.ok) return p;
    if (p.value === 0) return invalid('port 0');
    port = p.value;
  }
  // A canonical dotted quad is its own canonical text.
  if (host === null) return ok({ family: 'ipv4', ip: hostText, port });
  return ok({ family: host.value.family, ip: formatIP(host.value.family, host.value.value), port });
}
