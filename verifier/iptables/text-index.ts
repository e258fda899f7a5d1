// Values keyed by a text, found from the characters of a token without slicing it: a lookup by a
// freshly sliced string would make one short-lived string per rule (e.g. every `--probability`).
// Entries with the same hash are chained; a hit is confirmed character by character.

export interface TextIndex<T> {
  byHash: Map<number, TextEntry<T>>;
}

interface TextEntry<T> {
  text: string;
  value: T;
  next: TextEntry<T> | null;
}

export const newTextIndex = <T>(): TextIndex<T> => ({ byHash: new Map() });

/** FNV-1a over src[s, e), kept to 30 bits (a small integer: a Map key that needs no boxing). */
export function hashChars(src: string, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) h = Math.imul(h ^ src.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}

/** The value kept for the text src[s, e), or undefined. */
export function findText<T>(index: TextIndex<T>, src: string, s: number, e: number): T | undefined {
  for (let entry = index.byHash.get(hashChars(src, s, e)) ?? null; entry !== null; entry = entry.next) {
    if (sameChars(entry.text, src, s, e)) return entry.value;
  }
  return undefined;
}

/**
 * `text` is src[s, e), compared in a loop: a kept text of 13 characters or more is a slice of a
 * string of its own (ownText), and startsWith with a slice leaves V8's fast path for flat strings.
 */
function sameChars(text: string, src: string, s: number, e: number): boolean {
  if (text.length !== e - s) return false;
  for (let j = 0; j < text.length; j++) if (text.charCodeAt(j) !== src.charCodeAt(s + j)) return false;
  return true;
}

/** Keep `value` for the text src[s, e) (which findText did not find). */
export function addText<T>(index: TextIndex<T>, src: string, s: number, e: number, value: T): void {
  const h = hashChars(src, s, e);
  index.byHash.set(h, { text: src.slice(s, e), value, next: index.byHash.get(h) ?? null });
}

/**
 * Values keyed by an unsigned 32-bit integer (a dotted quad's value): open addressing over a typed
 * array, since a Map boxes a number key past 2^30 (most addresses) on every lookup.
 */
export interface U32Index<T> {
  keys: Uint32Array;
  /** By slot; undefined: empty. The length is a power of two, at most half full. */
  values: (T | undefined)[];
  count: number;
}

export const newU32Index = <T>(): U32Index<T> => ({
  keys: new Uint32Array(256),
  values: new Array<T | undefined>(256).fill(undefined),
  count: 0,
});

const slotOfKey = (key: number, mask: number): number => (Math.imul(key, 0x9e3779b1) >>> 8) & mask;

export function findU32<T>(index: U32Index<T>, key: number): T | undefined {
  const { keys, values } = index;
  const mask = keys.length - 1;
  for (let i = slotOfKey(key, mask); ; i = (i + 1) & mask) {
    const v = values[i];
    if (v === undefined || keys[i] === key) return v;
  }
}

/** Keep `value` for `key` (which findU32 did not find). */
export function addU32<T>(index: U32Index<T>, key: number, value: T): void {
  if ((index.count + 1) * 2 > index.keys.length) {
    const { keys, values } = index;
    index.keys = new Uint32Array(keys.length * 2);
    index.values = new Array<T | undefined>(keys.length * 2).fill(undefined);
    index.count = 0;
    for (let i = 0; i < keys.length; i++) if (values[i] !== undefined) addU32(index, keys[i]!, values[i]!);
  }
  const { keys, values } = index;
  const mask = keys.length - 1;
  let i = slotOfKey(key, mask);
  while (values[i] !== undefined) i = (i + 1) & mask;
  keys[i] = key;
  values[i] = value;
  index.count++;
}
