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
    if (entry.text.length === e - s && src.startsWith(entry.text, s)) return entry.value;
  }
  return undefined;
}

/** Keep `value` for the text src[s, e) (which findText did not find). */
export function addText<T>(index: TextIndex<T>, src: string, s: number, e: number, value: T): void {
  const h = hashChars(src, s, e);
  index.byHash.set(h, { text: src.slice(s, e), value, next: index.byHash.get(h) ?? null });
}
