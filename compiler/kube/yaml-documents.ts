// The yaml package's path (read-objects.ts readObjects, for YAML the fast paths decline): each
// document's contents, composed one at a time as they are taken, and its syntax errors as
// diagnostics. parseAllDocuments composes every document first: a million `--- {}` held 1.4 GB.
import { Composer, CST, type Document, Parser, type Node as YNode } from 'yaml';
import type { Diagnostic } from '../../common/diagnostics.ts';
import { heapBudget, MORE_HEAP_HINT, memoryText } from '../../common/heap-budget.ts';
import { type SourceFile, spanOf } from '../../common/source.ts';
import { kubeCodes } from './codes.ts';
import { oversizedYamlDocument } from './yaml-size.ts';

/**
 * The parser recurses once per nesting level and, when it runs out of stack, reports the engine's
 * own words: those are replaced by what is wrong with the input.
 */
const STACK_EXHAUSTED = 'Maximum call stack size exceeded';

/**
 * Collections nested deeper than this are not given to the composer. It recurses a few frames per
 * level, and where it ran out of stack V8 could end the process instead of throwing (a regular
 * expression first compiled to machine code at the stack's end: "RegExpCompiler Allocation
 * failed", seen with a 5,000-level YAML document read after another). A Kubernetes object nests a
 * dozen levels; the composer ran out of stack past ~800 (a flow sequence in a map, the default stack).
 */
export const MAX_YAML_NESTING = 256;

/**
 * The parser's documents, each nested deeper than MAX_YAML_NESTING given without its contents (the
 * composer makes an empty document of it) and noted in `tooDeep`: its offset -> where the first
 * collection past the limit starts.
 */
function* shallowDocuments(tokens: Iterable<CST.Token>, tooDeep: Map<number, number>): Generator<CST.Token> {
  for (const token of tokens) {
    const at = token.type === 'document' && token.value !== undefined ? firstTooDeep(token.value) : null;
    if (at === null) yield token;
    else {
      const { value: _dropped, ...empty } = token as CST.Document;
      tooDeep.set(empty.offset, at);
      yield empty;
    }
  }
}

/** Where the first collection nested deeper than MAX_YAML_NESTING starts; walked without recursion. */
function firstTooDeep(root: CST.Token): number | null {
  const stack: [CST.Token, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (!CST.isCollection(token)) continue;
    if (depth > MAX_YAML_NESTING) return token.offset;
    for (const item of token.items) {
      if (item.key) stack.push([item.key, depth + 1]);
      if (item.value) stack.push([item.value, depth + 1]);
    }
  }
  return null;
}

/**
 * The contents of each document without syntax errors (null for an empty one); the errors go to
 * `diags`. A text with a document too large to read within `budget` bytes is not read at all.
 */
export function* yamlPackageDocuments(
  source: SourceFile,
  diags: Diagnostic[],
  budget = heapBudget(),
): Generator<YNode | null, void, undefined> {
  const oversized = oversizedYamlDocument(source.text, budget);
  if (oversized !== null) {
    const at = { file: source.path, span: spanOf(source, oversized.offset, oversized.offset + 1) };
    const hint = `${MORE_HEAP_HINT}, or split it into smaller documents or files`;
    const values = oversized.values.toLocaleString('en-US');
    diags.push(kubeCodes['yaml-too-large']({ ...at, hint }, values, memoryText(oversized.bytes), memoryText(budget)));
    return;
  }
  const composer = new Composer({ prettyErrors: false, uniqueKeys: true, version: '1.2' });
  const tooDeep = new Map<number, number>();
  const docs = composer.compose(shallowDocuments(new Parser().parse(source.text), tooDeep));
  for (;;) {
    const next = withoutStackTraces(() => docs.next());
    if (next.done) return;
    const doc = next.value as Document.Parsed;
    const deepAt = tooDeep.get(doc.range[0]);
    if (deepAt !== undefined) {
      const span = spanOf(source, deepAt, deepAt + 1);
      diags.push(kubeCodes['too-deeply-nested']({ file: source.path, span }, MAX_YAML_NESTING));
      continue;
    }
    if (doc.errors.length === 0) {
      yield doc.contents as YNode | null;
      continue;
    }
    for (const e of doc.errors) {
      const [a, b] = e.pos;
      const where = { file: source.path, span: spanOf(source, a, Math.max(a, b)) };
      if (e.message.includes(STACK_EXHAUSTED)) {
        diags.push(kubeCodes['too-deeply-nested'](where, null));
        break; // the parser may report it once per level it unwinds
      }
      diags.push(kubeCodes['yaml-syntax'](where, e.message.split('\n')[0]!));
    }
  }
}

/**
 * The yaml package makes an Error for every problem it meets, and capturing each one's stack was
 * two thirds of rejecting a line of 200,000 `}` (one problem per character): only their messages
 * and positions are read here.
 */
function withoutStackTraces<T>(f: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return f();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
