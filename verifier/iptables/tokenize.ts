// The fast path's first half: split one iptables-restore / iptables-save line into tokens exactly
// as iptables-restore does (1.8.x, checked against iptables-restore 1.8.9): spaces and tabs
// separate; outside quotes a '"' opens a quoted part and a backslash is literal; inside quotes
// '\x' stands for x and the closing '"' ends the token ("c d"ef is two tokens, ab"c d" is one).
//
// Each token is then classified for the *skeleton*: options ("-x", "--xyz"), '!', a match
// module's name after -m and a supported target's name after -j stay literal; every other token
// becomes PLACEHOLDER. The skeleton is what the ohm grammar matches (once per distinct skeleton,
// see template.ts and skeletons.ts); the values are read back by token index.
//
// This runs once per line of a dump that may have 800,000 lines, so scanLine works on char codes
// in the text the line is part of, makes no string at all (token texts are sliced only when a
// value is needed: tokenText), and reuses one Tokens object from line to line. It also hashes the
// skeleton as it goes (skeletons.ts finds the template by that hash). tokenizeLine does the same
// for one line and then fills in every text and the skeleton string.

/** Stands for one value token in a skeleton. */
export const PLACEHOLDER = '⟨v⟩';

/** Targets whose name stays literal in the skeleton (the grammar knows their options). */
export const TARGET_WORDS: ReadonlySet<string> = new Set([
  'ACCEPT',
  'DROP',
  'RETURN',
  'REJECT',
  'DNAT',
  'MASQUERADE',
  'MARK',
]);
const TARGET_LIST: readonly string[] = [...TARGET_WORDS];
/** A bit per length of a target word: most names after -j (chain names) have none of them. */
const TARGET_LENGTHS = TARGET_LIST.reduce((bits, w) => bits | (1 << w.length), 0);

/** Options whose argument is free text: the next token is a value whatever it looks like (getopt takes it). */
export const FREE_TEXT_OPTIONS: ReadonlySet<string> = new Set(['--comment', '--name', '--nfacct-name']);

export interface Tokens {
  /** Number of tokens (the arrays may be longer when reused). */
  count: number;
  /**
   * Token texts after unquoting: filled by tokenizeLine and completeTokens only. The reader's
   * scanLine leaves them stale; it reads a value with tokenText.
   */
  texts: string[];
  /** Start and end (exclusive) of each token in the line, 0-based UTF-16 offsets. */
  starts: number[];
  ends: number[];
  /** Where each token's quoted part opens in the line (-1: the token was written without quotes). */
  quoteAt: number[];
  /** Whether each token stays literal in the skeleton (else it is PLACEHOLDER). */
  literal: boolean[];
  /** Start of each token in `skeleton` (filled with `skeleton`). */
  skelStarts: number[];
  /** The skeleton as text: filled by tokenizeLine and completeTokens only. */
  skeleton: string;
  /** A hash of the skeleton: equal skeletons have equal hashes. */
  hash: number;
  /** An unterminated quote: where it opened in the line (-1: none). */
  unterminatedQuoteAt: number;
  /** The string the line is part of, and the line's start and end (exclusive) in it. */
  src: string;
  base: number;
  lineEnd: number;
  /** The next backslash in `src` at or after the last one looked for (-1: not looked yet; kept from line to line). */
  nextBackslash: number;
  /** Likewise the next '"' and the next tab (a token without either ends at the next space). */
  nextQuote: number;
  nextTab: number;
}

export const newTokens = (): Tokens => ({
  count: 0,
  texts: [],
  starts: [],
  ends: [],
  quoteAt: [],
  literal: [],
  skelStarts: [],
  skeleton: '',
  hash: 0,
  unterminatedQuoteAt: -1,
  src: '',
  base: 0,
  lineEnd: 0,
  nextBackslash: -1,
  nextQuote: -1,
  nextTab: -1,
});

/** Whether token k was written without quotes (its text is its characters). */
export const isPlain = (tk: Tokens, k: number): boolean => tk.quoteAt[k]! < 0;

const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isWordChar = (c: number): boolean => isLetter(c) || isDigit(c) || c === 95;

/** src[s, e) is "-x" or "--x…" with letters, digits and '-' (what the grammar's optionLike accepts). */
export function looksLikeOptionAt(src: string, s: number, e: number): boolean {
  const n = e - s;
  if (n < 2 || src.charCodeAt(s) !== 45) return false;
  const c1 = src.charCodeAt(s + 1);
  if (n === 2) return isLetter(c1);
  if (c1 !== 45 || !isLetter(src.charCodeAt(s + 2))) return false;
  for (let i = s + 3; i < e; i++) {
    const c = src.charCodeAt(i);
    if (!isLetter(c) && !isDigit(c) && c !== 45) return false;
  }
  return true;
}

