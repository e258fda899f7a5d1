// The .ksvc lexer: one pass over the text, producing chevrotain tokens for the parser (a plain loop
// is several times faster than a regex-table lexer and allocates less, which matters at 10,000
// services). Shapes, in the order they are tried at each position:
//   whitespace   space, tab, CR, LF, FF, VT, NBSP, BOM                         (skipped)
//   comment      '#' to the end of the line (LF, CRLF or a lone CR)            (kept aside)
//   punctuation  -> - { } [ ] / : , =
//   IPv6         hex digits and colons with at least two colons, dots allowed  (fd00::1, ::ffff:1.2.3.4)
//   word         a letter, digit or '_', then letters, digits, '_', '.', '-' (not the '-' of '->');
//                letters include non-ASCII letters, so the checker can explain a bad name
// A word is then classified: a keyword; a number (digits); a number range (digits-digits, as in
// `nodePort range 30000-32767`); an IPv4-like address (digits and dots with at least one dot:
// 10.0.0.1, but also 10.1 or 300.1.1.1, which the checker rejects with a suggestion); or a plain
// word. A word, keyword or number directly followed by ':' is a port name (`dns:`), except the
// `endpoints` of `-> endpoints:8080`. Anything else is an unexpected character; a run of them is
// reported once.
import type { IToken, TokenType } from 'chevrotain';
import {
  Arrow,
  Colon,
  Comma,
  Dash,
  Equals,
  IPv4,
  IPv6,
  Keyword,
  keywordByText,
  LBrace,
  LBracket,
  NumberRange,
  NumberTok,
  PortName,
  RBrace,
  RBracket,
  Slash,
  Word,
} from './tokens.ts';

export interface LexError {
  offset: number;
  length: number;
}

export interface LexResult {
  tokens: IToken[];
  /** Comments: offset of the '#' and the text after it (without a trailing CR). */
  comments: { offset: number; text: string }[];
  errors: LexError[];
}

const ipv6Re = /[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*/y;
const letterRe = /[\p{L}\p{N}]/u;

const isAsciiWordChar = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const isSpace = (c: number): boolean =>
  c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 11 || c === 0xa0 || c === 0xfeff;

/** Length of the non-ASCII letter or digit at i (1 or 2 code units), or 0. */
function unicodeLetterAt(text: string, i: number): number {
  const cp = text.codePointAt(i)!;
  if (!letterRe.test(String.fromCodePoint(cp))) return 0;
  return cp > 0xffff ? 2 : 1;
}

// A packed table (no holes) for the ASCII range: reading a hole is slower than reading a null.
const punctuation: (TokenType | null)[] = new Array<TokenType | null>(128).fill(null);
punctuation['{'.charCodeAt(0)] = LBrace;
punctuation['}'.charCodeAt(0)] = RBrace;
punctuation['['.charCodeAt(0)] = LBracket;
punctuation[']'.charCodeAt(0)] = RBracket;
punctuation['/'.charCodeAt(0)] = Slash;
punctuation[':'.charCodeAt(0)] = Colon;
punctuation[','.charCodeAt(0)] = Comma;
punctuation['='.charCodeAt(0)] = Equals;

/** The keyword spelling of each keyword token type. */
const keywordText = new Map<TokenType, string>([...keywordByText].map(([text, type]) => [type, text]));

function token(type: TokenType, image: string, offset: number): IToken {
  return {
    image,
    startOffset: offset,
    tokenTypeIdx: type.tokenTypeIdx!,
    tokenType: type,
  };
}

/** The class of a word from its text (see the header). */
function classifyWord(w: string): TokenType {
  const c0 = w.charCodeAt(0);
  if (c0 < 48 || c0 > 57) return keywordByText.get(w) ?? Word;
  let dots = 0;
  let dash = -1;
  for (let i = 1; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c >= 48 && c <= 57) continue;
    if (c === 46) dots++;
    else if (c === 45 && dash < 0 && dots === 0) dash = i;
    else return Word;
  }
  if (dots > 0) return dash < 0 ? IPv4 : Word;
  if (dash < 0) return NumberTok;
  return dash < w.length - 1 ? NumberRange : Word;
}

/** An IPv6-looking literal at i, if any. The regex runs only when the hex run ends in ':'. */
function ipv6At(text: string, i: number): string | null {
  let j = i;
  while (isHex(text.charCodeAt(j))) j++;
  if (text.charCodeAt(j) !== 58) return null;
  ipv6Re.lastIndex = i;
  const m = ipv6Re.exec(text);
  return m === null ? null : m[0];
}

function retype(tok: IToken, type: TokenType): void {
  tok.tokenType = type;
  tok.tokenTypeIdx = type.tokenTypeIdx!;
}

