// A fast path for JSON input (`kubectl get -o json`): a plain RFC 8259 parser that builds the same
// yaml-package nodes (YAMLMap, YAMLSeq, Scalar with source ranges) the YAML composer builds, so the
// rest of the import reads both alike. The yaml package reads JSON too, but several times slower;
// on anything this parser refuses, the caller falls back to the YAML reader (and its messages).
import { Pair, Scalar, YAMLMap, YAMLSeq, type Node as YNode } from 'yaml';
import { declineFastPath } from './fast-decline.ts';

export type JsonParse = { ok: true; value: YNode } | { ok: false };

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Fail extends Error {}

/** A kind whose objects are in `items` (List, ServiceList, ...). */
export const isListKind = (kind: string): boolean => kind === 'List' || /^[A-Z][A-Za-z]*List$/.test(kind);

/** The parser over one text: `value` reads the value at `at` (after whitespace) and moves past it. */
interface JsonParser {
  at: number;
  skip(): void;
  /** a string at `at` (its opening quote) */
  str(): string;
  value(depth: number): YNode;
}

/** Parse a single JSON value (with surrounding whitespace); { ok: false } on any syntax error. */
export function parseJsonNodes(text: string): JsonParse {
  const p = jsonParser(text);
  try {
    const v = p.value(0);
    p.skip();
    return p.at === text.length ? { ok: true, value: v } : { ok: false };
  } catch (e) {
    if (e instanceof Fail) return { ok: false };
    throw e;
  }
}

function jsonParser(text: string): JsonParser {
  let i = 0;
  const skip = () => {
    while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  };
  const scalar = (value: unknown, start: number, source?: string): Scalar => {
    const s = new Scalar(value);
    s.range = [start, i, i];
    if (source !== undefined) s.source = source;
    return s;
  };
  const str = (): string => {
    // text[i] === '"'
    let out = '';
    let j = ++i;
    for (;;) {
      const c = text.charCodeAt(j);
      if (j >= text.length || c < 0x20) throw new Fail();
      if (c === 0x22) {
        out += text.slice(i, j);
        i = j + 1;
        return out;
      }
      if (c === 0x5c) {
        out += text.slice(i, j);
        const e = text[j + 1];
        if (e === 'u') {
          const hex = text.slice(j + 2, j + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Fail();
          out += String.fromCharCode(parseInt(hex, 16));
          j += 6;
        } else {
          const r = e === undefined ? undefined : ESCAPES[e];
          if (r === undefined) throw new Fail();
          out += r;
          j += 2;
        }
        i = j;
        continue;
      }
      j++;
    }
  };
  const value = (depth: number): YNode => {
    if (depth > 200) throw new Fail();
    skip();
    const start = i;
    const c = text[i];
    if (c === '{') {
      const m = new YAMLMap();
      const keys = new Set<string>();
      i++;
      skip();
      if (text[i] === '}') i++;
      else {
        for (;;) {
          skip();
          if (text[i] !== '"') throw new Fail();
          const ks = i;
          const k = str();
          if (keys.has(k)) throw new Fail();
          keys.add(k);
          const key = scalar(k, ks);
          skip();
          if (text[i] !== ':') throw new Fail();
          i++;
          m.items.push(new Pair(key, value(depth + 1)));
          skip();
          if (text[i] === ',') {
            i++;
            continue;
          }
          if (text[i] === '}') {
            i++;
            break;
          }
          throw new Fail();
        }
      }
      m.range = [start, i, i];
      return m;
    }
    if (c === '[') {
      const s = new YAMLSeq();
      i++;
      skip();
      if (text[i] === ']') i++;
      else {
        for (;;) {
          s.items.push(value(depth + 1));
          skip();
          if (text[i] === ',') {
            i++;
            continue;
          }
          if (text[i] === ']') {
            i++;
            break;
          }
          throw new Fail();
        }
      }
      s.range = [start, i, i];
      return s;
    }
    if (c === '"') {
      const v = str();
      return scalar(v, start);
    }
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return scalar(v, start, word);
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) throw new Fail();
    i += m[0].length;
    return scalar(Number(m[0]), start, m[0]);
  };
  return {
    get at() {
      return i;
    },
    set at(v: number) {
      i = v;
    },
    skip,
    str,
    value,
  };
}

