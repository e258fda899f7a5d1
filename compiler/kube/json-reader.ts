// A fast path for JSON input (`kubectl get -o json`): a plain RFC 8259 parser that builds the same
// yaml-package nodes (YAMLMap, YAMLSeq, Scalar with source ranges) the YAML composer builds, so the
// rest of the import reads both alike. The yaml package reads JSON too, but several times slower;
// on anything this parser refuses, the caller falls back to the YAML reader (and its messages).
import { Pair, Scalar, YAMLMap, YAMLSeq, type Node as YNode } from 'yaml';
import { declineFastPath } from './fast-decline.ts';
import { isPlainList } from './list-kind.ts';

export type JsonParse = { ok: true; value: YNode } | { ok: false };

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Fail extends Error {}

/** The parser over one text: `value` reads the value at `at` (after whitespace) and moves past it. */
interface JsonParser {
  at: number;
  skip(): void;
  value(depth: number): YNode;
}

/**
 * Reads the value of an object's member itself, from `at` (after whitespace), leaving `at` past it;
 * undefined: the parser reads it.
 */
type MemberReader = (key: string, depth: number) => YNode | undefined;

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

function jsonParser(text: string, member?: MemberReader): JsonParser {
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
          if (member !== undefined) skip();
          m.items.push(new Pair(key, member?.(k, depth) ?? value(depth + 1)));
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
  let items: { at: number; end: number } | null = null;
  // the top object's `items` array is skipped by its brackets, to be parsed element by element
  const p = jsonParser(text, (key, depth) => {
    if (depth !== 0 || key !== 'items' || text.charCodeAt(p.at) !== 0x5b) return undefined;
    const at = p.at;
    const end = matchingBracket(text, at);
    if (end < 0) throw new Fail();
    items = { at, end };
    const seq = new YAMLSeq();
    seq.range = [at, end, end];
    p.at = end;
    return seq;
  });
  let top: YNode;
  try {
    top = p.value(0);
    p.skip();
  } catch (e) {
    if (e instanceof Fail) return null;
    throw e;
  }
  const found = items as { at: number; end: number } | null;
  if (p.at !== text.length || found === null || !(top instanceof YAMLMap) || !isPlainList(top)) return null;
  return { list: top, items: listItems(text, found.at, found.end) };
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
