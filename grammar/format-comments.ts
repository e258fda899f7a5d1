// Where `ksvc fmt` puts comments back (grammar/format.ts lays out the rest): each comment goes to
// an output row by source offsets, before it (own-line) or at the end of its line (trailing).
import type { Span } from '../common/source.ts';
import type { Comment, FileNode } from './ast.ts';

/** What placing comments needs of an output row (a statement, an endpoint entry, a brace). */
export interface CommentHolder {
  /** Source offset where the printed item starts. */
  offset: number;
  /** Source offset where the printed item ends: an own-line comment before it is inside the item. */
  end: number;
  leading: Comment[];
  trailing: Comment[];
}

/** The file's comments in source order, and whether one trails something written before it on its line. */
export interface Comments {
  sorted: readonly Comment[];
  trails: (c: Comment) => boolean;
}

export function indexComments(file: FileNode): Comments {
  const sorted = [...file.comments].sort((a, b) => a.span.start.offset - b.span.start.offset);
  const linesWithContent = sorted.length === 0 ? new Map<number, number>() : contentLines(file);
  const trails = (c: Comment) => (linesWithContent.get(c.span.start.line) ?? Infinity) < c.span.start.offset;
  return { sorted, trails };
}

/**
 * Give each comment to a row: a comment on a line where some item ends before it trails the last
 * row that starts before it; any other comment leads the first row that starts after it. A
 * comment inside the item of a row (a statement printed on fewer lines than it was written on,
 * or one endpoint entry) stays with it: an own-line one leads that row, and of several trailing
 * one row, all but the last lead it. Returns the comments after the last row.
 */
export function attachComments(rows: CommentHolder[], comments: Comments): Comment[] {
  if (comments.sorted.length === 0) return [];
  const byOffset = [...rows].sort((a, b) => a.offset - b.offset);
  const trailer: Comment[] = [];
  for (const c of comments.sorted) {
    const offset = c.span.start.offset;
    const before = lastBefore(byOffset, offset);
    if (before >= 0 && comments.trails(c)) {
      byOffset[before]!.trailing.push(c);
      continue;
    }
    const next = byOffset[before + 1];
    const last = byOffset[before];
    if (last !== undefined && offset < last.end) last.leading.push(c);
    else if (next !== undefined) next.leading.push(c);
    else trailer.push(c);
  }
  for (const r of byOffset) {
    if (r.trailing.length < 2) continue;
    r.leading.push(...r.trailing.slice(0, -1));
    r.leading.sort((a, b) => a.span.start.offset - b.span.start.offset);
    r.trailing = r.trailing.slice(-1);
  }
  return trailer;
}

/**
 * Whether a comment sits after the first entry (`first`) and inside the last one (before
 * `lastEnd`), which keeps the one-entry-per-line layout so that it stays beside its entry (a
 * comment inside the last entry went above the statement). An own-line comment inside the first
 * entry does not count: it is printed above the statement either way, and counting it would make
 * a second `fmt` join the lines. Only the comments from the first entry on are looked at (a scan
 * of all of them for every statement made fmt quadratic in comments).
 */
export function commentBetweenEntries(comments: Comments, first: Span, last: Span): boolean {
  const { sorted } = comments;
  const lastEnd = last.end.offset;
  for (let i = firstAfter(sorted, first.start.offset); i < sorted.length; i++) {
    const c = sorted[i]!;
    if (c.span.start.offset >= lastEnd) return false;
    if (c.span.start.offset >= first.end.offset || comments.trails(c)) {
      // A lone trailing comment inside the last entry (of several), with no comment after the
      // statement on its last line: on one line it trails the statement, which is where the
      // one-per-line layout puts it too (after the last entry), so a second fmt would join the
      // lines. It does not keep the entries apart.
      const next = sorted[i + 1];
      const lone =
        first !== last &&
        c.span.start.offset >= last.start.offset &&
        comments.trails(c) &&
        (next === undefined ||
          (next.span.start.offset >= lastEnd && !(next.span.start.line === last.end.line && comments.trails(next))));
      return !lone;
    }
  }
  return false;
}

/** Index of the first comment starting after `offset` (the length if none does). */
const firstAfter = (sorted: readonly Comment[], offset: number): number =>
  partitionPoint(sorted.length, (i) => sorted[i]!.span.start.offset <= offset);

/** Index of the last row starting before `offset`, or -1. */
const lastBefore = (rows: readonly CommentHolder[], offset: number): number =>
  partitionPoint(rows.length, (i) => rows[i]!.offset < offset) - 1;

/** The first index in [0, n) where `before` turns false (it holds up to some index, then never). */
function partitionPoint(n: number, before: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** For each line, the smallest offset at which some AST span starts or ends on it. */
function contentLines(file: FileNode): Map<number, number> {
  const ends = new Map<number, number>();
  const at = (line: number, offset: number) => {
    const prev = ends.get(line);
    if (prev === undefined || offset < prev) ends.set(line, offset);
  };
  const note = (s: Span) => {
    at(s.start.line, s.start.offset);
    at(s.end.line, s.end.offset);
  };
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    for (const [k, v] of Object.entries(node)) {
      if (k === 'span' || k === 'brace') note(v as Span);
      else if (k !== 'comments') walk(v);
    }
  };
  walk(file.blocks);
  return ends;
}
