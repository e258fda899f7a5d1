// A fast path for JSON input (`kubectl get -o json`): a plain RFC 8259 parser that builds the same
// yaml-package nodes (YAMLMap, YAMLSeq, Scalar with source ranges) the YAML composer builds, so the
// rest of the import reads both alike. The yaml package reads JSON too, but several times slower;
// on anything this parser refuses, the caller falls back to the YAML reader (and its messages).
import { Pair, Scalar, YAMLMap, YAMLSeq, type Node as YNode } from 'yaml';

export type JsonParse = { ok: true; value: YNode } | { ok: false };

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Fail extends Error {}

/** Parse a single JSON value (with surrounding whitespace); { ok: false } on any syntax error. */
export function parseJsonNodes(text: string): JsonParse {
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
  try {
    const v = value(0);
    skip();
    return i === text.length ? { ok: true, value: v } : { ok: false };
  } catch (e) {
    if (e instanceof Fail) return { ok: false };
    throw e;
  }
}