export const looksLikeOption = (t: string): boolean => looksLikeOptionAt(t, 0, t.length);

function isModuleNameAt(src: string, s: number, e: number): boolean {
  if (e === s) return false;
  for (let i = s; i < e; i++) if (!isWordChar(src.charCodeAt(i))) return false;
  return true;
}

/** src[s, e) is exactly `word`. */
export const rangeIs = (src: string, s: number, e: number, word: string): boolean =>
  e - s === word.length && src.startsWith(word, s);

function isTargetWordAt(src: string, s: number, e: number): boolean {
  if (e - s > 30 || (TARGET_LENGTHS & (1 << (e - s))) === 0) return false;
  for (const w of TARGET_LIST) if (rangeIs(src, s, e, w)) return true;
  return false;
}

// What an option token makes of the token after it.
const NEXT_ANY = 0; // nothing special
const NEXT_MODULE = 1; // -m / --match: a module name stays literal
const NEXT_TARGET = 2; // -j / --jump: a known target's name stays literal
const NEXT_VALUE = 3; // a free-text option: the next token is a value whatever it looks like

/** What the plain token src[s, e) (starting with '-') makes of the next token. */
function optionKind(src: string, s: number, e: number): number {
  switch (e - s) {
    case 2: {
      const c1 = src.charCodeAt(s + 1);
      return c1 === 109 /* m */ ? NEXT_MODULE : c1 === 106 /* j */ ? NEXT_TARGET : NEXT_ANY;
    }
    case 6:
      return src.startsWith('--jump', s) ? NEXT_TARGET : src.startsWith('--name', s) ? NEXT_VALUE : NEXT_ANY;
    case 7:
      return src.startsWith('--match', s) ? NEXT_MODULE : NEXT_ANY;
    case 9:
      return src.startsWith('--comment', s) ? NEXT_VALUE : NEXT_ANY;
    case 13:
      return src.startsWith('--nfacct-name', s) ? NEXT_VALUE : NEXT_ANY;
    default:
      return NEXT_ANY;
  }
}

/** Whether token k (at src[s, e), plain) stays literal, given what the token before it makes of it. */
function isLiteralAt(src: string, s: number, e: number, k: number, after: number): boolean {
  const c0 = src.charCodeAt(s);
  if (k === 0 && (e - s === 1 ? c0 === 58 /* : */ || c0 === 42 /* * */ : rangeIs(src, s, e, 'COMMIT'))) return true;
  if (after === NEXT_VALUE) return false;
  if (after === NEXT_MODULE && isModuleNameAt(src, s, e)) return true;
  if (after === NEXT_TARGET && isTargetWordAt(src, s, e)) return true;
  if (c0 === 33 /* ! */ && e - s === 1) return true;
  return c0 === 45 /* - */ && looksLikeOptionAt(src, s, e);
}

function push(tk: Tokens, start: number, end: number, quoteAt: number): void {
  const k = tk.count++;
  tk.starts[k] = start;
  tk.ends[k] = end;
  tk.quoteAt[k] = quoteAt;
}

/**
 * Read one token starting at `i` (not a space) of a line ending at `n`, push it, and return the
 * index after it (absolute offsets). A quoted part is found with indexOf unless it has a backslash.
 */
function readToken(tk: Tokens, src: string, i: number, n: number): number {
  const base = tk.base;
  const start = i;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9) break;
    if (c === 34 /* " */) {
      const open = i++;
      let close = src.indexOf('"', i);
      if (close < 0 || close >= n) close = n;
      if (tk.nextBackslash < i) {
        const b = src.indexOf('\\', i);
        tk.nextBackslash = b < 0 ? Number.POSITIVE_INFINITY : b;
      }
      if (tk.nextBackslash < close) {
        // '\x' stands for x, so a backslash may hide a quote: go character by character.
        close = n;
        while (i < n) {
          const q = src.charCodeAt(i);
          if (q === 92 /* \ */ && i + 1 < n) i += 2;
          else if (q === 34) {
            close = i;
            break;
          } else i++;
        }
      }
      if (close < n) {
        push(tk, start - base, close + 1 - base, open - base);
        return close + 1; // the closing quote ends the token
      }
      tk.unterminatedQuoteAt = open - base;
      push(tk, start - base, n - base, open - base);
      return n;
    }
    i++;
  }
  push(tk, start - base, i - base, -1);
  return i;
}

/** Where the next `ch` in src is at or after i (infinity: none). */
function nextOf(src: string, ch: string, i: number): number {
  const at = src.indexOf(ch, i);
  return at < 0 ? Number.POSITIVE_INFINITY : at;
}

