// A fast path for the YAML that tools write (`kubectl get -o yaml`, `helm template`): block
// mappings and sequences, one-line scalars, `{}` and `[]`, literal block scalars (`|`, `|-`, the
// form of kubectl's last-applied-configuration annotation). It builds the same yaml-package nodes
// (YAMLMap, YAMLSeq, Pair, Scalar: values, types, sources, ranges) the yaml package's composer
// builds, so the rest of the import reads both alike, with plain scalars resolved by that package's
// own core-schema tags (yaml-fast-scalars.ts). It reads a document (a List's item) at a time, so the
// import keeps one object's nodes alive, not the file's: 10,000 services' objects (17 MB) in about
// 3 s and 440 MB, where the yaml package took 7 s and 800 MB. Anything outside the subset —
// comments or blank lines between a document's lines, anchors, tags, flow collections with
// content, multi-line or continued scalars, folded scalars, duplicate keys, tabs, CR, non-ASCII
// text — declines (fast-decline.ts), and the file is read by the yaml package (with its messages).
// test/unit/kube-yaml-fast.test.ts holds it to the package node for node, and
// kube-list-stream.test.ts the streamed Lists.
import { Pair, Scalar, YAMLMap, YAMLSeq, type Node as YNode } from 'yaml';
import { declineFastPath } from './fast-decline.ts';
import { isPlainList } from './list-kind.ts';
import { PlainScalars, quoted, tagOf } from './yaml-fast-scalars.ts';

/** Thrown when the text leaves the subset (fast-decline.ts). */
const decline = declineFastPath;

/** Anything but LF and printable ASCII: the yaml package reads such text, this path does not. */
const OUTSIDE_SUBSET = /[^\n\x20-\x7e]/;

/** Characters that start something other than a plain scalar (flow, quote, anchor, tag, comment…). */
const INDICATOR = /[-?:,[\]{}#&*!|>'"%@`]/;

/** A key: a plain word of the characters Kubernetes field names, labels and annotations use (and `:` within). */
const isKeyChar = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) ||
  (c >= 0x41 && c <= 0x5a) ||
  (c >= 0x30 && c <= 0x39) ||
  c === 0x5f ||
  c === 0x2e ||
  c === 0x2f ||
  c === 0x2d;

const MAX_DEPTH = 64;
/** The yaml package refuses implicit keys longer than this. */
const MAX_KEY = 1024;

/** A node and where the reading goes on: the next line, and the end offset of the node's range. */
interface Read {
  node: YNode;
  next: number;
  end: number;
}

/**
 * A `kind: List` document (what `kubectl get a,b -o yaml` prints) with its items read one at a time:
 * the document's mapping with `items` empty, and the items, each built when the one before has
 * been taken.
 */
export interface StreamedList {
  list: YAMLMap;
  items: Generator<YNode, void, undefined>;
}

/**
 * The documents one at a time, each built when the one before has been taken, so that a reader
 * that lets each go keeps one document's nodes alive, not the file's; with `lists`, the items of a
 * List document likewise (StreamedList). Where the text leaves the subset it throws
 * (fast-decline.ts) — possibly after some documents or items: the caller starts again on the
 * yaml package's path.
 */
export function* yamlFastDocuments(
  text: string,
  options: { lists?: boolean } = {},
): Generator<YNode | StreamedList, void, undefined> {
  if (OUTSIDE_SUBSET.test(text)) decline();
  yield* new FastReader(text, options.lists ?? false).documents();
}

class FastReader {
  private readonly text: string;
  /** per line: start offset, end offset (its LF or the text's end), leading spaces */
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly indents: number[] = [];
  /** per line: 'c' content, 'b' blank, '#' comment, 'd' a document start (`---`) */
  private readonly kinds: string[] = [];
  private readonly plain = new PlainScalars();
  /** whether a List document's items are handed out one at a time */
  private readonly lists: boolean;
  /** the items sequence a top-level mapping skipped (lists), for its document to stream or re-read */
  private skipped: { line: number; col: number; next: number } | null = null;

