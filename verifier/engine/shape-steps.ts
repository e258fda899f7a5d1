// The text of compiled steps in a shard shape (shape-program.ts), with every constant spelled by a
// Speller: by its number in the shard body, or as a hole of a chain template (shape-chains.ts).
// Both spellings go through this one writer, so a template filled with a body's numbers is the
// text the body would have written itself.
import { BY_DESTINATION, type CPart, type CStep, type CTest, type CVerdict, type KeyIndex } from './compiled.ts';
import type { IntervalSet } from './intervals.ts';
import { AFFINITY_BASE, DIM, type PacketSpace } from './space.ts';

/**
 * How a constant is spelled. The writer asks in text order, left to right: a body numbers its
 * constants in first-seen order, so the order of the questions is part of the text.
 */
export interface Speller {
  addrSet(set: IntervalSet): string | number;
  portSet(set: IntervalSet): string | number;
  addrPoint(atom: number): string | number;
  portPoint(port: number): string | number;
  chain(chain: number): string | number;
  list(id: string): string | number;
}

export type DispatchStep = Extract<CStep, { kind: 'dispatch' }>;

/** The items of the steps that depend on the body's key contexts (absent in a template). */
export interface ItemLookups {
  /** a dispatch's items the reach offered it, ascending */
  dispatchItems(s: DispatchStep): readonly number[];
  /** an indexed member test's items for the contexts (after a DNAT test: its targets' only) */
  memberItems(index: KeyIndex, dnatOnly: boolean): readonly number[];
}

const itemLists = new Map<number, number[]>();
/** 0..count-1, shared. */
export function allItems(count: number): number[] {
  let l = itemLists.get(count);
  if (!l) itemLists.set(count, (l = Array.from({ length: count }, (_, i) => i)));
  return l;
}

const pointTuples = new WeakMap<CTest, boolean>();

/**
 * Whether every element of a member test is one value per dimension, over the same dimensions in
 * the same order (nft's hairpin set: source address . destination address). Then the order of
 * the elements is not observable: a packet is in the set or not whichever element is asked first,
 * and asking them in any order splits a class into the same classes (one value either holds for
 * all of a class's atoms or for none of them, so an element asked early never cuts a class that a
 * later one would have cut differently). A shape writes such a set's elements sorted: endpoints
 * whose addresses sort differently as text (kube-proxy's order) and as numbers (the set's) give
 * one shape instead of many. Elements of ranges are written in order: overlapping ones can split
 * a class differently depending on which is asked first.
 */
function isPointTupleSet(t: Extract<CTest, { kind: 'member' }>): boolean {
  let known = pointTuples.get(t);
  if (known === undefined) {
    const [first] = t.elements;
    known = t.elements.every(
      (e) =>
        e.length === first!.length &&
        e.every((p, j) => p.dim === first![j]!.dim && p.set.length === 2 && p.set[0] === p.set[1]),
    );
    pointTuples.set(t, known);
  }
  return known;
}

