// Leaf values: addresses and CIDRs through the strict parsers (common/ip.ts), with a located,
// coded diagnostic when they are not what a .ksvc author may write.
import {
  canonicalIPv4At,
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
  const n = canonicalIPv4At(text);
  return n < 0 ? null : { family: 'ipv4', text: text as IPText, value: BigInt(n) };
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
