// Build the packet space from the constants of every program taking part in a check.
import { type Family, ipOf, loopbackBroadcast, loopbackLocalRange } from '../../common/ip.ts';
import type { Constants } from './constants.ts';
import { EMPTY, type IntervalSet, union } from './intervals.ts';
import {
  type AffinityDim,
  addressRangeAtoms,
  buildAddressAtoms,
  buildInterfaceAtoms,
  buildMarkBits,
  markBitsOfSpace,
  type PacketSpace,
} from './space.ts';

export interface Locality {
  /** 'concrete': these addresses (and loopback) are the node's; 'universal': unknown */
  mode: 'concrete' | 'universal';
  addresses: readonly string[];
}

export function buildSpace(family: Family, constants: Constants, locality: Locality): PacketSpace {
  // the loopback block is LOCAL but for lo's broadcast address (the kernel types it `broadcast`),
  // which is an atom of its own: not LOCAL, but routed to input
  const loopback = loopbackLocalRange(family);
  const localRanges: [bigint, bigint][] = [[loopback.first, loopback.last]];
  const broadcast = loopbackBroadcast(family);
  const b = broadcast === null ? null : ipOf(broadcast).value;
  const ownAtoms: [bigint, bigint][] = b === null ? [] : [[b, b]];
  for (const a of locality.addresses) {
    const v = ipOf(a).value;
    localRanges.push([v, v]);
  }
  const addresses = buildAddressAtoms(family, [...constants.addresses, ...localRanges, ...ownAtoms]);
  let local: IntervalSet = EMPTY;
  if (locality.mode === 'concrete') {
    for (const [lo, hi] of localRanges) local = union(local, addressRangeAtoms(addresses, lo, hi));
  }
  const affinity: AffinityDim[] = [...constants.affinity.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, e]) => ({ id: k.slice(k.indexOf(' ') + 1), key: e.key, cuts: [...e.timeouts].sort((x, y) => x - y) }));
  const affinityIndex = new Map(affinity.map((d, i) => [`${d.key} ${d.id}`, i]));
  return {
    family,
    mode: locality.mode,
    addresses,
    local,
    interfaces: buildInterfaceAtoms(constants.interfaceNames, constants.interfacePrefixes),
    marks: buildMarkBits([markBitsOfSpace(constants.markMask, constants.clearsOtherMarkBits)]),
    affinity,
    affinityIndex,
  };
}