// FNV-1a over a few codes per token, a placeholder counting as one code no character has. A
// literal token gives its length and three of its characters, not all of them: a hit is confirmed
// piece by piece anyway (skeletons.ts), and hashing every character cost a pass over them per line.
const FNV_PRIME = 0x01000193;
const PLACEHOLDER_CODE = 0x10000;

/**
 * Split src[from, to) (one line, no newline) into tokens, classify them for the skeleton and hash
 * the skeleton, reusing `tk`. Texts and the skeleton string are not made (see completeTokens).
 */
export function scanLine(src: string, from: number, to: number, tk: Tokens): Tokens {
  tk.count = 0;
  tk.unterminatedQuoteAt = -1;
  if (tk.src !== src || from < tk.base) {
    tk.nextBackslash = -1;
    tk.nextQuote = -1;
    tk.nextTab = -1;
  }
  tk.src = src;
  tk.base = from;
  tk.lineEnd = to;
  let i = from;
  // A chain or table line starts with ':' / '*' glued to the name: that character is its own token.
  const first = src.charCodeAt(from);
  if (from < to && (first === 58 /* : */ || first === 42) /* * */) {
    push(tk, 0, 1, -1);
    i++;
  }
  while (i < to) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    // A token with no quote or tab in it ends at the next space: found with indexOf, not
    // character by character (the characters of ~800,000 lines).
    if (tk.nextQuote < i) tk.nextQuote = nextOf(src, '"', i);
    if (tk.nextTab < i) tk.nextTab = nextOf(src, '\t', i);
    let e = src.indexOf(' ', i);
    if (e < 0 || e > to) e = to;
    if (tk.nextQuote >= e && tk.nextTab >= e) {
      push(tk, i - from, e - from, -1);
      i = e;
    } else i = readToken(tk, src, i, to);
  }
  // Classify (each token after what its predecessor makes of it) and hash the skeleton.
  let h = 0x811c9dc5;
  let after = NEXT_ANY;
  for (let k = 0; k < tk.count; k++) {
    const s = from + tk.starts[k]!;
    const e = from + tk.ends[k]!;
    const plain = tk.quoteAt[k]! < 0;
    const lit = plain && isLiteralAt(src, s, e, k, after);
    tk.literal[k] = lit;
    after = plain && src.charCodeAt(s) === 45 /* - */ ? optionKind(src, s, e) : NEXT_ANY;
    if (!lit) h = Math.imul(h ^ PLACEHOLDER_CODE, FNV_PRIME);
    else {
      // every literal token has a character (an empty token is a value); --dport and --sport differ at 2
      const n = e - s;
      h = Math.imul(h ^ (0x20000 + n), FNV_PRIME);
      h = Math.imul(h ^ src.charCodeAt(s + (n > 2 ? 2 : n - 1)), FNV_PRIME);
      h = Math.imul(h ^ src.charCodeAt(s + (n >> 1)), FNV_PRIME);
      h = Math.imul(h ^ src.charCodeAt(e - 1), FNV_PRIME);
    }
  }
  tk.hash = h & 0x3fffffff; // a small integer: a Map key that needs no boxing
  return tk;
}

/** The text of token k: its characters, or for a quoted token the text iptables-restore makes of it. */
export function tokenText(tk: Tokens, k: number): string {
  const src = tk.src;
  const start = tk.base + tk.starts[k]!;
  const end = tk.base + tk.ends[k]!;
  const open = tk.quoteAt[k]!;
  if (open < 0) return src.slice(start, end);
  // Replay the quoted part: '\x' stands for x; the closing quote (if any) is the token's last character.
  const n = tk.lineEnd;
  let text = src.slice(start, tk.base + open);
  let i = tk.base + open + 1;
  let run = i;
  while (i < end) {
    const q = src.charCodeAt(i);
    if (q === 92 /* \ */ && i + 1 < n) {
      text += src.slice(run, i) + src[i + 1];
      i += 2;
      run = i;
    } else if (q === 34) break;
    else i++;
  }
  return text + src.slice(run, i);
}

/** Fill in the texts and the skeleton string of scanned tokens (for ohm, messages and tests). */
export function completeTokens(tk: Tokens): Tokens {
  let skeleton = '';
  for (let k = 0; k < tk.count; k++) {
    const text = tokenText(tk, k);
    tk.texts[k] = text;
    if (k > 0) skeleton += ' ';
    tk.skelStarts[k] = skeleton.length;
    skeleton += tk.literal[k] ? text : PLACEHOLDER;
  }
  tk.skeleton = skeleton;
  return tk;
}

/** Split `line` (no newline) into tokens with their texts and its skeleton, reusing `tk` when given. */
export function tokenizeLine(line: string, tk: Tokens = newTokens()): Tokens {
  return completeTokens(scanLine(line, 0, line.length, tk));
}
