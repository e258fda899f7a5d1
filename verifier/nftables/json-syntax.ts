// Where a text stops being JSON, and why: JSON.parse says only that it is not (Node 20's messages
// quote a piece of the text and give no position), so a document nft would refuse is pointed at
// with its line and column instead of 1:1. Run only after JSON.parse failed: it follows RFC 8259's
// grammar, with a stack instead of recursion (a deeply nested document cannot overflow it).

export interface JsonSyntaxError {
  /** Offset (UTF-16 units) of the first character that is not JSON at its place. */
  offset: number;
  reason: string;
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/** A character as a message shows it: printable ASCII quoted, anything else by code point. */
const shown = (text: string, at: number): string => {
  if (at >= text.length) return 'the end of the document';
  const c = text.codePointAt(at)!;
  return c > 0x20 && c < 0x7f ? `'${String.fromCodePoint(c)}'` : `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
};

/** The first place TEXT is not JSON, or null when it is. */
export function jsonSyntaxError(text: string): JsonSyntaxError | null {
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  };
  const fail = (reason: string): JsonSyntaxError => ({ offset: i, reason: `${reason}, found ${shown(text, i)}` });
  /** A string at i (its opening quote); null when it is one, an error otherwise. */
  const string = (): JsonSyntaxError | null => {
    i++;
    for (;;) {
      if (i >= text.length) return fail('a string is not closed');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return null;
      }
      if (c < 0x20) return fail('a control character must be escaped in a string');
      if (c === 0x5c) {
        ESCAPE.lastIndex = i;
        if (!ESCAPE.test(text)) return fail('not an escape JSON has');
        i = ESCAPE.lastIndex;
      } else i++;
    }
  };
  // what closes each open container: '}' or ']'
  const open: number[] = [];
  for (;;) {
    // a value
    skipSpace();
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      i++;
      skipSpace();
      const close = c === 0x7b ? 0x7d : 0x5d;
      if (text.charCodeAt(i) === close) {
        i++;
      } else {
        open.push(close);
        if (close === 0x7d) {
          const key = member();
          if (key !== null) return key;
        }
        continue;
      }
    } else if (c === 0x22) {
      const bad = string();
      if (bad !== null) return bad;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) return fail('not a number');
      i = NUMBER.lastIndex;
    } else {
      LITERAL.lastIndex = i;
      if (!LITERAL.test(text)) return fail('expected a value');
      i = LITERAL.lastIndex;
    }
    // after a value: the next member or element, or the end of its containers
    for (;;) {
      skipSpace();
      const close = open.at(-1);
      if (close === undefined) return i < text.length ? fail('expected the end of the document') : null;
      const d = text.charCodeAt(i);
      if (d === close) {
        open.pop();
        i++;
        continue;
      }
      if (d !== 0x2c) return fail(close === 0x7d ? "expected ',' or '}'" : "expected ',' or ']'");
      i++;
      if (close === 0x7d) {
        skipSpace();
        const key = member();
        if (key !== null) return key;
      }
      break;
    }
  }

  /** An object member's key and ':' at i (after space); null when they are there. */
  function member(): JsonSyntaxError | null {
    if (text.charCodeAt(i) !== 0x22) return fail('expected a member name in double quotes');
    const bad = string();
    if (bad !== null) return bad;
    skipSpace();
    if (text.charCodeAt(i) !== 0x3a) return fail("expected ':' after a member name");
    i++;
    return null;
  }
}
