// Splits a document's text `{"nftables": [ item, item, … ]}` into its items without parsing it as a
// whole: each item is then parsed on its own, so the objects of a 200 MB document die young
// instead of all surviving (and being copied by the garbage collector) until the end, and a rule
// can keep its place in the text instead of its parsed objects (re-parsed when it is read, and
// sliced — without copying — for its origin). Anything but exactly that shape (or text the
// scanner cannot follow) returns null, and the caller parses the whole text instead.

export interface ItemSpans {
  /** start, end (exclusive) offsets of each item, flattened. */
  spans: number[];
  /** the offset of the first number written with a fraction or an exponent, or -1 (numbersNftRefuses) */
  realAt: number;
  /** the offset of the first integer past 64 bits, or -1 */
  bigAt: number;
}

/** Set by skipValue: the first number written as a real since scanItems or numbersNftRefuses began. */
let realAt = -1;
/** Set by skipValue: the first integer jansson refuses ("too big integer"), likewise. */
let bigAt = -1;

/** The largest magnitudes jansson reads into its 64-bit integers, as digits. */
const INT64_MAX = '9223372036854775807';
const INT64_MIN_MAGNITUDE = '9223372036854775808';

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

export function scanItems(text: string): ItemSpans | null {
  const n = text.length;
  let i = 0;
  realAt = -1;
  bigAt = -1;
  const skip = (): void => {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
  };
  skip();
  if (text.charCodeAt(i) !== 0x7b) return null;
  i++;
  skip();
  if (!text.startsWith('"nftables"', i)) return null;
  i += 10;
  skip();
  if (text.charCodeAt(i) !== 0x3a) return null;
  i++;
  skip();
  if (text.charCodeAt(i) !== 0x5b) return null;
  i++;
  const spans: number[] = [];
  skip();
  if (text.charCodeAt(i) === 0x5d) i++;
  else
    for (;;) {
      skip();
      const start = i;
      const end = skipValue(text, i);
      if (end < 0) return null;
      spans.push(start, end);
      i = end;
      skip();
      const c = text.charCodeAt(i);
      i++;
      if (c === 0x5d) break;
      if (c !== 0x2c) return null;
    }
  skip();
  if (text.charCodeAt(i) !== 0x7d) return null;
  i++;
  skip();
  return i === n ? { spans, realAt, bigAt } : null;
}

/**
 * The offsets (or -1) of the first number written with a fraction or an exponent (`-100.0`, `6e2`)
 * outside strings, and of the first integer past 64 bits: nft's JSON parser (jansson) reads the
 * first as a real, which it refuses or ignores where an integer belongs (a priority of -100.0 made
 * a chain with no hook), where JSON.parse gives the same number as for `-100`; it refuses the
 * second ("too big integer"), where JSON.parse rounds it (to Infinity past 1e308). For text the
 * scanner does not follow.
 */
export function numbersNftRefuses(text: string): { realAt: number; bigAt: number } {
  realAt = -1;
  bigAt = -1;
  // the document's value, from its first bracket (text JSON.parse refuses is reported by it)
  const open = text.search(/[[{]/);
  if (open >= 0) skipValue(text, open);
  return { realAt, bigAt };
}

/** The end of the object or array starting at `i`, or -1. Strings are skipped with indexOf. */
function skipValue(text: string, i: number): number {
  const open = text.charCodeAt(i);
  if (open !== 0x7b && open !== 0x5b) return -1;
  let depth = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // to the closing quote: one not preceded by an odd number of backslashes
      let q = i;
      for (;;) {
        q = text.indexOf('"', q + 1);
        if (q < 0) return -1;
        let b = q - 1;
        while (text.charCodeAt(b) === 0x5c) b--;
        if ((q - 1 - b) % 2 === 0) break;
      }
      i = q + 1;
      continue;
    }
    if (bigAt < 0 && isDigit(c) && !isDigit(text.charCodeAt(i - 1))) {
      // a whole run of digits at once (a fraction's or an exponent's run is after a '.' or 'e',
      // which the real number test below sees at its own offset)
      let j = i + 1;
      while (isDigit(text.charCodeAt(j))) j++;
      const negative = text.charCodeAt(i - 1) === 0x2d;
      const limit = negative ? INT64_MIN_MAGNITUDE : INT64_MAX;
      if (j - i > limit.length || (j - i === limit.length && text.slice(i, j) > limit)) bigAt = negative ? i - 1 : i;
      i = j;
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    } else if (realAt < 0 && (c === 0x2e || ((c === 0x65 || c === 0x45) && isDigit(text.charCodeAt(i - 1))))) {
      // outside strings only numbers hold '.', and an exponent's e follows a digit (true, false and
      // null have no digit before their e)
      realAt = i;
    }
    i++;
  }
  return -1;
}
