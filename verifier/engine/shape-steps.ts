// The text of compiled steps in a shard shape (shape-program.ts), with every constant spelled by a
// Speller: as a hole of a template (shape-templates.ts), or by its number in one body (a text a
// body writes out: shape-stream.ts). Both spellings go through this one writer, so a template
// filled with a body's numbers is the text the body would have written itself.
import { BY_DESTINATION, type CPart, type CStep, type CTest, type CVerdict } from './compiled.ts';
import type { IntervalSet } from './intervals.ts';
import { AFFINITY_BASE, DIM, type PacketSpace } from './space.ts';

/**
 * How a constant is spelled. The writer asks in text order, left to right: a body numbers its
 * constants in first-seen order, so the order of the questions is part of the text. The steps
 * that depend on the body's key contexts (a dispatch, an indexed member test) are spelled whole.
 */
export interface Speller {
  addrSet(set: IntervalSet): string | number;
  portSet(set: IntervalSet): string | number;
  addrPoint(atom: number): string | number;
  portPoint(port: number): string | number;
  chain(chain: number): string | number;
  list(id: string): string | number;
  /** the whole `dispatch[...]` text of the items the body's reach offered it */
  dispatch(s: DispatchStep): string;
  /** the whole `member ...` text of an indexed test's items for the contexts (dnatOnly: its DNAT targets') */
  member(t: MemberTest, dnatOnly: boolean): string;
}

export type DispatchStep = Extract<CStep, { kind: 'dispatch' }>;
export type MemberTest = Extract<CTest, { kind: 'member' }>;

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
function isPointTupleSet(t: MemberTest): boolean {
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

/** The texts of steps and of an element's (or a member item's) conditions. */
export interface StepsWriter {
  steps(steps: readonly CStep[]): string;
  parts(parts: readonly CPart[]): string;
}

/** A steps writer: the text of a rule's (or an element's) steps. */
export function stepsWriter(space: PacketSpace, spell: Speller): StepsWriter {
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
  // Texts are joined with `+` (V8 keeps a rope, copied once when it is interned), not with
  // join(), which copies at every level of the nesting.
  const partsText = (parts: readonly CPart[]): string => {
    if (parts.length === 0) return '';
    let out = partText(parts[0]!);
    for (let i = 1; i < parts.length; i++) out = out + '&' + partText(parts[i]!);
    return out;
  };
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
        if (t.index !== null) return spell.member(t, dnatOnly);
        let out = 'member ';
        for (let k = 0; k < t.elements.length; k++) out = (k === 0 ? out : out + '|') + partsText(t.elements[k]!);
        return out;
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
      case 'dispatch':
        return spell.dispatch(s);
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
  return { steps: stepsText, parts: partsText };
}

/**
 * The text of an indexed member test's items (ascending, as the index offers them), each spelled
 * by `parts`; a set of point tuples is written sorted (isPointTupleSet).
 */
export function memberItemsText(t: MemberTest, items: readonly number[], parts: StepsWriter['parts']): string {
  const texts = new Array<string>(items.length);
  for (let k = 0; k < items.length; k++) texts[k] = parts(t.elements[items[k]!]!);
  // numbered in the set's order first, then written in an order of their own
  if (isPointTupleSet(t)) texts.sort();
  return `member ${texts.join('|')}`;
}
