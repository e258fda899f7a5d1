// A List read an item at a time — JSON (json-reader.ts jsonListItems) or tool-written YAML
// (yaml-fast.ts, `lists`) — gives the objects the whole-text readers give, node for node and place
// for place; a problem inside `items` found after items were taken is thrown for the import to
// start again, which then reads as before.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isAlias, isNode } from 'yaml';
import type { Diagnostic } from '../../common/diagnostics.ts';
import { makeSourceFile } from '../../common/source.ts';
import { isFastPathDecline } from '../../compiler/kube/fast-decline.ts';
import { importKubernetes } from '../../compiler/kube/index.ts';
import { jsonListItems } from '../../compiler/kube/json-reader.ts';
import { type RawObject, readObjects } from '../../compiler/kube/read-objects.ts';
import { yamlFastDocuments } from '../../compiler/kube/yaml-fast.ts';
import { document, EDIT_CHARS, emitDocuments, style } from '../support/tool-yaml.ts';
import { nodeDifference } from '../support/yaml-nodes.ts';

const LIST = readFileSync('examples/seed-clusterip.json', 'utf8');

function objects(text: string, fast: boolean, file = 'l.json'): { objs: RawObject[]; diags: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  return { objs: [...readObjects(makeSourceFile(file, text), diags, { fast })], diags };
}

function sameObjects(text: string, file = 'l.json'): void {
  const a = objects(text, true, file);
  const b = objects(text, false, file);
  assert.is(a.objs.length, b.objs.length);
  a.objs.forEach((o, i) => {
    const w = b.objs[i]!;
    assert.is(o.kind, w.kind);
    assert.is(o.apiVersion, w.apiVersion);
    assert.is(o.obj.loc.path, w.obj.loc.path);
    assert.equal(JSON.stringify(o.obj.loc.span), JSON.stringify(w.obj.loc.span));
    assert.is(nodeDifference(o.obj.node, w.obj.node), null);
  });
  assert.equal(JSON.stringify(a.diags), JSON.stringify(b.diags));
}

test('a JSON List item by item: the objects of the whole-text parse', () => {
  assert.ok(jsonListItems(LIST) !== null, 'the example is streamed');
  sameObjects(LIST);
  // items first (kubectl's key order), a non-object item, an empty List, another List kind
  const reordered = `{"items": [${JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } })}, 3], "kind": "NodeList", "apiVersion": "v1"}`;
  assert.ok(jsonListItems(reordered) !== null);
  sameObjects(reordered);
  sameObjects('{"kind": "List", "items": []}');
});

test('not plainly a List: the whole text is parsed', () => {
  for (const text of [
    '{"kind": "Service", "apiVersion": "v1", "metadata": {"name": "a"}}',
    '{"kind": "List", "apiVersion": 1, "items": []}',
    '{"kind": "List", "items": {}}',
    '{"kind": "List", "kind": "List", "items": []}',
    '{"kind": "List", "items": []} x',
    '[{"kind": "List", "items": []}]',
  ]) {
    assert.is(jsonListItems(text), null, text);
    sameObjects(text);
  }
});

/**
 * The stream of `broken` declines after objects were taken, and the import (started again) gives
 * the model and diagnostics of `forced`, the same text that takes the whole-text path from the
 * start; that import's result.
 */
function assertRestarts(broken: string, forced: string, file: string): ReturnType<typeof importKubernetes> {
  const taken: RawObject[] = [];
  try {
    for (const o of readObjects(makeSourceFile(file, broken), [], { fast: true })) taken.push(o);
    assert.unreachable('the stream reads past the problem');
  } catch (e) {
    assert.ok(isFastPathDecline(e));
  }
  assert.ok(taken.length > 0, 'objects before the problem were taken');
  const whole = importKubernetes([makeSourceFile(file, forced)], {});
  const imported = importKubernetes([makeSourceFile(file, broken)], {});
  assert.equal(JSON.stringify(imported.diagnostics), JSON.stringify(whole.diagnostics));
  assert.equal(JSON.stringify(imported.model), JSON.stringify(whole.model));
  return whole;
}

test('a syntax error among the items: thrown after the items before it, then read as before', () => {
  const at = LIST.lastIndexOf('"metadata": {') + '"metadata": {'.length; // in the last item
  const broken = `${LIST.slice(0, at)},${LIST.slice(at)}`;
  assert.ok(jsonListItems(broken) !== null, 'the error is inside items, not seen before them');
  // the whole-text path reads it (the yaml package reports the error); the import agrees with it
  const whole = assertRestarts(broken, `${broken}\n# the package's path`, 'l.json');
  assert.ok(whole.diagnostics.length > 0);
});

