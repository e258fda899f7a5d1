// The fast path's first half: split one iptables-restore / iptables-save line into tokens exactly
// as iptables-restore does (1.8.x, checked against iptables-restore 1.8.9): spaces and tabs
// separate; outside quotes a '"' opens a quoted part and a backslash is literal; inside quotes
// '\x' stands for x and the closing '"' ends the token ("c d"ef is two tokens, ab"c d" is one).
//
// Each token is then classified for the *skeleton*: options ("-x", "--xyz"), '!', a match
// module's name after -m and a supported target's name after -j stay literal; every other token
// becomes PLACEHOLDER. The skeleton is what the ohm grammar matches (once per distinct skeleton,
// see template.ts); the values are read back from `texts` by index.
//
// This runs once per line of a dump that may have 800,000 lines, so it works on char codes and
// can reuse one Tokens object from line to line (pass it back in).

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

/** Options whose argument is free text: the next token is a value whatever it looks like (getopt takes it). */
export const FREE_TEXT_OPTIONS: ReadonlySet<string> = new Set(['--comment', '--name', '--nfacct-name']);

export interface Tokens {
  /** Number of tokens (the arrays may be longer when reused). */
  count: number;
  /** Token texts after unquoting. */
  texts: string[];
  /** Start and end (exclusive) of each token in the line, 0-based UTF-16 offsets. */
  starts: number[];
  ends: number[];
  /** Start of each token in `skeleton`. */
  skelStarts: number[];
  /** Whether each token was written without quotes. */
  plain: boolean[];
  skeleton: string;
  /** An unterminated quote: where it opened (-1: none). */
  unterminatedQuoteAt: number;
}

export const newTokens = (): Tokens => ({
  count: 0,
  texts: [],
  starts: [],
  ends: [],
  skelStarts: [],
  plain: [],
  skeleton: '',
  unterminatedQuoteAt: -1,
});

const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isWordChar = (c: number): boolean => isLetter(c) || (c >= 48 && c <= 57) || c === 95;

/** "-x" or "--x…" with letters, digits and '-' (what the grammar's optionLike accepts). */
export function looksLikeOption(t: string): boolean {
  const n = t.length;
  if (n < 2 || t.charCodeAt(0) !== 45) return false;
  const c1 = t.charCodeAt(1);
  if (n === 2) return isLetter(c1);
  if (c1 !== 45 || !isLetter(t.charCodeAt(2))) return false;
  for (let i = 3; i < n; i++) {
    const c = t.charCodeAt(i);
    if (!isLetter(c) && !(c >= 48 && c <= 57) && c !== 45) return false;
  }
  return true;
}

function isModuleName(t: string): boolean {
  if (t.length === 0) return false;
  for (let i = 0; i < t.length; i++) if (!isWordChar(t.charCodeAt(i))) return false;
  return true;
}

const isSpace = (c: number): boolean => c === 32 || c === 9;

function push(tk: Tokens, text: string, start: number, end: number, plain: boolean): void {
  const k = tk.count++;
  tk.texts[k] = text;
  tk.starts[k] = start;
  tk.ends[k] = end;
  tk.plain[k] = plain;
}

/** Read one token starting at `i` (not a space); returns the index after it. */
function readToken(tk: Tokens, line: string, i: number): number {
  const n = line.length;
  const start = i;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (isSpace(c)) break;
    if (c === 34 /* " */) {
      let text = line.slice(start, i);
      const open = i++;
      let run = i;
      while (i < n) {
        const q = line.charCodeAt(i);
        if (q === 92 /* \ */ && i + 1 < n) {
          text += line.slice(run, i) + line[i + 1];
          i += 2;
          run = i;
        } else if (q === 34) {
          push(tk, text + line.slice(run, i), start, i + 1, false);
          return i + 1; // the closing quote ends the token
        } else i++;
      }
      tk.unterminatedQuoteAt = open;
      push(tk, text + line.slice(run, i), start, i, false);
      return i;
    }
    i++;
  }
  push(tk, line.slice(start, i), start, i, true);
  return i;
}

/** Split `line` (no newline) into tokens and build its skeleton, reusing `tk` when given. */
export function tokenizeLine(line: string, tk: Tokens = newTokens()): Tokens {
  tk.count = 0;
  tk.unterminatedQuoteAt = -1;
  const n = line.length;
  let i = 0;
  // A chain or table line starts with ':' / '*' glued to the name: that character is its own token.
  const first = line.charCodeAt(0);
  if (first === 58 /* : */ || first === 42 /* * */) {
    push(tk, line[0]!, 0, 1, true);
    i = 1;
  }
  while (i < n) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    i = readToken(tk, line, i);
  }
  let skeleton = '';
  for (let k = 0; k < tk.count; k++) {
    if (k > 0) skeleton += ' ';
    tk.skelStarts[k] = skeleton.length;
    skeleton += skeletonPiece(tk, k);
  }
  tk.skeleton = skeleton;
  return tk;
}

function skeletonPiece(tk: Tokens, k: number): string {
  const text = tk.texts[k]!;
  if (!tk.plain[k]) return PLACEHOLDER;
  if (k === 0 && (text === ':' || text === '*' || text === 'COMMIT')) return text;
  const prev = k > 0 && tk.plain[k - 1] ? tk.texts[k - 1]! : '';
  const p0 = prev.charCodeAt(0);
  if (p0 === 45 /* - */) {
    if (FREE_TEXT_OPTIONS.has(prev)) return PLACEHOLDER;
    if ((prev === '-m' || prev === '--match') && isModuleName(text)) return text;
    if ((prev === '-j' || prev === '--jump') && TARGET_WORDS.has(text)) return text;
  }
  const c0 = text.charCodeAt(0);
  if (c0 === 33 /* ! */ && text.length === 1) return text;
  if (c0 === 45 && looksLikeOption(text)) return text;
  return PLACEHOLDER;
}
