// The scalars of the fast YAML path (yaml-fast.ts): plain scalars resolved as the yaml package's
// composer resolves them (its own YAML 1.2 core-schema tags, tried in its order), and one-line
// quoted scalars. Anything these do not read declines (fast-decline.ts).
import { isScalar, Scalar, Schema } from 'yaml';
import { declineFastPath as decline } from './fast-decline.ts';

interface ScalarTag {
  default?: boolean | 'key';
  test?: RegExp;
  format?: string;
  resolve: (text: string, onError: (message: string) => void, options: { intAsBigInt: boolean }) => unknown;
}

/** The YAML 1.2 core schema's scalar tags the composer tries on a plain scalar, in its order. */
const CORE_TAGS = (new Schema({ schema: 'core' }).tags as ScalarTag[]).filter((t) => t.test !== undefined);
const RESOLVE_OPTIONS = { intAsBigInt: false };

/** What the composer resolves a plain scalar's text to: the first default tag whose test matches. */
export function tagOf(text: string, atKey: boolean): ScalarTag | null {
  for (const t of CORE_TAGS) {
    if ((t.default === true || (atKey && t.default === 'key')) && t.test!.test(text)) return t;
  }
  return null;
}

/** Plain scalars, each text's tag looked up once (values repeat: protocols, ports, booleans). */
export class PlainScalars {
  private readonly tags = new Map<string, ScalarTag | null>();

  /** A plain scalar as the composer makes it: its core-schema tag's value, range, source, type. */
  resolved(value: string, start: number, valueEnd: number, nodeEnd: number): Scalar {
    let tag = this.tags.get(value);
    if (tag === undefined) {
      tag = tagOf(value, false);
      this.tags.set(value, tag);
    }
    let s: Scalar;
    if (tag === null) s = new Scalar(value);
    else {
      const res = tag.resolve(value, decline, RESOLVE_OPTIONS);
      s = isScalar(res) ? (res as Scalar) : new Scalar(res);
    }
    s.range = [start, valueEnd, nodeEnd];
    s.source = value;
    s.type = 'PLAIN';
    if (tag?.format) s.format = tag.format;
    return s;
  }
}

/** A quoted scalar that closes before `lineEnd`: its value and the offset after its closing quote. */
export function quoted(text: string, at: number, lineEnd: number): { value: string; close: number } {
  return text.charCodeAt(at) === 0x22 ? doubleQuoted(text, at, lineEnd) : singleQuoted(text, at, lineEnd);
}

const DOUBLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', n: '\n', t: '\t', r: '\r' };

/** A double-quoted scalar on one line: its value and the offset after its closing quote. */
function doubleQuoted(text: string, at: number, lineEnd: number): { value: string; close: number } {
  let value = '';
  let from = at + 1;
  for (let i = from; i < lineEnd; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return { value: value + text.slice(from, i), close: i + 1 };
    if (c !== 0x5c) continue;
    value += text.slice(from, i);
    const e = text[i + 1];
    const simple = e === undefined ? undefined : DOUBLE_ESCAPES[e];
    if (simple !== undefined) {
      value += simple;
      i++;
    } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
      const code = Number.parseInt(text.slice(i + 2, i + 6), 16);
      if (code >= 0xd800 && code <= 0xdfff) decline();
      value += String.fromCharCode(code);
      i += 5;
    } else decline();
    from = i + 1;
  }
  return decline();
}

function singleQuoted(text: string, at: number, lineEnd: number): { value: string; close: number } {
  let value = '';
  let from = at + 1;
  for (let i = from; i < lineEnd; i++) {
    if (text.charCodeAt(i) !== 0x27) continue;
    value += text.slice(from, i);
    if (text.charCodeAt(i + 1) !== 0x27) return { value, close: i + 1 };
    value += "'";
    i++;
    from = i + 1;
  }
  return decline();
}