// kubectl's form: one List document, items (compact) before kind
const SEED_OBJECTS = readFileSync('examples/seed-local.yaml', 'utf8')
  .split('\n---\n')
  .map((d) => d.replace(/^(#[^\n]*\n)+/, ''));
const YAML_LIST = `apiVersion: v1\nitems:\n${SEED_OBJECTS.map((d) =>
  d
    .trimEnd()
    .split('\n')
    .map((l, i) => (i === 0 ? `- ${l}` : `  ${l}`))
    .join('\n'),
).join('\n')}\nkind: List\nmetadata:\n  resourceVersion: ""\n`;

test('a YAML List item by item: the objects of the yaml package', () => {
  const first = yamlFastDocuments(YAML_LIST, { lists: true }).next().value;
  assert.ok(first !== undefined && !isNode(first), 'the List is streamed');
  assert.is([...first.items].length, SEED_OBJECTS.length);
  sameObjects(YAML_LIST, 'l.yaml');
  // indented items, a scalar item, another List kind, and a List among other documents
  const indented = YAML_LIST.replace(/^(- | {2})/gm, '  $1').replace('kind: List', 'kind: ServiceList');
  sameObjects(`${indented}---\n${YAML_LIST}`, 'l.yaml');
  sameObjects('kind: List\nitems:\n- 3\n- kind: Node\n  metadata:\n    name: n\n', 'l.yaml');
  // not a List: its `items` read with the rest of it
  sameObjects('kind: Service\napiVersion: v1\nitems:\n- a\nmetadata:\n  name: x\n', 'l.yaml');
  sameObjects('kind: List\napiVersion: 2\nitems:\n- kind: Node\n', 'l.yaml');
});

test('a YAML List item the fast path declines after others were taken: the import starts again', () => {
  const last = YAML_LIST.lastIndexOf('\n- ');
  const broken = `${YAML_LIST.slice(0, last)}\n- &anchor ${YAML_LIST.slice(last + 3)}`;
  assertRestarts(broken, `${broken}#\tthe package's path\n`, 'l.yaml');
});

/** The fast stream's objects equal the whole-text path's, or it declines (the import then restarts). */
function streamAgrees(t: string): boolean {
  let fast: { objs: RawObject[]; diags: Diagnostic[] };
  try {
    fast = objects(t, true, 'l.yaml');
  } catch (e) {
    if (isFastPathDecline(e)) return false;
    throw e;
  }
  const whole = objects(t, false, 'l.yaml');
  if (fast.objs.length !== whole.objs.length) throw new Error(`${JSON.stringify(t)}: object count`);
  fast.objs.forEach((o, i) => {
    const w = whole.objs[i]!;
    const d = nodeDifference(o.obj.node, w.obj.node);
    if (d !== null || o.obj.loc.path !== w.obj.loc.path || o.kind !== w.kind || o.apiVersion !== w.apiVersion)
      throw new Error(`${JSON.stringify(t)}: object ${i}: ${d ?? 'path, kind or apiVersion'}`);
  });
  if (JSON.stringify(fast.diags) !== JSON.stringify(whole.diags)) throw new Error(`${JSON.stringify(t)}: diagnostics`);
  return true;
}

const listDocument = fc
  .tuple(fc.array(document, { maxLength: 4 }), fc.constantFrom('List', 'ServiceList', 'Service'), fc.boolean())
  .map(([items, kind, itemsFirst]) =>
    itemsFirst ? { apiVersion: 'v1', items, kind } : { kind, apiVersion: 'v1', items, metadata: { x: 'y' } },
  );

test('an alias among the items (a comment turned a key into `*name`): compared as an alias', () => {
  // found by the random edits below: the comparison itself failed on an alias node
  const t = 'apiVersion: v1\nitems:\n- a: "1"\n- #b: |-\n    *x\nkind: Service\n';
  streamAgrees(t);
  const item = objects(t, false, 'l.yaml').objs[0]!.obj.node as { get(k: string, keep: true): { items: unknown[] } };
  assert.ok(isAlias(item.get('items', true).items[1]), 'the item is an alias');
});

test('random Lists, and random edits of them: streamed as the whole text reads them, or declined', () => {
  let streamed = 0;
  fc.assert(
    fc.property(listDocument, style, (doc, s) => {
      if (streamAgrees(emitDocuments([doc], s))) streamed++;
    }),
    { numRuns: 200 },
  );
  assert.ok(streamed > 100, `most random Lists are streamed (${streamed} of 200)`);
  fc.assert(
    fc.property(
      listDocument,
      style,
      fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom(...EDIT_CHARS)), { minLength: 1, maxLength: 3 }),
      (doc, s, edits) => {
        let t = emitDocuments([doc], s);
        for (const [at, del, ins] of edits) {
          const i = at % (t.length + 1);
          t = t.slice(0, i) + ins + t.slice(Math.min(t.length, i + del));
        }
        streamAgrees(t);
      },
    ),
    { numRuns: 600 },
  );
});

test.run();
