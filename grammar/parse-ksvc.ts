// parseKsvc: source text -> AST + syntax diagnostics. Never throws.
//
// Recovery: the grammar (grammar/grammar.ts) runs until its first error. The driver reports that
// error, then resumes at the next place where reading can sensibly start again:
//  - inside a block: the next statement that starts a line (a statement keyword or `NAME:`, not
//    continuing a ','-list), the block's '}', or a block header (`service NS/NAME {`, `node NAME {`,
//    `cluster {`), which also means the block's '}' is missing;
//  - at the top level: the next block header.
// So an error in one statement does not hide an error in the next one, nor in the next service.
// At most MAX_SYNTAX_ERRORS errors are reported.
import { EOF, type IToken, tokenMatcher } from 'chevrotain';
import { type Diagnostic, escapeControls, TERMINAL_UNSAFE } from '../common/diagnostics.ts';
import { positionAt, type SourceFile, type Span, spanOf } from '../common/source.ts';
import type { Comment, FileNode, TopLevelBlock } from './ast.ts';
import { syntaxCodes } from './codes.ts';
import { KsvcGrammar, type OpenBlock } from './grammar.ts';
import { type LexError, lex, lexSegment } from './lexer.ts';
import { blockStatements } from './messages.ts';
import { syntaxDiagnostic } from './syntax-errors.ts';
import { Comma, endOf, Keyword, LBrace, Name, PortName, RBrace, Slash, Word } from './tokens.ts';

export interface ParseResult {
  file: FileNode;
  diagnostics: Diagnostic[];
}

export const MAX_SYNTAX_ERRORS = 50;

let sharedParser: KsvcGrammar | undefined;
/** Building the grammar takes a few milliseconds: do it once, on first use. */
const parserInstance = (): KsvcGrammar => (sharedParser ??= new KsvcGrammar());

export function parseKsvc(source: SourceFile): ParseResult {
  return guarded(source, parseUnsafe);
}

/** parseKsvc without the piecewise fast path: the whole token list at once (tests compare the two). */
export function parseKsvcOnePass(source: SourceFile): ParseResult {
  return guarded(source, parseWhole);
}

function guarded(source: SourceFile, parse: (source: SourceFile) => ParseResult): ParseResult {
  try {
    return parse(source);
  } catch (e) {
    // A bug, not a user error: still answer with a diagnostic rather than a stack trace.
    const span = spanOf(source, 0, 0);
    return {
      file: { kind: 'File', span: spanOf(source, 0, source.text.length), blocks: [], comments: [] },
      diagnostics: [
        syntaxCodes['internal-parser-error']({ file: source.path, span }, String((e as Error)?.message ?? e)),
      ],
    };
  } finally {
    sharedParser?.finish();
  }
}

type Entry = 'file' | 'clusterRest' | 'nodeRest' | 'serviceRest';
const restEntry: Record<OpenBlock['kind'], Entry> = {
  Cluster: 'clusterRest',
  Node: 'nodeRest',
  Service: 'serviceRest',
};

/** Tokens per piece of a piecewise parse (a piece ends at the end of a top-level block). */
const PIECE_TOKENS = 4096;
/**
 * A piece this long has no top-level block end in sight (a block never closed, or text outside
 * any block): the piecewise parse gives up on it before lexing the rest of the file, which the
 * ordinary parse lexes again. Far above a real block: a service with 200,000 endpoints, one per
 * line, is about 800,000 tokens (a valid file whose block passes this is parsed the ordinary way,
 * the same AST with twice the memory, as a review measured at 64 × PIECE_TOKENS).
 */
const MAX_PIECE_TOKENS = 1024 * PIECE_TOKENS;

/**
 * A file without any error, parsed piece by piece (readPieces): the grammar reads each piece's
 * blocks as it reads them in the whole token list, since no decision looks past a block's '}'. The
 * tokens of a piece die young instead of all of them surviving the parse (on 10,000 services, a
 * million objects the garbage collector would otherwise copy twice). null at the first error or
 * diagnostic of any kind: the caller then parses the whole file again the ordinary way, so every
 * diagnostic and the recovery are exactly those of parseWhole.
 */