/** A steps writer: the text of a rule's (or an element's) steps. */
export function stepsWriter(
  space: PacketSpace,
  spell: Speller,
  lookups: ItemLookups,
): (steps: readonly CStep[]) => string {
  const partText = (p: CPart): string => {
    switch (p.dim) {
      case DIM.src:
      case DIM.dst:
        return `${p.dim}a${spell.addrSet(p.set)}`;
      case DIM.sport:
      case DIM.dport:
        return `${p.dim}p${spell.portSet(p.set)}`;
      default:
        return `${p.dim}=${p.set.join(',')}`;
    }
  };
  // Texts are joined with `+` (V8 keeps a rope, copied once when the body is hashed), not with
  // join(), which copies at every level of a body's nesting.
  const partsText = (parts: readonly CPart[]): string => {
    if (parts.length === 0) return '';
    let out = partText(parts[0]!);
    for (let i = 1; i < parts.length; i++) out = out + '&' + partText(parts[i]!);
    return out;
  };
  const memberTexts = (t: Extract<CTest, { kind: 'member' }>, items: readonly number[]): string[] => {
    const texts = new Array<string>(items.length);
    for (let k = 0; k < items.length; k++) texts[k] = partsText(t.elements[items[k]!]!);
    return texts;
  };
  const memberText = (t: Extract<CTest, { kind: 'member' }>, items: readonly number[]): string =>
    memberTexts(t, items).join('|');
  const members = new Map<CTest, string>();
  const dnatMembers = new Map<CTest, string>();
  const testText = (t: CTest, dnatOnly: boolean): string => {
    switch (t.kind) {
      case 'parts':
        return partsText(t.parts);
      case 'mark':
        return `mark ${t.mask} ${t.value}`;
      case 'ct':
        return `ct ${t.atoms.join(',')} ${t.matchesNew} ${t.dnat}`;
      case 'affinity': {
        // the key too: a check of the destination's record is not one of the source's (a review
        // had a --rdest check share a shape with a source check, and proved broken affinity)
        const d = space.affinity[t.dim - AFFINITY_BASE]!;
        return `aff ${spell.list(d.id)} ${d.key} ${t.set.join(',')}`;
      }
      case 'member': {
        if (t.index === null) return `member ${memberText(t, allItems(t.elements.length))}`;
        // An indexed test (never in a chain template) is written once per body and test: written
        // again, it names the same items (the contexts are final while a body is written) with the
        // numbers its constants got the first time (nft's hairpin set is tested in three chains).
        const known = dnatOnly ? dnatMembers : members;
        let text = known.get(t);
        if (text === undefined) {
          const texts = memberTexts(t, lookups.memberItems(t.index, dnatOnly));
          // numbered in the set's order first, then written in an order of their own
          if (isPointTupleSet(t)) texts.sort();
          known.set(t, (text = `member ${texts.join('|')}`));
        }
        return text;
      }
    }
  };
  const verdictText = (v: CVerdict): string => {
    switch (v.kind) {
      case 'jump':
      case 'goto':
        return `${v.kind} ${spell.chain(v.chain)}`;
      case 'dnat':
        return `dnat ${spell.addrPoint(v.atom)} ${v.port === null ? '-' : spell.portPoint(v.port)}`;
      case 'masquerade':
        return `masq ${v.fullyRandom}`;
      case 'reject':
        return `reject ${v.with}`;
      default:
        return v.kind;
    }
  };
  const stepText = (s: CStep, dnatOnly: boolean): string => {
    switch (s.kind) {
      case 'test':
        return `${s.negate ? '!' : ''}(${testText(s.test, dnatOnly)})`;
      case 'random':
        return `rand ${s.p.n}/${s.p.s}`;
      case 'numgen': {
        let out = 'numgen[';
        for (let k = 0; k < s.branches.length; k++) {
          const b = s.branches[k]!;
          out = `${out}${k === 0 ? '' : '|'}${b.w.n}/${b.w.s}:` + stepsText(b.steps);
        }
        return `${out}] miss ${s.miss.n}/${s.miss.s}`;
      }
      case 'dispatch': {
        const items = lookups.dispatchItems(s);
        // the port is numbered before the elements' constants
        const port = s.dnatPort === null ? '' : ` port ${spell.portPoint(s.dnatPort)}`;
        let out = 'dispatch[';
        for (let k = 0; k < items.length; k++) {
          const e = s.elements[items[k]!]!;
          out = out + (k === 0 ? '' : '|') + partsText(e.parts) + ':' + stepsText(e.steps);
        }
        return `${out}]${port}`;
      }
      case 'mark':
        return `mark ${s.keep} ${s.xor}`;
      case 'affinityWrite': {
        // the list and the key apart: a write of L's destination record is related to checks of L
        const byDst = s.list.endsWith(BY_DESTINATION);
        return `write ${spell.list(byDst ? s.list.slice(0, -BY_DESTINATION.length) : s.list)} ${byDst ? 'daddr' : 'saddr'}`;
      }
      case 'noop':
        return '';
      case 'verdict':
        return verdictText(s.verdict);
    }
  };
  // Shards are all new packets; after a passing `ct status dnat` test (not true of new packets
  // unless DNAT happened) the destination is a DNAT target, which is one of the contexts with a
  // destination: a lookup there cannot see the open destination of a port-only shard.
  const stepsText = (steps: readonly CStep[]): string => {
    let dnatOnly = false;
    let out = '';
    for (let i = 0; i < steps.length; i++) {
      const st = steps[i]!;
      out = i === 0 ? stepText(st, dnatOnly) : out + ';' + stepText(st, dnatOnly);
      if (st.kind === 'test' && st.test.kind === 'ct' && !st.negate && !st.test.matchesNew && st.test.dnat) {
        dnatOnly = true;
      }
    }
    return out;
  };
  return stepsText;
}
