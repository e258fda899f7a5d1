// A document the yaml package reads is held whole while it is read: its syntax tree, its nodes and
// the objects read from them took about 1.4 KB of the process's memory per value (an 18.7 MB List
// of 1.38 million values peaked at 1.97 GB RSS), of which about 0.85 KB heap (a review read 276,000
// values in a 256 MB heap and 782,000 in 1 GB). A document past the heap filled it for minutes before V8 ended the process
// (a 20 MB flow list of 10 million items), so its values are counted first, with the package's
// lexer, which keeps nothing — and only in documents long enough to hold that many.
import { Lexer } from 'yaml';

/**
 * What one value of a document costs of the heap while the yaml package reads it, under the
 * measured 0.85 KB: a document is refused only when it cannot fit, not when it might (1,200
 * refused Lists that read).
 */
export const YAML_BYTES_PER_VALUE = 700;

/** The fewest characters a value takes in YAML or JSON text (`1,`). */
const MIN_CHARS_PER_VALUE = 2;

/** A document marker at a line's start: where one document ends and the next begins. */
const DOCUMENT_MARKER = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;

export interface OversizedDocument {
  /** where the document starts in the text */
  offset: number;
  /** its values (scalars and flow collections) */
  values: number;
  /** what reading it would take */
  bytes: number;
}

/** The first document of `text` whose values would not fit in `budget` bytes, or null. */
export function oversizedYamlDocument(text: string, budget: number): OversizedDocument | null {
  const fit = Math.floor(budget / YAML_BYTES_PER_VALUE);
  if (text.length <= fit * MIN_CHARS_PER_VALUE) return null;
  const starts = [0];
  for (const m of text.matchAll(DOCUMENT_MARKER)) if (m.index > 0) starts.push(m.index);
  starts.push(text.length);
  for (let i = 0; i + 1 < starts.length; i++) {
    const [from, to] = [starts[i]!, starts[i + 1]!];
    if (to - from <= fit * MIN_CHARS_PER_VALUE) continue;
    const values = valuesIn(text.slice(from, to));
    if (values > fit) return { offset: from, values, bytes: values * YAML_BYTES_PER_VALUE };
  }
  return null;
}

/**
 * The values the lexer finds: plain and block scalars (each announced by the scalar marker),
 * quoted scalars, and flow collections; a block collection is counted through its items.
 */
function valuesIn(text: string): number {
  let values = 0;
  for (const token of new Lexer().lex(text)) {
    const c = token[0];
    if (c === '\x1f' || c === '"' || c === "'" || c === '[' || c === '{') values++;
  }
  return values;
}