function parsePiecewise(source: SourceFile): ParseResult | null {
  const comments: Comment[] = [];
  const file: FileNode = { kind: 'File', span: spanOf(source, 0, source.text.length), blocks: [], comments };
  const read = readPieces(source, (blocks, pieceComments) => {
    for (const b of blocks) file.blocks.push(b);
    for (const c of pieceComments) {
      comments.push({ text: c.text, span: spanOf(source, c.offset, c.offset + 1 + c.text.length) });
    }
    return true;
  });
  return read ? { file, diagnostics: [] } : null;
}

/**
 * Read a file piece by piece (a piece ends at the end of a top-level block), handing each piece's
 * top-level blocks and comments (offset of the '#', text after it) to `onPiece` as soon as they
 * are read, so a caller can be done with them before the next piece (compiler/lower-in-parts.ts).
 * false at the first error or diagnostic of any kind, or when `onPiece` returns false: the caller
 * then parses the file the ordinary way.
 */
export function readPieces(
  source: SourceFile,
  onPiece: (blocks: TopLevelBlock[], comments: readonly { offset: number; text: string }[]) => boolean,
  maxPieceTokens = MAX_PIECE_TOKENS,
): boolean {
  const text = source.text;
  const file: FileNode = { kind: 'File', span: spanOf(source, 0, text.length), blocks: [], comments: [] };
  const parser = parserInstance();
  parser.begin(source, file);
  try {
    for (let start = 0; start < text.length; ) {
      const piece = lexSegment(text, start, PIECE_TOKENS, maxPieceTokens);
      if (piece.cut || piece.errors.length > 0 || piece.comments.some((c) => unsafeInComment(c.text) !== null))
        return false;
      file.blocks = [];
      parser.input = piece.tokens;
      parser.file();
      if (parser.errors.length > 0 || parser.extra.length > 0 || parser.open !== null) return false;
      if (!onPiece(file.blocks, piece.comments)) return false;
      start = piece.end;
    }
    return true;
  } finally {
    parser.finish();
  }
}

const UNSAFE_BUT_TAB = new RegExp(TERMINAL_UNSAFE.source.replace('\\x00-\\x1f', '\\x00-\\x08\\x0a-\\x1f'));

/** The first character in a comment a terminal acts on or hides (a tab is fine), and where; or null. */
function unsafeInComment(text: string): { at: number; char: string } | null {
  const m = UNSAFE_BUT_TAB.exec(text);
  return m === null ? null : { at: m.index, char: m[0] };
}

function parseUnsafe(source: SourceFile): ParseResult {
  return parsePiecewise(source) ?? parseWhole(source);
}

/**
 * Where the text starts (after comments) the way a Kubernetes manifest does and no .ksvc file can
 * — `apiVersion:`, `kind:`, a `---` document marker, a JSON object or list — and which format it
 * is; null otherwise.
 */
function kubernetesStart(text: string): { format: 'YAML' | 'JSON'; offset: number } | null {
  // comments and blank lines skipped by hand: a regex with a repeated comment group backtracks
  // exponentially on a line of many '#'
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text[i] !== '#') break;
    while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  }
  MANIFEST_START.lastIndex = i;
  const m = MANIFEST_START.exec(text);
  if (m === null) return null;
  return { format: m[1] === '{' || m[1] === '[' ? 'JSON' : 'YAML', offset: i };
}