  constructor(text: string, lists: boolean) {
    this.text = text;
    this.lists = lists;
    for (let at = 0; at <= text.length; ) {
      let end = text.indexOf('\n', at);
      if (end < 0) end = text.length;
      let indent = 0;
      while (text.charCodeAt(at + indent) === 0x20) indent++;
      const first = at + indent;
      let kind = 'c';
      if (first === end) kind = 'b';
      else if (text.charCodeAt(first) === 0x23) {
        if (indent > 0) decline(); // an indented comment joins the collection around it
        kind = '#';
      } else if (indent === 0 && text.startsWith('---', at)) {
        if (end !== at + 3) decline(); // `--- content`, `----`
        kind = 'd';
      } else if (indent === 0 && (text.startsWith('...', at) || text.charCodeAt(at) === 0x25)) decline();
      this.starts.push(at);
      this.ends.push(end);
      this.indents.push(indent);
      this.kinds.push(kind);
      if (end === text.length) break;
      at = end + 1;
    }
  }

  private get lineCount(): number {
    return this.starts.length;
  }

  /** A line's indentation for the block that reads it: -1 past the text or at a document start. */
  private indentOf(line: number): number {
    return line >= this.lineCount || this.kinds[line] === 'd' ? -1 : this.indents[line]!;
  }

  /**
   * The first line from `line` on that is content or ends the document. Blank and comment lines
   * are taken only where the document ends after them: inside one they change the composer's
   * ranges and comments, which this path does not follow.
   */
  private contentFrom(line: number): number {
    let k = line;
    while (k < this.lineCount && (this.kinds[k] === 'b' || this.kinds[k] === '#')) k++;
    if (k > line && k < this.lineCount && this.kinds[k] === 'c') decline();
    return k;
  }

  /** Where line `line` ends, with its LF. */
  private afterLine(line: number): number {
    return Math.min(this.ends[line]! + 1, this.text.length);
  }

  *documents(): Generator<YNode | StreamedList, void, undefined> {
    let line = 0;
    while (line < this.lineCount) {
      while (line < this.lineCount && this.kinds[line] !== 'c') line++; // separators, comments
      if (line >= this.lineCount) break;
      if (this.indents[line] !== 0) decline();
      this.skipped = null;
      let read = this.block(line, 0, 0);
      const next = this.contentFrom(read.next);
      if (next < this.lineCount && this.kinds[next] !== 'd') decline();
      const skipped = this.skipped as { line: number; col: number; next: number } | null;
      if (skipped !== null && isPlainList(read.node as YAMLMap)) {
        yield { list: read.node as YAMLMap, items: this.items(skipped) };
      } else {
        if (skipped !== null) read = this.block(line, 0, 0, false); // an `items` key of another kind
        yield read.node;
      }
      line = next;
    }
  }

  /**
   * The items sequence a top-level mapping skipped, read an item at a time as `sequence` reads
   * it; it must end where the skip ended.
   */
  private *items(skipped: { line: number; col: number; next: number }): Generator<YNode, void, undefined> {
    const col = skipped.col;
    let line = skipped.line;
    for (;;) {
      const value = this.sequenceItem(line, col, 1);
      yield value.node;
      line = this.contentFrom(value.next);
      const indent = this.indentOf(line);
      if (indent !== col || !this.isSeqEntry(this.starts[line]! + col, line)) {
        if (indent > col) decline();
        break;
      }
    }
    if (line !== this.contentFrom(skipped.next)) decline();
  }

  /**
   * A top-level `items:` block sequence passed over by its lines (deeper than its dashes, or its
   * dashes), read later by `items`; a placeholder sequence stands for it meanwhile.
   */
  private skipItems(first: number, col: number): Read {
    let last = first;
    for (let k = first + 1; k < this.lineCount && this.kinds[k] !== 'd'; k++) {
      if (this.kinds[k] !== 'c') continue;
      const indent = this.indents[k]!;
      if (indent < col || (indent === col && !this.isSeqEntry(this.starts[k]! + col, k))) break;
      last = k;
    }
    this.skipped = { line: first, col, next: last + 1 };
    const seq = new YAMLSeq();
    const end = this.afterLine(last);
    seq.range = [this.starts[first]! + col, end, end];
    return { node: seq, next: last + 1, end };
  }

  /**
   * A block mapping or sequence whose first entry starts at column `col` of `line`; a document's
   * mapping passes over its `items` sequence when lists are streamed (`skipItems`).
   */
  private block(line: number, col: number, depth: number, lists = this.lists): Read {
    if (depth > MAX_DEPTH) decline();
    const at = this.starts[line]! + col;
    if (this.isSeqEntry(at, line)) return this.sequence(line, col, depth);
    if (this.keyEnd(at, line) >= 0) return this.mapping(line, col, depth, lists && depth === 0);
    return decline();
  }

