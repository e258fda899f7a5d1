// Address fields of Kubernetes objects, read the way kube-proxy reads them: Go's ParseIPSloppy /
// ParseCIDRSloppy (leading zeros are decimal, host bits are masked), then canonical text
// ("10.180.00.001" -> "10.180.0.1", "203.0.113.000/025" -> "203.0.113.0/25"; TestBadIPs).
import { type ParsedCIDR, type ParsedIP, parseCIDRSloppy, parseIPSloppy } from '../../common/ip.ts';
import { specialKind } from '../../common/special-address.ts';
import { sharedCodes } from '../shared-rules/codes.ts';
import { specialAddressCode } from '../shared-rules/special-addresses.ts';
import { kubeCodes } from './codes.ts';
import { asString, type Val, where } from './yaml-reader.ts';

export function readIP(v: Val | undefined, what: string): ParsedIP | undefined {
  const s = asString(v);
  if (s === undefined || !v) return undefined;
  const r = parseIPSloppy(s);
  if (r.ok) return r.value;
  v.ctx.diags.push(sharedCodes['invalid-address'](where(v), what, s, r.reason));
  return undefined;
}

/** A CIDR; `trim` = strings.TrimSpace first (loadBalancerSourceRanges). */
export function readCIDR(v: Val | undefined, what: string, trim = false): ParsedCIDR | undefined {
  const raw = asString(v);
  if (raw === undefined || !v) return undefined;
  const s = trim ? raw.trim() : raw;
  const r = parseCIDRSloppy(s);
  if (r.ok) return r.value;
  v.ctx.diags.push(sharedCodes['invalid-cidr'](where(v), what, raw, r.reason));
  return undefined;
}

/** An address the API server accepts only when it is ordinary unicast (ValidateNonSpecialIP). */
export function readUnicastIP(v: Val | undefined, what: string): ParsedIP | undefined {
  const ip = readIP(v, what);
  if (!ip || !v) return ip;
  const kind = specialKind(ip);
  if (kind === null) return ip;
  v.ctx.diags.push(sharedCodes[specialAddressCode(ip)](where(v), what, ip.text, kind));
  return undefined;
}

/**
 * A status.loadBalancer.ingress[].ip, which the API checks only for syntax: a special address is
 * warned about (kube-proxy writes its rules), a loopback or unspecified one refused.
 */
export function readLoadBalancerIP(v: Val | undefined): ParsedIP | undefined {
  const ip = readIP(v, 'load-balancer ingress IP');
  if (!ip || !v) return ip;
  const kind = specialKind(ip);
  if (kind === null) return ip;
  const local = kind === 'loopback' || kind === 'unspecified';
  v.ctx.diags.push(sharedCodes[local ? 'local-load-balancer-ip' : 'special-load-balancer-ip'](where(v), ip.text, kind));
  return local ? undefined : ip;
}

/** Report repeated entries of a list (by canonical text); returns the list unchanged. */
export function noRepeats<T extends { text: string }>(items: readonly { value: T; at: Val }[], what: string): T[] {
  const seen = new Set<string>();
  for (const it of items) {
    if (seen.has(it.value.text))
      it.at.ctx.diags.push(kubeCodes['duplicate-value'](where(it.at), `${what} ${it.value.text}`));
    seen.add(it.value.text);
  }
  return items.map((i) => i.value);
}
