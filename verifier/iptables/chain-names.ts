// Chain names of one table, found from the characters of a token without slicing it: each chain
// gets one name string and one id string ("nat/KUBE-SVC-…"), shared by its declaration and every
// jump to it, one jump and one goto step, and (for the reader) its state in the open table. A
// 10,000-service dump declares ~200,000 chains and jumps ~400,000 times, so the index is an
// open-addressing table over a hash of the characters (a Map of that size costs more to fill).
import type { Step } from '../model/program.ts';
import { ownText } from '../model/text-store.ts';
import type { ChainState } from './chains.ts';
import type { Table } from './context.ts';
import { hashChars } from './text-index.ts';

export interface ChainName {
  name: string;
  /** The chain's id in the program: "<table>/<name>". */
  id: string;
  hash: number;
  jump: Step | null;
  goto: Step | null;
  /** The reader's chain of this name (check its owner: a table may be read twice). */
  chain: ChainState | null;
}

export interface ChainNames {
  table: Table;
  /** Entry index + 1 by slot (0: empty); the length is a power of two, at most half full. */
  slots: Int32Array;
  entries: ChainName[];
}

export const newChainNames = (table: Table): ChainNames => ({ table, slots: new Int32Array(1024), entries: [] });

const ID_PREFIX: Record<Table, string> = { nat: 'nat/', filter: 'filter/' };

/** The slot of the name src[s, e) with hash h: its entry's, or the empty one where it would go. */
function slotOf(names: ChainNames, h: number, src: string, s: number, e: number): number {
  const { slots, entries } = names;
  const mask = slots.length - 1;
  for (let i = h & mask; ; i = (i + 1) & mask) {
    const at = slots[i]!;
    if (at === 0) return i;
    const n = entries[at - 1]!;
    if (n.hash === h && n.name.length === e - s && src.startsWith(n.name, s)) return i;
  }
}

function grow(names: ChainNames): void {
  const slots = new Int32Array(names.slots.length * 2);
  const mask = slots.length - 1;
  names.entries.forEach((n, k) => {
    let i = n.hash & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = k + 1;
  });
  names.slots = slots;
}

/** The entry for the name src[s, e), or null if it never occurred. */
export function findChainName(names: ChainNames, src: string, s: number, e: number): ChainName | null {
  const at = names.slots[slotOf(names, hashChars(src, s, e), src, s, e)]!;
  return at === 0 ? null : names.entries[at - 1]!;
}

/** The entry for the name src[s, e), made on first use. */
export function chainNameAt(names: ChainNames, src: string, s: number, e: number): ChainName {
  const h = hashChars(src, s, e);
  const slot = slotOf(names, h, src, s, e);
  const at = names.slots[slot]!;
  if (at !== 0) return names.entries[at - 1]!;
  const name = ownText(src.slice(s, e));
  const entry: ChainName = { name, id: ID_PREFIX[names.table] + name, hash: h, jump: null, goto: null, chain: null };
  names.entries.push(entry);
  names.slots[slot] = names.entries.length;
  if (names.entries.length * 2 > names.slots.length) grow(names);
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