const MANIFEST_START = /(\{|\[|---\s|(?:apiVersion|kind|metadata|items)\s*:)/y;

function parseWhole(source: SourceFile): ParseResult {
  const diags: Diagnostic[] = [];
  const text = source.text;
  const kubernetes = kubernetesStart(text);
  if (kubernetes !== null) {
    const { format, offset } = kubernetes;
    const hint =
      "read it with --from-k8s (compile, verify, explain) or --input k8s (diff), or turn it into .ksvc with 'ksvc import FILE'";
    const word = /^(?:---|[{[]|\w+)/.exec(text.slice(offset, offset + 20))![0];
    const span = spanOf(source, offset, offset + word.length);
    diags.push(syntaxCodes['kubernetes-input']({ file: source.path, span, hint }, format));
    return {
      file: { kind: 'File', span: spanOf(source, 0, text.length), blocks: [], comments: [] },
      diagnostics: diags,
    };
  }
  const lexed = lex(text);
  const comments: Comment[] = lexed.comments.map((c) => ({
    text: c.text,
    span: spanOf(source, c.offset, c.offset + 1 + c.text.length),
  }));
  const file: FileNode = { kind: 'File', span: spanOf(source, 0, text.length), blocks: [], comments };
  for (const c of lexed.comments) {
    const found = unsafeInComment(c.text);
    if (found === null) continue;
    const offset = c.offset + 1 + found.at;
    const span = spanOf(source, offset, offset + found.char.length);
    diags.push(syntaxCodes['comment-control-character']({ file: source.path, span }, escapeControls(found.char)));
  }

  let errorCount = 0;
  const tooMany = (at: Span | null): boolean => {
    if (errorCount < MAX_SYNTAX_ERRORS) return false;
    diags.push(syntaxCodes['too-many-syntax-errors']({ file: source.path, span: at }, MAX_SYNTAX_ERRORS));
    return true;
  };

  for (const err of lexed.errors) {
    if (tooMany(spanOf(source, err.offset, err.offset))) return { file, diagnostics: diags };
    diags.push(lexingDiagnostic(source, err));
    errorCount++;
  }
  const lexGaps = lexed.errors.map((e) => [e.offset, e.offset + e.length] as const);

  const tokens = lexed.tokens;
  const parser = parserInstance();
  parser.begin(source, file);
  const lineOf = (offset: number): number => positionAt(source, offset).line;
  const startsLine = (i: number): boolean =>
    i === 0 || lineOf(endOf(tokens[i - 1]!) - 1) !== lineOf(tokens[i]!.startOffset);

  /** `cluster {`, `node NAME {`, `service NS/NAME {` starting at token i. */
  const isHeader = (i: number): boolean => {
    const t = tokens[i];
    if (t === undefined) return false;
    const at = (k: number) => tokens[i + k];
    const m = (k: number, type: typeof Name) => at(k) !== undefined && tokenMatcher(at(k)!, type);
    if (t.tokenType === Keyword.cluster) return m(1, LBrace);
    if (t.tokenType === Keyword.node) return m(1, Name) && m(2, LBrace);
    if (t.tokenType === Keyword.service) return m(1, Name) && m(2, Slash) && m(3, Name) && m(4, LBrace);
    return false;
  };

  const starters: Record<OpenBlock['kind'], Set<string>> = {
    Cluster: new Set(blockStatements.Cluster.keywords),
    Node: new Set(blockStatements.Node.keywords),
    Service: new Set(blockStatements.Service.keywords),
  };
  const startsStatement = (i: number, kind: OpenBlock['kind']): boolean => {
    const t = tokens[i]!;
    const isStarter =
      (kind === 'Service' && t.tokenType === PortName) || (t.tokenType !== Word && starters[kind].has(t.image));
    if (!isStarter || !startsLine(i)) return false;
    const prev = tokens[i - 1];
    return prev === undefined || prev.tokenType !== Comma;
  };

  /** Where to resume inside a block body, scanning from token `from`. */
  const resumeInBody = (from: number, kind: OpenBlock['kind']): number => {
    let depth = 0;
    for (let i = from; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (isHeader(i)) return i;
      if (t.tokenType === LBrace) depth++;
      else if (t.tokenType === RBrace) {
        if (depth === 0) return i;
        depth--;
      } else if (depth === 0 && startsStatement(i, kind)) return i;
    }
    return tokens.length;
  };

  const resumeAtTop = (from: number): number => {
    for (let i = from; i < tokens.length; i++) if (isHeader(i)) return i;
    return -1;
  };

  /** A parse error right after skipped characters is a consequence of them: report only the first. */
  const afterLexError = (tok: IToken, prev: IToken | undefined): boolean => {
    if (lexGaps.length === 0 || tok.tokenType === EOF) return false;
    const lo = prev === undefined || Number.isNaN(prev.startOffset) ? 0 : endOf(prev);
    const hi = tok.startOffset;
    return lexGaps.some(([s, e]) => s >= lo && e <= hi);
  };

  const closeImplicitly = (open: OpenBlock, lastIndex: number) => {
    const last = tokens[lastIndex];
    if (last !== undefined && last.startOffset >= open.node.span.start.offset) {
      open.node.span = { start: open.node.span.start, end: positionAt(source, endOf(last)) };
    }
    parser.open = null;
  };

  const missingBrace = (open: OpenBlock, at: Span, before: string): Diagnostic => {
    const where = `${open.node.span.start.line}:${open.node.span.start.column}`;
    return syntaxCodes['missing-brace'](
      { file: source.path, span: at, hint: `add '}' at the end of the ${describeBlock(open)}` },
      describeBlock(open),
      where,
      before,
    );
  };

  let start = 0;
  let entry: Entry = 'file';
  let rounds = 0;
  for (;;) {
    parser.input = start === 0 ? tokens : tokens.slice(start);
    parser[entry]();
    for (const d of parser.extra) {
      if (tooMany(d.span)) return { file, diagnostics: diags };
      diags.push(d);
      errorCount++;
    }
    parser.extra = [];
    const err = parser.errors[0];
    if (err === undefined) break;
    if (++rounds > MAX_SYNTAX_ERRORS * 4) break;

    const tok = err.token;
    const atEnd = tok.tokenType === EOF || Number.isNaN(tok.startOffset);
    const idx = atEnd ? tokens.length : indexAt(tokens, tok.startOffset, start);
    const prev = (err as { previousToken?: IToken }).previousToken ?? tokens[idx - 1];
    const suppressed = afterLexError(tok, prev);
    const open = parser.open;
    const report = (d: Diagnostic): boolean => {
      if (tooMany(d.span)) return false;
      diags.push(d);
      errorCount++;
      return true;
    };
    const isBodyBrace =
      err.name === 'MismatchedTokenException' && err.context.ruleStack.at(-1)?.endsWith('Body') === true;

    if (open !== null) {
      if (atEnd) {
        if (!isBodyBrace && !suppressed && !report(syntaxDiagnostic(source, err, idx, tokens, open))) break;
        report(missingBrace(open, endSpan(source), 'the end of the file'));
        closeImplicitly(open, tokens.length - 1);
        break;
      }
      if (isHeader(idx)) {
        if (!isBodyBrace && !suppressed && !report(syntaxDiagnostic(source, err, idx, tokens, open))) break;
        const next = tokens[idx]!;
        if (
          !report(missingBrace(open, spanOf(source, next.startOffset, endOf(next)), `the next '${next.image}' block`))
        )
          break;
        closeImplicitly(open, idx - 1);
        start = idx;
        entry = 'file';
        continue;
      }
      if (!suppressed && !report(syntaxDiagnostic(source, err, idx, tokens, open))) break;
      start = resumeInBody(idx === start ? idx + 1 : idx, open.kind);
      entry = restEntry[open.kind];
      continue;
    }
    if (!suppressed && !report(syntaxDiagnostic(source, err, idx, tokens, open))) break;
    const next = resumeAtTop(idx + 1);
    if (next < 0) break;
    start = next;
    entry = 'file';
  }
  if (parser.open !== null) closeImplicitly(parser.open, tokens.length - 1);
  return { file, diagnostics: diags };
}

function describeBlock(open: OpenBlock): string {
  switch (open.kind) {
    case 'Cluster':
      return 'cluster block';
    case 'Node':
      return `node '${open.node.name.value}'`;
    case 'Service':
      return `service '${open.node.namespace.value}/${open.node.name.value}'`;
  }
}

export const endSpan = (source: SourceFile): Span => spanOf(source, source.text.length, source.text.length);

/** Index of the token starting at `offset` (tokens are sorted by offset). */
function indexAt(tokens: readonly IToken[], offset: number, from: number): number {
  let lo = from;
  let hi = tokens.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.startOffset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function lexingDiagnostic(source: SourceFile, err: LexError): Diagnostic {
  const skipped = source.text.slice(err.offset, err.offset + Math.max(1, err.length));
  // characters, not UTF-16 units: an emoji is one, and a cut never splits a surrogate pair
  const chars = Array.from(skipped);
  const count = chars.length;
  const shown = `'${escapeControls(count > 20 ? `${chars.slice(0, 20).join('')}...` : skipped)}'`;
  const span = spanOf(source, err.offset, err.offset + Math.max(1, err.length));
  const hint = /^[%@!$&*+;<>?\\^`|~"']/.test(skipped)
    ? 'names may contain letters, digits, "-", "_" and "."; addresses are written bare (10.0.0.1, fd00::1); comments start with "#"'
    : undefined;
  return syntaxCodes['unexpected-character']({ file: source.path, span, ...(hint ? { hint } : {}) }, shown, count);
}
