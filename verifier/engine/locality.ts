// Which address atoms are local whatever the node: the loopback block but lo's broadcast address
// (127.0.0.0/8 without 127.255.255.255; ::1). Without a model (universal mode) the node's own
// addresses are unknown, but a DNAT to 127.0.0.1 still delivers the packet through input.
import { ipOf, loopbackBroadcast, loopbackLocalRange } from '../../common/ip.ts';
import { EMPTY, type IntervalSet } from './intervals.ts';
import { addressRangeAtoms, type PacketSpace } from './space.ts';

const cache = new WeakMap<PacketSpace, IntervalSet>();
const broadcastCache = new WeakMap<PacketSpace, IntervalSet>();

/**
 * lo's broadcast address as atoms (its own atom: build-space.ts cuts it out; empty for IPv6). Not
 * LOCAL, but routed to input: the kernel delivers it through lo (measured).
 */
export function loopbackBroadcastAtoms(space: PacketSpace): IntervalSet {
  let atoms = broadcastCache.get(space);
  if (atoms === undefined) {
    const broadcast = loopbackBroadcast(space.family);
    const v = broadcast === null ? null : ipOf(broadcast).value;
    atoms = v === null ? EMPTY : addressRangeAtoms(space.addresses, v, v);
    broadcastCache.set(space, atoms);
  }
  return atoms;
}

/** The atoms of the loopback block that are LOCAL (its broadcast address is not). */
export function loopbackLocalAtoms(space: PacketSpace): IntervalSet {
  let atoms = cache.get(space);
  if (atoms === undefined) {
    const loopback = loopbackLocalRange(space.family);
    atoms = addressRangeAtoms(space.addresses, loopback.first, loopback.last);
    cache.set(space, atoms);
  }
  return atoms;
}
