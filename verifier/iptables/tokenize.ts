// The fast path's first half: split one iptables-restore / iptables-save line into tokens exactly
// as iptables-restore does (1.8.x, checked against iptables-restore 1.8.9): spaces and tabs
// separate; outside quotes a '"' opens a quoted part and a backslash is literal; inside quotes
// '\x' stands for x and the closing '"' ends the token ("c d"ef is two tokens, ab"c d" is one).
//
// Each token is then classified for the *skeleton*: options ("-x", "--xyz"), '!', a match
// module's name after -m and a supported target's name after -j stay literal; every other token
// becomes PLACEHOLDER. The skeleton is what the ohm grammar matches (once per distinct skeleton,
// see template.ts); the values are read back from `texts` by index.

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

const OPTION = /^(?:-[A-Za-z]|--[A-Za-z][A-Za-z0-9-]*)$/;
const MODULE_NAME = /^[A-Za-z0-9_]+$/;

export interface Tokens {
  /** Token texts after unquoting. */
  texts: string[];
  /** Start and end (exclusive) of each token in the line, 0-based UTF-16 offsets. */
  starts: number[];
  ends: number[];
  /** Start of each token in `skeleton`. */
  skelStarts: number[];
  skeleton: string;
  /** An unterminated quote: where it opened. */
  unterminatedQuoteAt?: number;
}

const isSpace = (c: number): boolean => c === 32 || c === 9;

/** Split `line` (no newline) into tokens and build its skeleton. */
export function tokenizeLine(line: string): Tokens {
  const texts: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const plain: boolean[] = [];
  const n = line.length;
  let i = 0;
  // A chain or table line starts with ':' / '*' glued to the name: that character is its own token.
  const first = line.charCodeAt(0);
  if (first === 58 /* : */ || first === 42 /* * */) {
    texts.push(line[0]!);
    starts.push(0);
    ends.push(1);
    plain.push(true);
    i = 1;
  }
  let unterminatedQuoteAt: number | undefined;
  while (i < n) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    let text = '';
    let quoted = false;
    let runStart = i;
    while (i < n) {
      const c = line.charCodeAt(i);
      if (isSpace(c)) break;
      if (c === 34 /* " */) {
        text += line.slice(runStart, i);
        quoted = true;
        const open = i;
        i++;
        runStart = i;
        let closed = false;
        while (i < n) {
          const q = line.charCodeAt(i);
          if (q === 92 /* \ */ && i + 1 < n) {
            text += line.slice(runStart, i) + line[i + 1];
            i += 2;
            runStart = i;
          } else if (q === 34) {
            text += line.slice(runStart, i);
            i++;
            closed = true;
            break;
          } else i++;
        }
        if (!closed) {
          unterminatedQuoteAt = open;
          text += line.slice(runStart, i);
        }
        runStart = i;
        break; // the closing quote ends the token
      }
      i++;
    }
    if (!quoted) text = line.slice(start, i);
    else if (runStart < i) text += line.slice(runStart, i);
    texts.push(text);
    starts.push(start);
    ends.push(i);
    plain.push(!quoted);
  }
  const skelStarts: number[] = new Array(texts.length);
  let skeleton = '';
  for (let k = 0; k < texts.length; k++) {
    const piece = skeletonPiece(k, texts, plain);
    if (k > 0) skeleton += ' ';
    skelStarts[k] = skeleton.length;
    skeleton += piece;
  }
  const out: Tokens = { texts, starts, ends, skelStarts, skeleton };
  if (unterminatedQuoteAt !== undefined) out.unterminatedQuoteAt = unterminatedQuoteAt;
  return out;
}

function skeletonPiece(k: number, texts: string[], plain: boolean[]): string {
  const text = texts[k]!;
  if (k === 0) {
    if (plain[0] && (text === ':' || text === '*' || text === 'COMMIT')) return text;
  }
  const prev = k > 0 ? texts[k - 1]! : '';
  const prevPlain = k > 0 && plain[k - 1]!;
  if (prevPlain && FREE_TEXT_OPTIONS.has(prev)) return PLACEHOLDER;
  if (!plain[k]) return PLACEHOLDER;
  if (text === '!') return text;
  if (OPTION.test(text)) return text;
  if (prevPlain && (prev === '-m' || prev === '--match') && MODULE_NAME.test(text)) return text;
  if (prevPlain && (prev === '-j' || prev === '--jump') && TARGET_WORDS.has(text)) return text;
  return PLACEHOLDER;
}

/** True when a token is an option as the skeleton sees it (for messages). */
export const looksLikeOption = (text: string): boolean => OPTION.test(text);
