// Lines iptables-restore refuses for their bytes, where the words alone would pass: a word holding
// U+FFFD (bytes that are not UTF-8), and COMMIT with blanks around it. Apart from lines.ts, which
// calls these before it reads a line's words.

import { spanWhere } from './chains.ts';
import { iptCodes } from './codes.ts';
import type { LineReader } from './lines.ts';
import type { Tokens } from './tokenize.ts';
import { tokenText } from './tokenize.ts';

/**
 * A word of the line, other than a comment's text, holding U+FFFD — what bytes that are not UTF-8
 * are read as: an error (true). iptables-restore reads bytes, so two names that differ only in
 * such bytes (a recent list's --set and its --rcheck, `-i` names) are two to the kernel and would be
 * one here: `diff --input iptables` called a ruleset whose affinity the kernel never finds the same
 * routing. The text is searched once, not per line (r.nextReplacement).
 */
export function replacedName(r: LineReader, tokens: Tokens, from: number, to: number): boolean {
  if (r.nextReplacement < 0) return false;
  if (r.nextReplacement < from) r.nextReplacement = r.text.indexOf('\ufffd', from);
  if (r.nextReplacement < 0 || r.nextReplacement >= to) return false;
  for (let k = 0; k < tokens.count; k++) {
    if (!tokenText(tokens, k).includes('\ufffd')) continue;
    if (k > 0 && tokenText(tokens, k - 1) === '--comment') continue;
    r.diagnostics.push(
      iptCodes['ipt-syntax'](
        r.ctx.where(k),
        'a word with U+FFFD (bytes that are not UTF-8): iptables-restore keeps the bytes, so two names one here may be two in the kernel',
      ),
    );
    return true;
  }
  return false;
}

/**
 * iptables-restore ends a table only at a line that is exactly `COMMIT` (strcmp with "COMMIT\n"):
 * with a blank before or after it the line is read as a rule, and refused (measured, 1.8.9). The
 * reader still ends the table there (no cascade of errors after it).
 */
export function commitWithBlanks(r: LineReader, src: string, from: number, to: number, lineNo: number): void {
  const where = spanWhere(r.file, lineNo, from, 0, to - from, src);
  r.diagnostics.push(
    iptCodes['ipt-syntax'](
      where,
      "a COMMIT line with blanks around it: iptables-restore takes only 'COMMIT' alone on its line as the end of a table, and refuses this one",
    ),
  );
}
