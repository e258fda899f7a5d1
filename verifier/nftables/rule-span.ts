// Where an item's rule object lies in the document's text, found without scanning the rule: a
// rule's state keeps this span instead of the parsed object, and reads the rule from it when the
// programs are built (objects.ts).
import type { ItemSpan } from './state.ts';

/**
 * Where the rule object of an item (`{"rule":{…}}` or `{"<command>":{"rule":{…}}}`) is in the
 * source text. Every wrapper has one key, so the first `"rule"` string of the item is the key, and
 * the rule ends where the wrappers' closing braces begin: the rule itself is never scanned.
 */
export function ruleSpan(source: string, item: ItemSpan, wrappers: number): ItemSpan | null {
  let start = source.indexOf('"rule"', item.start) + 6;
  if (start < 6 || start >= item.end) return null;
  while (isSpace(source.charCodeAt(start))) start++;
  if (source.charCodeAt(start) !== 0x3a) return null;
  start++;
  while (isSpace(source.charCodeAt(start))) start++;
  if (source.charCodeAt(start) !== 0x7b) return null;
  // a second "rule" inside: a duplicate key (JSON keeps the last: nft loads that one), or the word
  // in a name or comment; the parsed object is read instead of a text that may hold two
  const again = source.indexOf('"rule"', start);
  if (again >= 0 && again < item.end) return null;
  let end = item.end;
  for (let w = 0; w < wrappers; w++) {
    end--; // at a wrapper's closing brace
    if (source.charCodeAt(end) !== 0x7d) return null;
    while (end > start && isSpace(source.charCodeAt(end - 1))) end--;
  }
  return source.charCodeAt(end - 1) === 0x7d ? { start, end } : null;
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
