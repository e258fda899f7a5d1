// Source text and 1-based positions (graphql-js style): every diagnostic and AST node points into
// a SourceFile through a Span, and the CLI renders frames from the same data.

export interface Position {
  /** 1-based line number. */
  line: number;
  /** 1-based column, counted in UTF-16 code units like editors do. */
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
  /** Offsets at which each line starts; computed once. */
  lineStarts: number[];
}

export function makeSourceFile(path: string, text: string): SourceFile {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  }
  return { path, text, lineStarts };
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
  return { line: lo + 1, column: o - source.lineStarts[lo]! + 1, offset: o };
}

export const spanOf = (source: SourceFile, start: number, end: number): Span => ({
  start: positionAt(source, start),
  end: positionAt(source, end),
});

/** The text of one 1-based line, without its newline. */
export function lineText(source: SourceFile, line: number): string {
  const start = source.lineStarts[line - 1];
  if (start === undefined) return '';
  const next = source.lineStarts[line];
  const end = next === undefined ? source.text.length : next - 1;
  return source.text.slice(start, end).replace(/\r$/, '');
}