/**
 * A JSON `List` (what `kubectl get -o json` prints for several objects) read an item at a time: its
 * own fields first, then each element of `items` parsed when the one before has been taken, so
 * that a reader that lets each go keeps one object's nodes alive, not the file's. null when the
 * text is not plainly such a List (not an object, a kind that is not a List, apiVersion not a
 * string, no `items` array, a duplicate field, a syntax error outside `items`): the caller parses
 * the whole text. A syntax error inside `items` is thrown (fast-decline.ts) when the items before
 * it may have been taken: the caller starts again without this path.
 */
export function jsonListItems(text: string): { list: YAMLMap; items: Generator<YNode, void, undefined> } | null {
  const p = jsonParser(text);
  let itemsAt = -1;
  let itemsEnd = -1;
  const list = new YAMLMap();
  try {
    p.skip();
    const start = p.at;
    if (text.charCodeAt(start) !== 0x7b) return null;
    const keys = new Set<string>();
    p.at++;
    p.skip();
    if (text.charCodeAt(p.at) === 0x7d) return null;
    for (;;) {
      p.skip();
      if (text.charCodeAt(p.at) !== 0x22) return null;
      const ks = p.at;
      const k = p.str();
      if (keys.has(k)) return null;
      keys.add(k);
      const key = new Scalar(k);
      key.range = [ks, p.at, p.at];
      p.skip();
      if (text.charCodeAt(p.at) !== 0x3a) return null;
      p.at++;
      p.skip();
      let value: YNode;
      if (k === 'items' && text.charCodeAt(p.at) === 0x5b) {
        // skipped here by its brackets, parsed element by element below
        itemsAt = p.at;
        itemsEnd = matchingBracket(text, itemsAt);
        if (itemsEnd < 0) return null;
        const seq = new YAMLSeq();
        seq.range = [itemsAt, itemsEnd, itemsEnd];
        value = seq;
        p.at = itemsEnd;
      } else value = p.value(1);
      list.items.push(new Pair(key, value));
      p.skip();
      const c = text.charCodeAt(p.at++);
      if (c === 0x2c) continue;
      if (c === 0x7d) break;
      return null;
    }
    list.range = [start, p.at, p.at];
    p.skip();
    if (p.at !== text.length || itemsAt < 0) return null;
  } catch (e) {
    if (e instanceof Fail) return null;
    throw e;
  }
  const kind = list.get('kind', true) as YNode | undefined;
  const apiVersion = list.get('apiVersion', true) as Scalar | undefined;
  if (!(kind instanceof Scalar) || typeof kind.value !== 'string' || !isListKind(kind.value)) return null;
  if (apiVersion !== undefined && apiVersion.value !== null && typeof apiVersion.value !== 'string') return null;
  return { list, items: listItems(text, itemsAt, itemsEnd) };
}

function* listItems(text: string, at: number, end: number): Generator<YNode, void, undefined> {
  const p = jsonParser(text);
  p.at = at + 1;
  p.skip();
  if (text.charCodeAt(p.at) === 0x5d) {
    if (p.at + 1 !== end) declineFastPath();
    return;
  }
  for (;;) {
    let item: YNode;
    try {
      item = p.value(2);
      p.skip();
    } catch (e) {
      if (e instanceof Fail) declineFastPath();
      throw e;
    }
    const c = text.charCodeAt(p.at++);
    if (c !== 0x2c && c !== 0x5d) declineFastPath();
    if (c === 0x5d && p.at !== end) declineFastPath();
    yield item;
    if (c === 0x5d) return;
  }
}

/** The offset after the bracket closing the one at `at` (strings skipped), or -1. */
function matchingBracket(text: string, at: number): number {
  let depth = 0;
  for (let j = at; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x22) {
      for (j++; j < text.length && text.charCodeAt(j) !== 0x22; j++) if (text.charCodeAt(j) === 0x5c) j++;
    } else if (c === 0x5b || c === 0x7b) depth++;
    else if (c === 0x5d || c === 0x7d) {
      if (--depth === 0) return j + 1;
    }
  }
  return -1;
}
