// Source text and 1-based positions (graphql-js style): every diagnostic and AST node points into
// a SourceFile through a Span, and the CLI renders frames from the same data.

export interface Position {
  /** 1-based line number. */
  line: number;
  /**
   * 1-based column, counted in code points (characters): an emoji or a CJK extension character is one
   * column, as a reader counts, not the two UTF-16 units JavaScript strings hold.
   */
  column: number;
  /** 0-based offset into the text. */
  offset: number;
}

/** A half-open range [start, end). */
export interface Span {
  start: Position;
  end: Position;
}

export interface SourceFile {
  /** The path as the user gave it (shown in diagnostics). */
  path: string;
  text: string;
  /** Offsets at which each line starts; computed once (typed: a JS array stops at 2^27 entries, and a 1 GiB input of empty lines has more). */
  lineStarts: ArrayLike<number>;
  /** The text has characters outside the BMP (surrogate pairs): columns must count code points. */
  astral: boolean;
}

export function makeSourceFile(path: string, text: string): SourceFile {
  return { path, text, lineStarts: lineStartsOf(text), astral: /[\ud800-\udbff][\udc00-\udfff]/.test(text) };
}

/**
 * The offsets at which the lines of `text` start. A line ends at LF, CRLF or a lone CR (old Mac
 * files); with `lfOnly` at LF alone (iptables-restore's lines).
 */
export function lineStartsOf(text: string, lfOnly = false): Uint32Array {
  // counted first, then filled: a typed array of the exact size
  const crs = !lfOnly && text.indexOf('\r') >= 0;
  let n = 1;
  const each = (at: (next: number) => void) => {
    if (!crs) {
      // the common case, by indexOf (a fast native scan), not character by character
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) at(i + 1);
      return;
    }
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) at(i + 1);
    }
  };
  each(() => n++);
  const starts = new Uint32Array(n);
  let k = 1;
  each((next) => {
    starts[k++] = next;
  });
  return starts;
}

/** The 1-based column of `offset` on the line starting at `lineStart`, in code points. */
export function columnAt(source: SourceFile, lineStart: number, offset: number): number {
  if (!source.astral) return offset - lineStart + 1;
  let col = 1;
  for (let i = lineStart; i < offset; i++) {
    const c = source.text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < offset) {
      const d = source.text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    col++;
  }
  return col;
}

export function positionAt(source: SourceFile, offset: number): Position {
  const o = Math.max(0, Math.min(offset, source.text.length));
  let lo = 0;
  let hi = source.lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (source.lineStarts[mid]! <= o) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: columnAt(source, source.lineStarts[lo]!, o), offset: o };
}

export const spanOf = (source: SourceFile, start: number, end: number): Span => ({
  start: positionAt(source, start),
  end: positionAt(source, end),
});

/**
 * A span of `source` that computes its positions when they are read. The parser makes ~600,000
 * spans for a 10,000-service file and almost none are ever read (diagnostics and the formatter
 * read them): one object holding two offsets instead of a span and two positions. It reads as any
 * Span (`start`, `end`: the positions spanOf gives) and serializes as one (toJSON).
 */
export class SourceSpan implements Span {
  readonly #source: SourceFile;
  readonly startOffset: number;
  readonly endOffset: number;

  constructor(source: SourceFile, startOffset: number, endOffset: number) {
    this.#source = source;
    this.startOffset = startOffset;
    this.endOffset = endOffset;
  }

  get start(): Position {
    return positionAt(this.#source, this.startOffset);
  }

  get end(): Position {
    return positionAt(this.#source, this.endOffset);
  }

  /** From this span's start to `other`'s end (both in this span's source). */
  to(other: SourceSpan): SourceSpan {
    return new SourceSpan(this.#source, this.startOffset, other.endOffset);
  }

  /** Whether both spans point into the same source. */
  sameSource(other: SourceSpan): boolean {
    return this.#source === other.#source;
  }

  toJSON(): { start: Position; end: Position } {
    return { start: this.start, end: this.end };
  }
}

/** The text of one 1-based line, without its newline. */
export function lineText(source: SourceFile, line: number): string {
  const start = source.lineStarts[line - 1];
  if (start === undefined) return '';
  const next = source.lineStarts[line];
  const end = next === undefined ? source.text.length : next - 1;
  return source.text.slice(start, end).replace(/\r$/, '');
}
