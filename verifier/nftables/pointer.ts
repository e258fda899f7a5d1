// JSON pointers (RFC 6901) for diagnostics and rule origins, and finding where one points in the
// document's text so a diagnostic can carry a line and column as well as the pointer.

/** Append one reference token to a pointer. */
export const child = (pointer: string, token: string | number): string =>
  typeof token === 'number' || isPlainToken(token) ? `${pointer}/${token}` : `${pointer}/${escapeToken(token)}`;

/**
 * `child` for a pointer kept as long as what it names (an element, a rule): one flat string. V8
 * keeps the result of `+` or a template as a tree of its pieces (32 bytes a node, until something
 * flattens it), and at 10,000 services hundreds of thousands of pointers and element identities
 * live through the whole read (docs/benchmarks.md, nineteenth round). A join makes a flat string.
 */
export function keptChild(pointer: string, ...tokens: (string | number)[]): string {
  const parts: (string | number)[] = [pointer];
  for (const t of tokens) parts.push(typeof t === 'number' || isPlainToken(t) ? t : escapeToken(t));
  return parts.join('/');
}

/** keptChild of an array index: the pointer of each element of a long list, without a rest array. */
export const keptIndex = (pointer: string, i: number): string => [pointer, i].join('/');

const isPlainToken = (t: string): boolean => t.indexOf('~') < 0 && t.indexOf('/') < 0;
const escapeToken = (t: string): string => t.replace(/~/g, '~0').replace(/\//g, '~1');

const unescapeToken = (t: string): string => t.replace(/~1/g, '/').replace(/~0/g, '~');

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The [start, end) offsets of the value `pointer` names in `text` (valid JSON) — the JSON value
 * starting at `from` — or null when the pointer names nothing. Scans only along the pointer,
 * skipping other values without building them; without `findEnd`, end is the start.
 */
export function locatePointer(
  text: string,
  pointer: string,
  from = 0,
  findEnd = true,
): { start: number; end: number } | null {
  const tokens = pointer === '' ? [] : pointer.slice(1).split('/').map(unescapeToken);
  let i = from;
  const skipSpace = (): void => {
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  };
  const skipString = (): void => {
    i++; // opening quote
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x5c) i += 2;
      else if (c === 0x22) {
        i++;
        return;
      } else i++;
    }
  };
  const readString = (): string => {
    const start = i;
    skipString();
    return JSON.parse(text.slice(start, i)) as string;
  };
  /** Skip one value starting at i (after whitespace). */
  const skipValue = (): void => {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      skipString();
      return;
    }
    if (c === 0x7b || c === 0x5b) {
      let depth = 0;
      while (i < text.length) {
        const d = text.charCodeAt(i);
        if (d === 0x22) {
          skipString();
          continue;
        }
        if (d === 0x7b || d === 0x5b) depth++;
        else if (d === 0x7d || d === 0x5d) {
          depth--;
          if (depth === 0) {
            i++;
            return;
          }
        }
        i++;
      }
      return;
    }
    while (i < text.length) {
      const d = text.charCodeAt(i);
      if (d === 0x2c || d === 0x7d || d === 0x5d || isSpace(d)) return;
      i++;
    }
  };
  skipSpace();
  for (const token of tokens) {
    const open = text.charCodeAt(i);
    if (open === 0x7b) {
      i++;
      let found = false;
      for (;;) {
        skipSpace();
        if (text.charCodeAt(i) === 0x7d) return null;
        const key = readString();
        skipSpace();
        i++; // ':'
        skipSpace();
        if (key === token) {
          found = true;
          break;
        }
        skipValue();
        skipSpace();
        if (text.charCodeAt(i) === 0x2c) i++;
      }
      if (!found) return null;
    } else if (open === 0x5b) {
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return null;
      const want = Number(token);
      i++;
      for (let k = 0; ; k++) {
        skipSpace();
        if (text.charCodeAt(i) === 0x5d) return null;
        if (k === want) break;
        skipValue();
        skipSpace();
        if (text.charCodeAt(i) === 0x2c) i++;
      }
    } else return null;
  }
  const start = i;
  if (findEnd) skipValue();
  return { start, end: i };
}

/**
 * The pointer of the innermost value around `offset` in `text` — JSON up to there, whatever
 * follows — for what is found by its place in the text (a number's spelling, where the text stops
 * being JSON), so it names its JSON path as every other diagnostic does. One scan, with a stack:
 * a deeply nested document cannot overflow it.
 */
export function pointerAt(text: string, offset: number): string {
  // per open container: its token so far (an object's key, once read; an array's index), and
  // whether the next string in an object is a key
  const tokens: (string | number | null)[] = [];
  const isObject: boolean[] = [];
  let keyNext = false;
  let i = 0;
  while (i < offset && i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      i++;
      while (i < text.length && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
      i++;
      // a key wholly before the offset names its member; one the offset is inside names the object
      if (keyNext && i <= offset) tokens[tokens.length - 1] = keyOf(text.slice(start, i));
      keyNext = false;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      tokens.push(c === 0x5b ? 0 : null);
      isObject.push(c === 0x7b);
      keyNext = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      tokens.pop();
      isObject.pop();
      keyNext = false;
    } else if (c === 0x2c && tokens.length > 0) {
      const top = tokens.length - 1;
      if (isObject[top]) {
        tokens[top] = null;
        keyNext = true;
      } else tokens[top] = (tokens[top] as number) + 1;
    }
    i++;
  }
  let pointer = '';
  for (const t of tokens) if (t !== null) pointer = child(pointer, t);
  return pointer;
}

/** A key's text as its token (a key JSON.parse refuses is taken as it is spelled). */
function keyOf(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted.slice(1, -1);
  }
}
