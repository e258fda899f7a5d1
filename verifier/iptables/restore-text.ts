// What iptables-restore makes of a text before any rule is parsed, where that differs from reading
// it line by line: a line it would split, a NUL it would cut at, a carriage return it would keep in
// the last word, a byte-order mark. Each lets the reader read what the kernel's tool does not load,
// or loads otherwise, so each is refused (read.ts).
import { isBlank } from './lines.ts';

/**
 * iptables-restore reads a line into a buffer of 10,240 bytes (fgets, its NUL included): the
 * rest of a longer line is read as another line — a comment's tail as a rule. So a line of more
 * than 10,239 bytes before its newline is refused, wherever it is (checked with iptables-restore
 * 1.8.9: 10,239 loads as one rule, 10,240 splits).
 */
export const MAX_LINE_BYTES = 10_239;

/** The UTF-8 length of text[from, to), counted only as far as `limit` + 1. */
function utf8Length(text: string, from: number, to: number, limit: number): number {
  let n = 0;
  for (let i = from; i < to && n <= limit; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      n += 4; // a surrogate pair: one 4-byte character
      i++;
    } else n += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
  }
  return n;
}

/** The line [from, nl) is longer than iptables-restore's buffer: it would read the rest as another line. */
export function splitByRestore(text: string, from: number, nl: number): boolean {
  // a line of more than a third of the buffer in characters may hold more bytes than it
  return nl - from > MAX_LINE_BYTES / 3 && utf8Length(text, from, nl, MAX_LINE_BYTES) > MAX_LINE_BYTES;
}

export const TOO_LONG_REFUSAL = `the line is longer than ${MAX_LINE_BYTES} bytes: iptables-restore reads the rest of it as another line`;

/**
 * iptables-restore keeps a line's CR as part of its last word ("table name 'filter\\r' invalid",
 * "Invalid target name `RETURN\\r'"): a file with Windows line ends does not load. A comment or
 * blank line's CR is harmless: whether the CR of the line [from, end) matters (`end` before the CR).
 */
export const carriageReturnMatters = (text: string, from: number, end: number): boolean =>
  !isBlank(text, from, end) && text.charCodeAt(from) !== 35; /* # */

export const CR_REFUSAL =
  'the line ends in a carriage return (a Windows line end): iptables-restore reads it as part of the last word and refuses the line; save the file with LF line ends';

/**
 * Why the whole text is refused before its lines are read — said once, instead of a syntax error
 * for every line — and where (its line, the line's start, the offset in the line), or null.
 */
export function wholeTextRefusal(text: string): { reason: string; line: number; lineStart: number; at: number } | null {
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    // counted in place: a split of a 150 MB prefix of empty lines made an array V8 cannot hold
    let line = 1;
    let lineStart = 0;
    for (let i = text.indexOf('\n'); i >= 0 && i < nul; i = text.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    return {
      reason: `line ${line} holds a NUL byte: iptables-restore ends the line there and reads it without the rest; remove it`,
      line,
      lineStart,
      at: nul - lineStart,
    };
  }
  const first = (reason: string) => ({ reason, line: 1, lineStart: 0, at: 0 });
  if (text.startsWith('\ufeff'))
    return first(
      'the text starts with a byte-order mark (U+FEFF), which iptables-restore refuses ("line 1 failed"); save it without one',
    );
  // an nft document given as the iptables artifact
  if (/^\s*[[{]/.test(text))
    return first(
      'this is JSON, not iptables-restore or iptables-save text (an nftables JSON document is read as the nftables artifact)',
    );
  return null;
}
