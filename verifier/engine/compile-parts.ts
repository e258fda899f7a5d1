// A model's conditions as the packet space's dimension sets: what compile.ts makes of each key
// part and connection-tracking test. Apart because it is the one place the readers' constants meet
// the space's atoms; compile.ts shares and wires what these give.
import type { CtState } from '../../compiler/ir/packet.ts';
import type { KeyPart } from '../model/program.ts';
import type { CPart } from './compiled.ts';
import type { Interner } from './intern.ts';
import { EMPTY, fromRanges, type IntervalSet, subtract, union } from './intervals.ts';
import { addressRangeAtoms, CT_ATOMS, DIM, domainOf, interfaceAtoms, type PacketSpace, protoAtom } from './space.ts';
import { CompileError } from './unsupported.ts';

export function compilePart(space: PacketSpace, intern: Interner, p: KeyPart): CPart {
  const { dim, set } = partOf(space, p);
  return intern.part(dim, set);
}

function partOf(space: PacketSpace, p: KeyPart): CPart {
  switch (p.field) {
    case 'saddr':
    case 'daddr': {
      let set: IntervalSet = EMPTY;
      for (const [lo, hi] of p.ranges) set = union(set, addressRangeAtoms(space.addresses, lo, hi));
      return { dim: p.field === 'saddr' ? DIM.src : DIM.dst, set };
    }
    case 'l4proto':
      return { dim: DIM.proto, set: fromRanges(p.protocols.map((x) => [protoAtom(x), protoAtom(x)] as const)) };
    case 'sport':
    case 'dport':
      return { dim: p.field === 'sport' ? DIM.sport : DIM.dport, set: fromRanges(p.ranges) };
    case 'iifname': {
      const atoms = p.names.flatMap((n) => interfaceAtoms(space.interfaces, n.name, n.prefix));
      return { dim: DIM.iif, set: fromRanges(atoms.map((a) => [a, a] as const)) };
    }
    case 'oifname':
      throw new CompileError(
        'output-interface tests (oifname / -o) are not modelled: the output interface depends on routing',
      );
    case 'saddrLocal':
    case 'daddrLocal': {
      if (space.mode === 'universal') {
        return { dim: p.field === 'saddrLocal' ? DIM.srcLocal : DIM.dstLocal, set: p.local ? [1, 1] : [0, 0] };
      }
      const dim = p.field === 'saddrLocal' ? DIM.src : DIM.dst;
      return { dim, set: p.local ? space.local : subtract(domainOf(space, dim), space.local) };
    }
  }
}

/**
 * Protocol conditions first: a port is only read once the protocol is known to have ports. Reorders
 * the fresh list it is given in place, each group in its own order (a stable partition: what a
 * stable sort on "is a protocol" gives, without the copy a sort makes of every one of the rules'
 * and elements' short lists — a tenth of what preparing allocated).
 */
export function protocolsFirst(parts: CPart[]): CPart[] {
  let front = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.dim !== DIM.proto) continue;
    for (let j = i; j > front; j--) parts[j] = parts[j - 1]!;
    parts[front++] = p;
  }
  return parts;
}

export function ctAtoms(states: readonly CtState[], dnat: boolean): IntervalSet {
  const ranges: [number, number][] = [];
  CT_ATOMS.forEach((a, i) => {
    if (a.state !== 'new' && (states.includes(a.state) || (dnat && a.dnat))) ranges.push([i, i]);
  });
  return fromRanges(ranges);
}