  private isSeqEntry(at: number, line: number): boolean {
    return this.text.charCodeAt(at) === 0x2d && (at + 1 === this.ends[line] || this.text.charCodeAt(at + 1) === 0x20);
  }

  /** The offset of the `:` ending a key that starts at `at`, or -1 when none does. */
  private keyEnd(at: number, line: number): number {
    const c0 = this.text.charCodeAt(at);
    let i = at;
    if (c0 === 0x22 || c0 === 0x27) {
      i = quoted(this.text, at, this.ends[line]!).close;
    } else {
      if (c0 === 0x2d) return -1;
      // a colon before a non-space is part of the key (managedFields' `f:metadata:`)
      const end = this.ends[line]!;
      while (i < end && (isKeyChar(this.text.charCodeAt(i)) || this.innerColon(i, end))) i++;
      if (i === at) return -1;
    }
    if (this.text.charCodeAt(i) !== 0x3a) return -1;
    return i + 1 === this.ends[line] || this.text.charCodeAt(i + 1) === 0x20 ? i : -1;
  }

  private innerColon(i: number, end: number): boolean {
    return this.text.charCodeAt(i) === 0x3a && i + 1 < end && this.text.charCodeAt(i + 1) !== 0x20;
  }

  /** The key that ends at `colon`: plain (and a string in the core schema) or quoted. */
  private key(at: number, colon: number): Scalar {
    const c0 = this.text.charCodeAt(at);
    let key: Scalar;
    if (c0 === 0x22 || c0 === 0x27) {
      const { value } = quoted(this.text, at, colon);
      key = new Scalar(value);
      key.source = value;
      key.type = c0 === 0x22 ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE';
    } else {
      const text = this.text.slice(at, colon);
      if (tagOf(text, true) !== null) decline(); // `1:`, `true:`, `null:` are not string keys
      key = new Scalar(text);
      key.source = text;
      key.type = 'PLAIN';
    }
    key.range = [at, colon, colon];
    return key;
  }

  private mapping(first: number, col: number, depth: number, skipItems = false): Read {
    const map = new YAMLMap();
    const keys = new Set<string>();
    const start = this.starts[first]! + col;
    let line = first;
    let at = start;
    let end = start;
    for (;;) {
      const colon = this.keyEnd(at, line);
      if (colon < 0 || colon - at > MAX_KEY) decline();
      const key = this.key(at, colon);
      if (keys.has(key.value as string)) decline(); // a duplicate: the composer reports it
      keys.add(key.value as string);
      let value: Read;
      let v = colon + 1;
      while (v < this.ends[line]! && this.text.charCodeAt(v) === 0x20) v++;
      if (v === this.ends[line]) {
        if (v !== colon + 1) decline(); // spaces after the colon move the empty value
        const next = this.contentFrom(line + 1);
        const indent = this.indentOf(next);
        const seqAt = indent >= col && this.isSeqEntry(this.starts[next]! + indent, next);
        if (skipItems && seqAt && key.value === 'items') value = this.skipItems(next, indent);
        else if (indent > col) value = this.block(next, indent, depth + 1);
        else if (indent === col && this.isSeqEntry(this.starts[next]! + col, next))
          value = this.sequence(next, col, depth + 1);
        else {
          // comments after an empty value join the mapping's range
          if (this.kinds.slice(line + 1, next).includes('#')) decline();
          value = { node: this.nullScalar(colon + 1), next, end: colon + 1 };
        }
      } else {
        value = this.inline(line, v, col, true);
      }
      map.items.push(new Pair(key, value.node));
      end = value.end;
      line = this.contentFrom(value.next);
      const indent = this.indentOf(line);
      if (indent < col) break;
      if (indent > col) decline(); // a continued scalar, or an indentation the composer reports
      at = this.starts[line]! + col;
      if (this.isSeqEntry(at, line)) decline(); // an entry of no sequence
    }
    map.range = [start, end, end];
    return { node: map, next: line, end };
  }

