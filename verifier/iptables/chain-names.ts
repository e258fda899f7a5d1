// Chain names of one table, found from the characters of a token without slicing it: each chain
// gets one name string and one id string ("nat/KUBE-SVC-…"), shared by its declaration and every
// jump to it, one jump and one goto step, and (for the reader) its state in the open table. A
// 10,000-service dump declares ~200,000 chains and jumps ~400,000 times, so the index is an
// open-addressing table over a hash of the characters (a Map of that size costs more to fill).
import type { Step } from '../model/program.ts';
import type { ChainState } from './chains.ts';
import type { Table } from './context.ts';
import { hashChars } from './text-index.ts';

export interface ChainName {
  name: string;
  /** The chain's id in the program: "<table>/<name>". */
  id: string;
  /** Its index in the table's entries (its characters' place in `chars`). */
  index: number;
  jump: Step | null;
  goto: Step | null;
  /** The reader's chain of this name (check its owner: a table may be read twice). */
  chain: ChainState | null;
}

export interface ChainNames {
  table: Table;
  /**
   * Two numbers a slot: the name's hash and its entry index + 1 (0: empty). The slot count is a
   * power of two, at most half of them full. A probe reads the hash here, not from the entry.
   */
  slots: Int32Array;
  entries: ChainName[];
  /**
   * The names' characters one after another, entry k's from ends[k - 1] (0 for the first) to
   * ends[k]: a hit is confirmed against these, which is cheaper than startsWith on the name string.
   */
  chars: Uint16Array;
  ends: Int32Array;
}

export const newChainNames = (table: Table): ChainNames => ({
  table,
  slots: new Int32Array(2048),
  entries: [],
  chars: new Uint16Array(8192),
  ends: new Int32Array(256),
});

const ID_PREFIX: Record<Table, string> = { nat: 'nat/', filter: 'filter/' };

/** Entry k's name is src[s, e). */
export function nameIs(names: ChainNames, k: number, src: string, s: number, e: number): boolean {
  const { chars, ends } = names;
  const from = k === 0 ? 0 : ends[k - 1]!;
  if (ends[k]! - from !== e - s) return false;
  for (let j = 0; j < e - s; j++) if (chars[from + j] !== src.charCodeAt(s + j)) return false;
  return true;
}

/** The slot (its index in `slots`) of the name src[s, e) with hash h: its entry's, or the empty one where it would go. */
function slotOf(names: ChainNames, h: number, src: string, s: number, e: number): number {
  const slots = names.slots;
  const mask = slots.length - 1;
  for (let i = (h * 2) & mask; ; i = (i + 2) & mask) {
    const at = slots[i + 1]!;
    if (at === 0 || (slots[i] === h && nameIs(names, at - 1, src, s, e))) return i;
  }
}

function grow(names: ChainNames): void {
  const old = names.slots;
  const slots = new Int32Array(old.length * 2);
  const mask = slots.length - 1;
  for (let o = 0; o < old.length; o += 2) {
    if (old[o + 1] === 0) continue;
    let i = (old[o]! * 2) & mask;
    while (slots[i + 1] !== 0) i = (i + 2) & mask;
    slots[i] = old[o]!;
    slots[i + 1] = old[o + 1]!;
  }
  names.slots = slots;
}

/** Append the characters of entry k (the newest), growing the arrays as needed. */
function keepChars(names: ChainNames, k: number, name: string): void {
  const from = k === 0 ? 0 : names.ends[k - 1]!;
  if (k >= names.ends.length) {
    const ends = new Int32Array(names.ends.length * 2);
    ends.set(names.ends);
    names.ends = ends;
  }
  if (from + name.length > names.chars.length) {
    const chars = new Uint16Array(Math.max(names.chars.length * 2, from + name.length));
    chars.set(names.chars);
    names.chars = chars;
  }
  for (let j = 0; j < name.length; j++) names.chars[from + j] = name.charCodeAt(j);
  names.ends[k] = from + name.length;
}

/** The entry for the name src[s, e), or null if it never occurred. */
export function findChainName(names: ChainNames, src: string, s: number, e: number): ChainName | null {
  const at = names.slots[slotOf(names, hashChars(src, s, e), src, s, e) + 1]!;
  return at === 0 ? null : names.entries[at - 1]!;
}

/** The entry for the name src[s, e), made on first use. */
export function chainNameAt(names: ChainNames, src: string, s: number, e: number): ChainName {
  const h = hashChars(src, s, e);
  const slot = slotOf(names, h, src, s, e);
  const at = names.slots[slot + 1]!;
  if (at !== 0) return names.entries[at - 1]!;
  // The id made first and the name sliced from it: slicing flattens the id into one string of its
  // own (no view into src) that the name then shares.
  const id = ID_PREFIX[names.table] + src.slice(s, e);
  const name = id.slice(ID_PREFIX[names.table].length);
  const entry: ChainName = { name, id, index: names.entries.length, jump: null, goto: null, chain: null };
  keepChars(names, entry.index, name);
  names.entries.push(entry);
  names.slots[slot] = h;
  names.slots[slot + 1] = names.entries.length;
  if (names.entries.length * 4 > names.slots.length) grow(names);
  return entry;
}

/** The jump or goto step to a chain (one per chain and kind). */
export function chainStep(entry: ChainName, kind: 'jump' | 'goto'): Step {
  const existing = entry[kind];
  if (existing !== null) return existing;
  const step: Step = { kind: 'verdict', verdict: { kind, chain: entry.id } };
  entry[kind] = step;
  return step;
}
