// Which code refuses a special-purpose address, in both front ends: the API server's refusal
// (ValidateNonSpecialIP) or ksvc's own (multicast and broadcast addresses the API takes), and which
// kinds a node address may not be (NodePorts are served on unicast addresses).
import type { ParsedIP } from '../../common/ip.ts';
import { apiRefusesSpecial, type SpecialKind, specialKind } from '../../common/special-address.ts';

/** The code for a special address as an endpoint or external IP. */
export const specialAddressCode = (ip: ParsedIP): 'reserved-address' | 'unrouted-address' =>
  apiRefusesSpecial(ip) ? 'reserved-address' : 'unrouted-address';

/** The kind of a node address refused as one (unspecified, multicast, broadcast), else null. */
export function refusedNodeAddressKind(ip: ParsedIP): SpecialKind | null {
  const kind = specialKind(ip);
  return kind === 'unspecified' || kind === 'multicast' || kind === 'broadcast' ? kind : null;
}
