// What a rule's tests answer for a class (docs/verifier.md §2): a conjunction of field tests, a
// mark, a conntrack state, an affinity record, a set or map lookup. A test the class does not
// answer one way splits it (ClassQuery.ask); a state the model does not cover (a source test after
// MASQUERADE, an affinity record read after the packet wrote it) is refused as a RulesetError.
// Apart from chain-eval.ts, which runs a chain's rules and their other steps.

import { candidates } from './candidates.ts';
import type { Ev } from './chain-eval.ts';
import { type CPart, type CStep, type CTest, writtenList } from './compiled.ts';
import type { FlowState } from './flow.ts';
import { contains, isSubset, overlaps } from './intervals.ts';
import { loopbackLocalAtoms } from './locality.ts';
import { masqueradedSourceTest, sourceMasqueraded } from './masqueraded-source.ts';
import { AFFINITY_BASE, DIM, markSet, PORT_PROTOS } from './space.ts';
import { UnsupportedRuleset } from './unsupported.ts';

export class RulesetError extends UnsupportedRuleset {}

const T = 1;
const F = 0;
const AMBIG = 2;
const PORT_UNGUARDED = 3;
/** a source test of a packet MASQUERADE rewrote on its way back through lo (masqueraded-source.ts) */
const MASQ_SOURCE = 4;

function partValue(ev: Ev, p: CPart, s: FlowState): number {
  const dim = p.dim;
  if ((dim === DIM.src || dim === DIM.srcLocal || dim === DIM.sport) && sourceMasqueraded(s)) {
    const a = masqueradedSourceTest(ev.space, p);
    return a === 'yes' ? T : a === 'no' ? F : MASQ_SOURCE;
  }
  if (dim === DIM.dst && s.dnatAtom !== null) return contains(p.set, s.dnatAtom) ? T : F;
  // universal mode: a DNAT target is not local, unless it is in the loopback block (assumption local-addresses)
  if (dim === DIM.dstLocal && s.dnatAtom !== null)
    return contains(p.set, contains(loopbackLocalAtoms(ev.space), s.dnatAtom) ? 1 : 0) ? T : F;
  if (dim === DIM.dport && s.dnatPort !== null) return contains(p.set, s.dnatPort) ? T : F;
  if (dim === DIM.iif && s.viaLoopback) return contains(p.set, ev.loAtom) ? T : F;
  if ((dim === DIM.dport || dim === DIM.sport) && !isSubset(ev.q.set(DIM.proto), PORT_PROTOS)) return PORT_UNGUARDED;
  const r = ev.q.probe(dim, p.set);
  return r === 1 ? T : r === 0 ? F : AMBIG;
}

/** Conjunction: false if any part is false for the whole class; split on the first undecided part. */
function conj(ev: Ev, parts: readonly CPart[], s: FlowState): boolean {
  let undecided = -1;
  let kind = T;
  let masqueradedSourceDecides = false;
  for (let i = 0; i < parts.length; i++) {
    const v = partValue(ev, parts[i]!, s);
    if (v === F) return false;
    if (v === MASQ_SOURCE) masqueradedSourceDecides = true;
    else if (v !== T && undecided < 0) {
      undecided = i;
      kind = v;
    }
  }
  if (undecided < 0) {
    if (!masqueradedSourceDecides) return true;
    throw new RulesetError(
      'a source test after MASQUERADE: which node address routing picks decides it, which is not modelled',
    );
  }
  if (kind === PORT_UNGUARDED) {
    if (overlaps(ev.q.set(DIM.proto), PORT_PROTOS) && !ev.q.ask(DIM.proto, PORT_PROTOS)) return false;
    throw new RulesetError('a port is tested without a protocol test before it (closed world: refused)');
  }
  const p = parts[undecided]!;
  return ev.q.ask(p.dim, p.set);
}

function markTest(ev: Ev, s: FlowState, mask: number, value: number): boolean {
  // (mark & mask) == value: a value bit outside the mask can never be equal (the kernel compares
  // the masked mark with the value as given, in xt_mark and in nft's cmp alike)
  if ((value & ~mask) !== 0) return false;
  const fixed = mask & ~s.markKeep;
  if (((s.markXor ^ value) & fixed) !== 0) return false;
  const free = (mask & s.markKeep) >>> 0;
  if (free === 0) return true;
  return ev.q.ask(DIM.mark, markSet(ev.space, free, ((value ^ s.markXor) & free) >>> 0));
}

export function testValue(ev: Ev, t: CTest, s: FlowState): boolean {
  switch (t.kind) {
    case 'parts':
      return conj(ev, t.parts, s);
    case 'mark':
      return markTest(ev, s, t.mask, t.value);
    case 'ct':
      // a DNAT to the packet's own address and port changes no tuple: the kernel sets no DNAT status
      return ev.isNew ? t.matchesNew || (t.dnat && s.dnatAtom !== null && !s.dnatIdentity) : ev.q.ask(DIM.ct, t.atoms);
    case 'affinity': {
      const d = ev.space.affinity[t.dim - AFFINITY_BASE]!;
      if (sourceMasqueraded(s) && d.key === 'saddr') {
        throw new RulesetError('an affinity record of the source read after MASQUERADE rewrote it (not modelled)');
      }
      // the class holds the record ages as the packet arrived: a record this packet wrote on its way,
      // or the record of a destination DNAT replaced, is another one (measured: both read otherwise)
      // (either key: a record by destination is the source's too when the two addresses are one)
      if (
        s.affinityWrites.length > 0 &&
        (s.affinityWrites.includes(writtenList(d.id, 'saddr')) || s.affinityWrites.includes(writtenList(d.id, 'daddr')))
      ) {
        throw new RulesetError(`affinity list ${d.id} read after the same packet wrote it (not modelled)`);
      }
      if (d.key === 'daddr' && s.dnatAtom !== null) {
        throw new RulesetError('an affinity record of the destination read after DNAT changed it (not modelled)');
      }
      return ev.q.ask(t.dim, t.set);
    }
    case 'member': {
      const c = candidates(ev.q, t.index, t.elements.length, s.dnatPort, s.dnatAtom);
      for (let i = 0; i < c.length; i++) if (conj(ev, t.elements[c[i]!]!, s)) return true;
      return false;
    }
  }
}

export function dispatchElement(ev: Ev, step: Extract<CStep, { kind: 'dispatch' }>, s: FlowState): number {
  const c = candidates(ev.q, step.index, step.elements.length, s.dnatPort, s.dnatAtom);
  for (let i = 0; i < c.length; i++) if (conj(ev, step.elements[c[i]!]!.parts, s)) return c[i]!;
  return -1;
}
