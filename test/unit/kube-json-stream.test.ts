// A JSON List read an item at a time (json-reader.ts jsonListItems) gives the objects the whole-text
// JSON parser gives, node for node and place for place; a syntax error inside `items` found after
// items were taken is thrown for the import to start again, which then reads as before.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Diagnostic } from '../../common/diagnostics.ts';
import { makeSourceFile } from '../../common/source.ts';
import { isFastPathDecline } from '../../compiler/kube/fast-decline.ts';
import { importKubernetes } from '../../compiler/kube/index.ts';
import { jsonListItems } from '../../compiler/kube/json-reader.ts';
import { type RawObject, readObjects } from '../../compiler/kube/yaml-reader.ts';
import { nodeDifference } from '../support/yaml-nodes.ts';

const LIST = readFileSync('examples/seed-clusterip.json', 'utf8');

function objects(text: string, fast: boolean): { objs: RawObject[]; diags: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  return { objs: [...readObjects(makeSourceFile('l.json', text), diags, { fast })], diags };
}

function sameObjects(text: string): void {
  const a = objects(text, true);
  const b = objects(text, false);
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

test('a syntax error among the items: thrown after the items before it, then read as before', () => {
  const at = LIST.lastIndexOf('"metadata": {') + '"metadata": {'.length; // in the last item
  const broken = `${LIST.slice(0, at)},${LIST.slice(at)}`;
  assert.ok(jsonListItems(broken) !== null, 'the error is inside items, not seen before them');
  const diags: Diagnostic[] = [];
  const taken: RawObject[] = [];
  try {
    for (const o of readObjects(makeSourceFile('l.json', broken), diags, { fast: true })) taken.push(o);
    assert.unreachable('the stream reads past the error');
  } catch (e) {
    assert.ok(isFastPathDecline(e));
  }
  assert.ok(taken.length > 0, 'items before the error were taken');
  // the whole-text path reads it (the yaml package reports the error); the import agrees with it
  const whole = importKubernetes([makeSourceFile('l.json', `${broken}\n# the package's path`)], {});
  const imported = importKubernetes([makeSourceFile('l.json', broken)], {});
  assert.ok(whole.diagnostics.length > 0);
  assert.equal(JSON.stringify(imported.diagnostics), JSON.stringify(whole.diagnostics));
  assert.equal(JSON.stringify(imported.model), JSON.stringify(whole.model));
});

test.run();