export function lex(text: string): LexResult {
  return lexSegment(text, 0, Number.POSITIVE_INFINITY);
}

/** A piece of the text, lexed: `end` is where the next piece starts (the text's length at the end). */
export interface LexSegment extends LexResult {
  end: number;
  /** The piece reached `maxTokens` before a '}' ended it (`end` is where it stopped). */
  cut?: true;
}

/**
 * Lex from `start` until the first '}' that closes every '{' before it, once at least `minTokens`
 * tokens were read (or to the end of the text). The pieces of a text, lexed one after another,
 * hold the tokens, comments and errors of lex(text): a piece ends after a '}', which no other
 * token's class depends on. Parsing piece by piece lets each piece's tokens die young, instead of
 * a million token objects surviving the whole parse (parse-ksvc.ts). Past `maxTokens` the piece is
 * cut where it stands (`cut`): a caller reading pieces gives up on one that long instead of lexing,
 * say, 60 MB of text that never closes a block and lexing it all again the ordinary way.
 */
export function lexSegment(text: string, start: number, minTokens: number, maxTokens = Infinity): LexSegment {
  const tokens: IToken[] = [];
  const comments: { offset: number; text: string }[] = [];
  const errors: LexError[] = [];
  const n = text.length;
  let i = start;
  let depth = 0;
  let errStart = -1;
  const flushError = (end: number) => {
    if (errStart >= 0) {
      errors.push({ offset: errStart, length: end - errStart });
      errStart = -1;
    }
  };
  while (i < n) {
    if (tokens.length >= maxTokens) {
      flushError(i);
      return { tokens, comments, errors, end: i, cut: true };
    }
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10) {
      // the common whitespace, without the error bookkeeping call
      if (errStart >= 0) flushError(i);
      i++;
      continue;
    }
    if (isSpace(c)) {
      flushError(i);
      i++;
      continue;
    }
    if (c === 35) {
      // '#'
      flushError(i);
      // A comment ends at the end of its line: LF, CRLF or a lone CR.
      let end = i + 1;
      while (end < n && text.charCodeAt(end) !== 10 && text.charCodeAt(end) !== 13) end++;
      const body = text.slice(i + 1, end);
      comments.push({ offset: i, text: body });
      i = end;
      continue;
    }
    if (isHex(c) || c === 58) {
      const v6 = ipv6At(text, i);
      if (v6 !== null) {
        flushError(i);
        tokens.push(token(IPv6, v6, i));
        i += v6.length;
        continue;
      }
    }
    const p = c < 128 ? punctuation[c]! : null;
    if (p !== null) {
      flushError(i);
      if (p === Colon) markPortName(tokens);
      tokens.push(token(p, text[i]!, i));
      i++;
      if (p === LBrace) depth++;
      else if (p === RBrace && depth > 0 && --depth === 0 && tokens.length >= minTokens) {
        return { tokens, comments, errors, end: i };
      }
      continue;
    }
    if (c === 45) {
      // '-'
      flushError(i);
      if (text.charCodeAt(i + 1) === 62) {
        tokens.push(token(Arrow, '->', i));
        i += 2;
      } else {
        tokens.push(token(Dash, '-', i));
        i++;
      }
      continue;
    }
    const first = isAsciiWordChar(c) ? 1 : c >= 128 ? unicodeLetterAt(text, i) : 0;
    if (first > 0) {
      flushError(i);
      let j = i + first;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (isAsciiWordChar(d) || d === 46 || (d === 45 && text.charCodeAt(j + 1) !== 62)) j++;
        else if (d >= 128) {
          const len = unicodeLetterAt(text, j);
          if (len === 0) break;
          j += len;
        } else break;
      }
      const image = text.slice(i, j);
      const type = classifyWord(image);
      // A keyword token keeps the shared keyword string, not its own copy.
      tokens.push(token(type, keywordText.get(type) ?? image, i));
      i = j;
      continue;
    }
    if (errStart < 0) errStart = i;
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < n ? 2 : 1;
  }
  flushError(n);
  return { tokens, comments, errors, end: n };
}

/** The token before ':' names a port, unless it is the `endpoints` of `-> endpoints:PORT`. */
function markPortName(tokens: IToken[]): void {
  const last = tokens[tokens.length - 1];
  if (last === undefined) return;
  const t = last.tokenType;
  const wordLike =
    t === Word || t === NumberTok || t === NumberRange || (keywordByText.get(last.image) === t && t !== undefined);
  if (!wordLike) return;
  if (t === Keyword.endpoints && tokens[tokens.length - 2]?.tokenType === Arrow) return;
  retype(last, PortName);
}
