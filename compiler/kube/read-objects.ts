// Documents -> objects: every Kubernetes object of a YAML or JSON file, each List's items one by
// one, in file order, by the fast paths when they can (json-reader.ts, yaml-fast.ts) and the yaml
// package when they decline. Apart from yaml-reader.ts, which reads the fields of one object.
import { isMap, isNode, type Node as YNode } from 'yaml';
import type { Diagnostic } from '../../common/diagnostics.ts';
import { type SourceFile, spanOf } from '../../common/source.ts';
import { kubeCodes } from './codes.ts';
import { errorBudget } from './error-budget.ts';
import { isFastPathDecline } from './fast-decline.ts';
import { jsonListItems, parseJsonNodes } from './json-reader.ts';
import { type ItemDefaults, isListKind, itemDefaults, listItemDefaults } from './list-kind.ts';
import { yamlPackageDocuments } from './yaml-documents.ts';
import { yamlFastDocuments } from './yaml-fast.ts';
import {
  describe,
  field,
  firstLine,
  getSeq,
  getString,
  isNullNode,
  itemPath,
  type MapVal,
  missing,
  nodeSpan,
  type ReadCtx,
  type Val,
  where,
} from './yaml-reader.ts';

/** One top-level Kubernetes object from the input (a document, or an item of a List). */
export interface RawObject {
  obj: MapVal;
  kind: string;
  apiVersion: string | null;
}

/**
 * A .ksvc file's first block (after blank lines and comments, each line skipped whole so that the
 * match stays linear): no YAML or JSON manifest starts this way.
 */
const KSVC_START = /^(?:[ \t\r]*(?:#[^\n]*)?\n)*[ \t\r]*((?:cluster|node [^\s{]+|service [^\s{/]+\/[^\s{]+)[ \t]*\{)/;

/**
 * Every Kubernetes object of a file: each YAML document (multi-document YAML, or one JSON value,
 * read by the JSON fast path when it is plain JSON, and tool-written YAML by the YAML fast path),
 * and each item of a `kind: List` (or ServiceList, ...), in file order. Empty documents are skipped.
 * Tool-written YAML is read a document at a time, each as its objects are taken (so a caller that
 * keeps no node keeps one document's nodes alive, not the file's); when the fast path declines
 * after a document was read, the decline is thrown (fast-decline.ts) for the caller to start
 * again with `fast: false`, which reads the file whole (the JSON parser, or the yaml package).
 * A JSON List is read an item at a time the same way (json-reader.ts jsonListItems).
 */
export function* readObjects(
  source: SourceFile,
  diags: Diagnostic[],
  options: { fast?: boolean } = {},
): Generator<RawObject, void, undefined> {
  const ctx: ReadCtx = { source, diags, budget: errorBudget(diags, source.path) };
  const top = (node: YNode): Val => ({
    node,
    loc: { file: source.path, span: nodeSpan(ctx, node), path: '' },
    keySpan: null,
    ctx,
  });
  if (/^\s*[[{]/.test(source.text)) {
    const list = options.fast === false ? null : jsonListItems(source.text);
    if (list !== null) {
      yield* listObjects(list.items, ctx, listItemDefaults(list.list));
      return;
    }
    const json = parseJsonNodes(source.text);
    if (json.ok) {
      yield* collected(top(json.value));
      return;
    }
  }
  const ksvc = KSVC_START.exec(source.text);
  if (ksvc !== null) {
    const at = ksvc[0].length - ksvc[1]!.length;
    const hint = 'compile, verify and explain read it without --from-k8s';
    const span = spanOf(source, at, at + ksvc[1]!.length);
    diags.push(kubeCodes['ksvc-input']({ file: source.path, span, hint }));
    return;
  }
  if (options.fast !== false) {
    let documents = 0;
    try {
      for (const doc of yamlFastDocuments(source.text, { lists: true })) {
        documents++;
        if (isNode(doc)) {
          if (ctx.budget.spent(nodeSpan(ctx, doc))) return;
          yield* collected(top(doc));
        } else if (!(yield* listObjects(doc.items, ctx, listItemDefaults(doc.list)))) return;
      }
      return;
    } catch (e) {
      // declined before any document was read: nothing was reported yet, the package reads it here
      if (!isFastPathDecline(e) || documents > 0) throw e;
    }
  }
  for (const contents of yamlPackageDocuments(source, diags)) {
    if (isNullNode(contents)) continue;
    if (ctx.budget.spent(nodeSpan(ctx, contents!))) return;
    yield* collected(top(contents!));
  }
}

/**
 * The objects of a List read an item at a time (its kind a List kind and its apiVersion unset or a
 * string: what collect reads of the List reports nothing): each item as asSeq and collect see it.
 */
function* listObjects(
  items: Iterable<YNode>,
  ctx: ReadCtx,
  defaults: ItemDefaults | null,
): Generator<RawObject, boolean, undefined> {
  let i = 0;
  for (const node of items) {
    const loc = { file: ctx.source.path, span: nodeSpan(ctx, node), path: itemPath('items', i++) };
    if (ctx.budget.spent(loc.span)) return false;
    yield* collected({ node, loc, keySpan: loc.span, ctx }, defaults);
  }
  return true;
}

/** The objects of one document (an object, or a List's items). */
function collected(v: Val, defaults: ItemDefaults | null = null): RawObject[] {
  const out: RawObject[] = [];
  collect(v, out, defaults);
  return out;
}

/** `defaults`: the kind and apiVersion of a typed List's items that do not say theirs. */
function collect(v: Val, out: RawObject[], defaults: ItemDefaults | null = null): void {
  if (!isMap(v.node)) {
    v.ctx.diags.push(kubeCodes['not-an-object'](where(v), describe(v.node)));
    return;
  }
  const m = v as MapVal;
  // The span of a whole object is many lines; diagnostics about the object point at its first line.
  const ownKind = field(m, 'kind');
  const kind = ownKind === undefined ? defaults?.kind : getString(m, 'kind');
  const apiVersion = (field(m, 'apiVersion') === undefined ? defaults?.apiVersion : getString(m, 'apiVersion')) ?? null;
  if (kind === undefined) {
    if (!ownKind)
      m.ctx.diags.push(kubeCodes['missing-kind']({ file: m.loc.file, span: firstLine(m), path: m.loc.path }));
    return;
  }
  if (isListKind(kind)) {
    const items = getSeq(m, 'items');
    if (!items) {
      if (!field(m, 'items')) missing(m, 'items');
      return;
    }
    const forItems = itemDefaults(kind, apiVersion);
    for (const item of items) collect(item, out, forItems);
    return;
  }
  out.push({ obj: m, kind, apiVersion });
}
