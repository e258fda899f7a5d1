// Leaf values: addresses and CIDRs through the strict parsers (common/ip.ts), with a located,
// coded diagnostic when they are not what a .ksvc author may write.
import {
  type IPText,
  type ParsedCIDR,
  type ParsedIP,
  parseCIDRSloppy,
  parseCIDRStrict,
  parseIPStrict,
} from '../../common/ip.ts';
import type { AddressLit, CidrLit } from '../../grammar/ast.ts';
import { sharedCodes } from '../shared-rules/codes.ts';
import { codes } from './codes.ts';
import type { CheckContext } from './context.ts';

/** An address that parsed, with the literal it came from (for spans). */
export interface ParsedAddress {
  lit: AddressLit;
  ip: ParsedIP;
}

export interface ParsedCidrLit {
  lit: CidrLit;
  cidr: ParsedCIDR;
}

// Dotted decimal that is already canonical: four numbers 0-255 without leading zeros.
const CANONICAL_V4 =
  /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;

/**
 * parseIPStrict, with a fast path for canonical IPv4 text (most addresses of a large file): the
 * text is its own canonical form, so only the value is computed. Same result as parseIPStrict for
 * every input (test/unit/check-ip-fast-path.test.ts compares them).
 */
export function parseIPFast(text: string): ReturnType<typeof parseIPStrict> {
  const v4 = canonicalIPv4(text);
  return v4 ? { ok: true, value: v4 } : parseIPStrict(text);
}

function canonicalIPv4(text: string): ParsedIP | null {
  const n = canonicalIPv4Value(text);
  return n < 0 ? null : { family: 'ipv4', text: text as IPText, value: BigInt(n) };
}

/** The value of canonical dotted-decimal text, or -1 when the text is anything else. */
export function canonicalIPv4Value(text: string): number {
  if (text.length > 15 || !CANONICAL_V4.test(text)) return -1;
  let n = 0;
  let part = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      n = n * 256 + part;
      part = 0;
    } else part = part * 10 + (c - 48);
  }
  return n * 256 + part;
}

/** Parse an address; report and return null when it is malformed or not canonical. */
export function checkAddress(ctx: CheckContext, lit: AddressLit, what: string): ParsedIP | null {
  const fast = canonicalIPv4(lit.text);
  if (fast) return fast;
  const r = parseIPStrict(lit.text);
  if (r.ok) return r.value;
  const hint =
    r.suggestion !== undefined
      ? `write ${r.suggestion}`
      : 'write a canonical IPv4 (10.0.0.1) or IPv6 (fd00::1) address';
  ctx.report(sharedCodes['invalid-address'](ctx.at(lit.span, { hint }), what, lit.text, r.reason));
  return null;
}

/** Parse a CIDR; host bits set, a bad prefix length or a bad address are reported. */
export function checkCidr(ctx: CheckContext, lit: CidrLit, what: string): ParsedCIDR | null {
  const r = parseCIDRStrict(lit.text);
  if (r.ok) return r.value;
  const slash = lit.text.indexOf('/');
  const addrOk = slash > 0 && parseIPStrict(lit.text.slice(0, slash)).ok;
  if (addrOk && r.suggestion !== undefined && /host bits/.test(r.reason)) {
    ctx.report(
      codes['cidr-host-bits'](ctx.at(lit.span, { hint: `write ${r.suggestion}` }), what, lit.text, r.suggestion),
    );
    return null;
  }
  // The suggestion is the whole CIDR read leniently (leading zeros dropped in the address and the
  // prefix length, host bits cleared), so that it is itself valid: 203.0.113.000/025 -> 203.0.113.0/25.
  const lenient = parseCIDRSloppy(lit.text);
  const hint = lenient.ok
    ? `write ${lenient.value.text}`
    : 'write a network and prefix length such as 10.0.0.0/8 or fd00::/64';
  ctx.report(sharedCodes['invalid-cidr'](ctx.at(lit.span, { hint }), what, lit.text, r.reason));
  return null;
}

export function checkAddresses(ctx: CheckContext, lits: readonly AddressLit[], what: string): ParsedAddress[] {
  const out: ParsedAddress[] = [];
  for (const lit of lits) {
    const ip = checkAddress(ctx, lit, what);
    if (ip) out.push({ lit, ip });
  }
  return out;
}

export function checkCidrs(ctx: CheckContext, lits: readonly CidrLit[], what: string): ParsedCidrLit[] {
  const out: ParsedCidrLit[] = [];
  for (const lit of lits) {
    const cidr = checkCidr(ctx, lit, what);
    if (cidr) out.push({ lit, cidr });
  }
  return out;
}

export const isValidPort = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 65535;
