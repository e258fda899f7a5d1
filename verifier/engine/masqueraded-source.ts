// What comes after MASQUERADE sees the source it wrote: the base chains of POSTROUTING after the
// nat core (a filter chain at 200: measured), and for a locally generated packet to a local
// destination the filter hooks on its way back through lo. That source is an address of the node
// that routing picks (not loopback; any such address when the model lists none), and maybe another
// port. A test of it is decided when every candidate answers alike (`! -s 127.0.0.0/8`: yes);
// otherwise which address routing picks decides, which the verifier does not model (docs/verifier.md,
// assumption masquerade-address): chain-eval.ts refuses the ruleset unless another part decides.
import { cidrOf } from '../../common/ip.ts';
import type { CPart } from './compiled.ts';
import type { FlowState } from './flow.ts';
import { contains, EMPTY, type IntervalSet, intersect, isSubset, overlaps, subtract } from './intervals.ts';
import { addressRangeAtoms, DIM, domainOf, type PacketSpace } from './space.ts';

/** Whether MASQUERADE rewrote the packet's source (what runs after it sees the new one). */
export const sourceMasqueraded = (s: FlowState): boolean => s.masquerade !== 'none';

/** A source address, locality or port test of such a packet (`depends`: on which address routing picks). */
export function masqueradedSourceTest(space: PacketSpace, p: CPart): 'yes' | 'no' | 'depends' {
  if (p.dim === DIM.srcLocal) return contains(p.set, 1) ? 'yes' : 'no'; // universal mode: a node address is local
  if (p.dim === DIM.sport) return isSubset(ALL_PORTS, p.set) ? 'yes' : 'depends';
  const candidates = masqueradeSources(space);
  if (isSubset(candidates, p.set)) return 'yes';
  return overlaps(candidates, p.set) ? 'depends' : 'no';
}

const ALL_PORTS: IntervalSet = [0, 65535];
const masqueradeSourceCache = new WeakMap<PacketSpace, IntervalSet>();

/**
 * The address atoms MASQUERADE may pick: the node's, loopback excluded for IPv4. IPv6 keeps ::1 as
 * the source of a packet to ::1 (measured: the conntrack entry's reply is ::1 to ::1), so there ::1
 * is one of them.
 */
function masqueradeSources(space: PacketSpace): IntervalSet {
  let c = masqueradeSourceCache.get(space);
  if (c === undefined) {
    const loopback = cidrOf(space.family === 'ipv4' ? '127.0.0.0/8' : '::1/128');
    const nonLoopback =
      space.family === 'ipv6'
        ? domainOf(space, DIM.src)
        : subtract(domainOf(space, DIM.src), addressRangeAtoms(space.addresses, loopback.first, loopback.last));
    // concrete mode: the node's addresses; universal mode, or a node whose addresses the model does
    // not list: any address but loopback may be the one
    const known = space.mode === 'concrete' ? intersect(space.local, nonLoopback) : EMPTY;
    // (IPv6: space.local holds ::1, so it stays a candidate)
    c = known.length > 0 ? known : nonLoopback;
    masqueradeSourceCache.set(space, c);
  }
  return c;
}
