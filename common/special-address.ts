// Special-purpose addresses: the API server refuses them as cluster IPs, external and load-balancer
// IPs and endpoint addresses (ValidateNonSpecialIP in k8s.io/kubernetes pkg/apis/core/validation),
// and a node address must not be one of some of them. Shared by both front ends.
import type { ParsedIP } from './ip.ts';

export type SpecialKind = 'unspecified' | 'loopback' | 'link-local' | 'multicast' | 'broadcast';

/** What kind of special-purpose address this is (null for an ordinary unicast address). */
export function specialKind(ip: ParsedIP): SpecialKind | null {
  if (ip.family === 'ipv4') return specialKindV4(Number(ip.value));
  const v = ip.value;
  if (v === 0n) return 'unspecified';
  if (v === 1n) return 'loopback';
  if (v >> 118n === 0x3fan) return 'link-local'; // fe80::/10
  if (v >> 120n === 0xffn) return 'multicast';
  return null;
}

/** specialKind of an IPv4 address given as a 32-bit number (no BigInt arithmetic). */
export function specialKindV4(n: number): SpecialKind | null {
  const a = Math.floor(n / 0x1000000);
  if (n === 0) return 'unspecified';
  if (a === 127) return 'loopback';
  if (Math.floor(n / 0x10000) === 0xa9fe) return 'link-local';
  if (a >= 224 && a <= 239) return 'multicast';
  if (n === 0xffffffff) return 'broadcast';
  return null;
}

/**
 * Whether the API server refuses this special address as an endpoint or external IP
 * (ValidateNonSpecialIP: unspecified, loopback, link-local unicast, and link-local multicast —
 * 224.0.0.0/24, ffx2::/16). Other multicast addresses and 255.255.255.255 it accepts.
 */
export function apiRefusesSpecial(ip: ParsedIP): boolean {
  const kind = specialKind(ip);
  if (kind === null || kind === 'broadcast') return false;
  if (kind !== 'multicast') return true;
  return ip.family === 'ipv4' ? Number(ip.value) >>> 8 === 0xe00000 : ((ip.value >> 112n) & 0xfn) === 2n;
}
