// The per-check tables behind shard bodies written as numbers (shape-stream.ts): every constant a
// body can number (address sets, port sets, affinity lists) gets a check-wide id once, so that a
// body numbers it in first-seen order with two array reads instead of a text key; text templates
// (a rule's steps with a hole for each constant, shape-templates.ts) and the few texts a body
// still writes out (indexed member tests) are interned to numbers.
import type { CProgram } from './compiled.ts';
import type { IntervalSet } from './intervals.ts';

/** A hole's kind: what numbering fills it, or how a body writes it (shape-stream.ts). */
export const HOLE = {
  /** an address set or atom: the body's address number */
  addr: 0,
  /** a port set or port: the body's port number */
  port: 1,
  /** a chain: the number the body's reach gave it */
  chain: 2,
  /** an affinity list: the body's list number */
  list: 3,
  /** a dispatch without a DNAT port: its items' element templates */
  dispatch: 4,
  /** a dispatch whose elements DNAT with its port: the port's number, then the items */
  portedDispatch: 5,
  /** an indexed member test: its text for the body's contexts, interned */
  member: 6,
  /** an indexed member test after a DNAT test (its targets' contexts only) */
  dnatMember: 7,
  /** a text written out by the body, interned */
  text: 8,
  /** a number written as it is (a key context's or a service port's position in the body) */
  number: 9,
} as const;

/** A check-wide id per distinct value set (equal sets: one id), kept in first-interned order. */
export class SetTable {
  readonly sets: IntervalSet[] = [];
  private readonly byText = new Map<string, number>();
  /** compiled rules share their set objects: skip even the text of one seen before */
  private readonly byObject = new WeakMap<IntervalSet, number>();
  private readonly byPoint = new Map<number, number>();

  private add(set: IntervalSet): number {
    this.sets.push(set);
    return this.sets.length - 1;
  }
  /** A set's id, remembered by the object (a set the compiled rules keep). */
  ofKept(set: IntervalSet): number {
    let id = this.byObject.get(set);
    if (id === undefined) this.byObject.set(set, (id = this.of(set)));
    return id;
  }
  /** A set's id by its value (a set made for one shard: not remembered by the object). */
  of(set: IntervalSet): number {
    // a set of one value is always found by the value (so `byText` never holds one)
    if (set.length === 2 && set[0] === set[1]) return this.point(set[0]!);
    const key = set.join(',');
    let id = this.byText.get(key);
    if (id === undefined) this.byText.set(key, (id = this.add(set)));
    return id;
  }
  /** The id of the set of this one value. */
  point(v: number): number {
    let id = this.byPoint.get(v);
    if (id === undefined) this.byPoint.set(v, (id = this.add([v, v])));
    return id;
  }
}

/** Interned strings: texts of templates and texts written out, by number. */
export class TextTable {
  readonly texts: string[] = [];
  private readonly ids = new Map<string, number>();
  of(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.texts.length;
      this.ids.set(text, id);
      this.texts.push(text);
    }
    return id;
  }
}

/**
 * A body's numbers for one kind of constant: the first id it meets is 0, the next new one 1, ...
 * Stamps say which ids this body has met, so starting a body clears nothing.
 */
export class BodyNumbers {
  /** the ids met, in the order of their numbers */
  readonly order: number[] = [];
  private stamp = new Int32Array(1024);
  private number = new Int32Array(1024);
  private body = 0;

  start(): void {
    this.body++;
    this.order.length = 0;
  }
  of(id: number): number {
    if (id >= this.stamp.length) this.grow(id);
    if (this.stamp[id] !== this.body) {
      this.stamp[id] = this.body;
      this.number[id] = this.order.length;
      this.order.push(id);
    }
    return this.number[id]!;
  }
  private grow(id: number): void {
    const size = Math.max(id + 1, 2 * this.stamp.length);
    const stamp = new Int32Array(size);
    stamp.set(this.stamp);
    const number = new Int32Array(size);
    number.set(this.number);
    this.stamp = stamp;
    this.number = number;
  }
}

/** A growable list of numbers, reused for every body (one is written at a time). */
export class TokenBuffer {
  data = new Int32Array(4096);
  length = 0;
  push(n: number): void {
    if (this.length === this.data.length) {
      const more = new Int32Array(2 * this.data.length);
      more.set(this.data);
      this.data = more;
    }
    this.data[this.length++] = n;
  }
  /** the tokens written so far, as a fresh array */
  copy(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * Distinct token lists by number: a body's tokens are hashed, and a hit is confirmed token by
 * token (the hash only finds candidates, so two bodies share a number only if equal).
 */
export class TokenInterner {
  readonly lists: Int32Array[] = [];
  private readonly byHash = new Map<number, number[]>();
  of(buffer: TokenBuffer): number {
    const { data, length } = buffer;
    let h = 0x811c9dc5 ^ length;
    for (let i = 0; i < length; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
    const candidates = this.byHash.get(h);
    if (candidates !== undefined) {
      for (const id of candidates) if (sameTokens(this.lists[id]!, data, length)) return id;
    }
    const id = this.lists.length;
    this.lists.push(buffer.copy());
    if (candidates === undefined) this.byHash.set(h, [id]);
    else candidates.push(id);
    return id;
  }
}

function sameTokens(list: Int32Array, data: Int32Array, length: number): boolean {
  if (list.length !== length) return false;
  for (let i = 0; i < length; i++) if (list[i] !== data[i]) return false;
  return true;
}

/** A slot per rule of a program, found by chain and rule: where each chain's rules start. */
export interface RuleSlots {
  start: Int32Array;
  slots: Int32Array;
}

/** The program's rule slots (made on first use, all 0). */
export function ruleSlots(all: Map<CProgram, RuleSlots>, program: CProgram): RuleSlots {
  let p = all.get(program);
  if (p === undefined) {
    const start = new Int32Array(program.chains.length + 1);
    for (let c = 0; c < program.chains.length; c++) start[c + 1] = start[c]! + program.chains[c]!.rules.length;
    p = { start, slots: new Int32Array(start[program.chains.length]!) };
    all.set(program, p);
  }
  return p;
}

/** The slots kept for `key`, one per item (all 0 until made). */
export function slotsFor<K>(all: Map<K, Int32Array>, key: K, count: number): Int32Array {
  let slots = all.get(key);
  if (slots === undefined) all.set(key, (slots = new Int32Array(count)));
  return slots;
}

// A slot keeps a place in a pool made on first use: the place + 1, -1 for none, 0 while not made.

/** The place a slot keeps: undefined while not made, -1 for none. */
export const keptPlace = (slots: Int32Array, i: number): number | undefined => {
  const kept = slots[i]!;
  return kept === 0 ? undefined : kept > 0 ? kept - 1 : -1;
};

/** Keeps a place (or -1, none) in a slot; returns it. */
export const keepPlace = (slots: Int32Array, i: number, place: number): number => {
  slots[i] = place < 0 ? -1 : place + 1;
  return place;
};