  private sequence(first: number, col: number, depth: number): Read {
    const seq = new YAMLSeq();
    const start = this.starts[first]! + col;
    let line = first;
    let end = start;
    for (;;) {
      const value = this.sequenceItem(line, col, depth);
      seq.items.push(value.node);
      end = value.end;
      line = this.contentFrom(value.next);
      const indent = this.indentOf(line);
      if (indent < col) break;
      if (indent > col) decline();
      if (!this.isSeqEntry(this.starts[line]! + col, line)) break; // the parent mapping's next key (compact form)
    }
    seq.range = [start, end, end];
    return { node: seq, next: line, end };
  }

  /** The entry of a sequence at column `col` whose dash starts `line`. */
  private sequenceItem(line: number, col: number, depth: number): Read {
    const item = this.starts[line]! + col + 2;
    // `-` alone, `-  x` and `- - x` are read by the composer in ways this path does not follow
    if (item >= this.ends[line]! || this.text.charCodeAt(item) === 0x20 || this.isSeqEntry(item, line)) decline();
    return this.keyEnd(item, line) >= 0 ? this.mapping(line, col + 2, depth + 1) : this.inline(line, item, col, false);
  }

  private nullScalar(at: number): Scalar {
    return this.plain.resolved('', at, at, at);
  }

  /** A value starting at `at` on `line`, after `key: ` (inMap) or `- `; `col` is its parent's column. */
  private inline(line: number, at: number, col: number, inMap: boolean): Read {
    const text = this.text;
    const lineEnd = this.ends[line]!;
    const after = this.afterLine(line);
    const c = text.charCodeAt(at);
    if (c === 0x7c) {
      if (!inMap) decline();
      return this.literal(line, at, col);
    }
    if (c === 0x7b || c === 0x5b) {
      if (lineEnd !== at + 2 || text.charCodeAt(at + 1) !== (c === 0x7b ? 0x7d : 0x5d)) decline();
      const coll = c === 0x7b ? new YAMLMap() : new YAMLSeq();
      coll.flow = true;
      coll.range = [at, at + 2, after];
      return { node: coll, next: line + 1, end: after };
    }
    if (c === 0x22 || c === 0x27) {
      const { value, close } = quoted(this.text, at, lineEnd);
      if (close !== lineEnd) decline();
      const s = new Scalar(value);
      s.range = [at, close, after];
      s.source = value;
      s.type = c === 0x22 ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE';
      return { node: s, next: line + 1, end: after };
    }
    // `-1`, `-x`: a dash before a non-space starts a plain scalar
    const dashed = c === 0x2d && at + 1 < lineEnd && text.charCodeAt(at + 1) !== 0x20;
    if (!dashed && INDICATOR.test(text[at]!)) decline();
    let valueEnd = lineEnd;
    while (text.charCodeAt(valueEnd - 1) === 0x20) valueEnd--;
    const value = text.slice(at, valueEnd);
    if (value.includes(' #') || value.includes(': ') || value.endsWith(':')) decline();
    return { node: this.plain.resolved(value, at, valueEnd, after), next: line + 1, end: after };
  }

  /** `|` or `|-` at `at`: the lines indented deeper than the parent's column `col`. */
  private literal(line: number, at: number, col: number): Read {
    const text = this.text;
    const header = text.slice(at, this.ends[line]);
    if (header !== '|' && header !== '|-') decline();
    const first = line + 1;
    if (first >= this.lineCount || this.kinds[first] === 'd') decline();
    const indent = this.indents[first]!;
    if (this.starts[first]! + indent === this.ends[first] || indent <= col) decline(); // empty, or blank first
    const lines: string[] = [];
    let last = first; // the last line with content
    let k = first;
    for (; k < this.lineCount; k++) {
      const start = this.starts[k]!;
      const lineEnd = this.ends[k]!;
      if (start === lineEnd) {
        lines.push('');
        continue;
      }
      if (this.indents[k]! === lineEnd - start) decline(); // a line of spaces only: chomping's subtleties
      if (this.kinds[k] === 'd' || this.indents[k]! < indent) break;
      lines.push(text.slice(start + indent, lineEnd));
      last = k;
    }
    const content = lines.slice(0, last - first + 1).join('\n');
    const value = header === '|' ? `${content}\n` : content;
    const end = this.afterLine(last);
    const s = new Scalar(value);
    s.range = [at, end, end];
    s.source = value;
    s.type = 'BLOCK_LITERAL';
    return { node: s, next: last + 1, end };
  }
}
