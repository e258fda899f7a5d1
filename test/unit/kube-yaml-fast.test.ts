// The fast YAML path (compiler/kube/yaml-fast.ts) against the yaml package, node for node: on
// every text it either declines or builds exactly the package's nodes (values, types, sources,
// ranges), and never reads a text the package refuses. Texts: hand-picked cases, the bundled
// examples, tool-style YAML generated at random (which it must read, not decline), and those texts
// with random edits (which it may decline, but must never read differently).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeSourceFile } from '../../common/source.ts';
import { importKubernetes } from '../../compiler/kube/index.ts';
import { document, EDIT_CHARS, emitDocuments, style } from '../support/tool-yaml.ts';
import { parseYamlFast, yamlAgreement } from '../support/yaml-nodes.ts';

const CASES: [string, boolean][] = [
  ['a: 1\nb:   x y  \nc:\n- p: 1\n  q: "s\\"t"\n- 2\nd: {}\ne: []\nf: |\n  line1\n  line2\ng: null\n', true],
  ["h: ~\ni: 0x1F\nj: 1.5\nk: true\nl: 'it''s'\nm: 0o17\nn: 1e3\no: .inf\np: 1.50\nq: -\n", false],
  ['a: -1\nb: -x\nc:\n- -2\n- -.inf\n', true],
  ["h: ~\ni: 0x1F\nj: 1.5\nk: true\nl: 'it''s'\nm: 0o17\nn: 1e3\no: .inf\np: 1.50\nq: TRUE\n", true],
  ['a: 1\n\n# c\n---\nb:\nc: |-\n  x\n\n  y\nd: |\n  z\ne:\n  - 1\n  - 2\nf:\n  g: h\n', true],
  ['a: |\n  z', true],
  ['- a: 1\n  b: 2\n- c', true],
  ['a: 1\nb:\n', true],
  ['a: 1\nb:', true],
  ['x:\n  y:\n    z: 1\n  w:\n  - 1\n  - k: v\n    m:\n    - 3\nq: r\n', true],
  ['# Source: chart/svc.yaml\n---\n# c\napiVersion: v1\nkind: Service\n', true],
  ['"a/b": 1\n\'c\': "d"\n"e f": x\n"1": y\n', true],
  ['a: "\\u00e9\\t\\n\\/"\n', true],
  ['managedFields:\n- fieldsV1:\n    f:metadata:\n      f:labels:\n        .: {}\n        f:app: {}\n', true],
  // outside the subset: declined (the package reads or refuses them itself)
  ['a: b\n  c\n', false], // a continued plain scalar
  ['a: 1\n- x\n', false],
  ['a:\n  - 1\n  b: 2\n', false],
  ['a: 1\na: 2\n', false], // duplicate key
  ['"a": 1\na: 2\n', false],
  ['1: x\n', false], // not a string key
  ['a: 1\n\nb: 2\n', false], // a blank line inside a document
  ['a: 1 # c\n', false],
  ['a: &x 1\nb: *x\n', false],
  ['a: !!str 1\n', false],
  ['a: {b: 1}\n', false],
  ['a: >\n  folded\n', false],
  ['a: |2\n   x\n', false],
  ['a:\tb\n', false],
  ['a: b\r\n', false],
  ['a: "x\n  y"\n', false],
  ['a: b: c\n', false],
  ['- - x\n', false],
  ['-\n  a: 1\n', false],
  ['a: |\n  x\n   \n', false],
  ['a: é\n', false],
  ['%YAML 1.2\n---\na: 1\n', false],
  ['a: 1\n...\n', false],
  ['--- a: 1\n', false],
  ['  a: 1\n', false],
];

test('hand-picked texts: read as the yaml package reads them, or declined', () => {
  for (const [text, accepted] of CASES) {
    const r = yamlAgreement(text);
    assert.is(r.difference, null, `${JSON.stringify(text)}: ${r.difference}`);
    assert.is(r.accepted, accepted, `${JSON.stringify(text)} accepted`);
  }
});

test('the bundled YAML examples agree with the package', () => {
  for (const file of [
    'examples/seed-local.yaml',
    'examples/shop-dual-stack.yaml',
    'test/golden/kube/bad-objects.yaml',
  ]) {
    const r = yamlAgreement(readFileSync(file, 'utf8'));
    assert.is(r.difference, null, `${file}: ${r.difference}`);
  }
  assert.ok(yamlAgreement(readFileSync('examples/seed-local.yaml', 'utf8')).accepted, 'seed-local.yaml is tool-style');
});

test('tool-style YAML at random: read, and read as the package reads it', () => {
  fc.assert(
    fc.property(fc.array(document, { minLength: 1, maxLength: 3 }), style, (docs, s) => {
      const t = emitDocuments(docs, s);
      const r = yamlAgreement(t);
      if (r.difference !== null) throw new Error(`${JSON.stringify(t)}: ${r.difference}`);
      // nested inline sequences are written in flow form, which is declined
      const nestedFlow = /^\s*- \[/m.test(t) || /: \[./.test(t);
      if (!nestedFlow && !r.accepted) throw new Error(`declined tool-style YAML: ${JSON.stringify(t)}`);
    }),
    { numRuns: 400 },
  );
});

test('edited YAML: declined or read exactly as the package reads it', () => {
  fc.assert(
    fc.property(
      fc.array(document, { minLength: 1, maxLength: 2 }),
      style,
      fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom(...EDIT_CHARS)), { minLength: 1, maxLength: 3 }),
      (docs, s, edits) => {
        let t = emitDocuments(docs, s);
        for (const [at, del, ins] of edits) {
          const i = at % (t.length + 1);
          t = t.slice(0, i) + ins + t.slice(Math.min(t.length, i + del));
        }
        const r = yamlAgreement(t);
        if (r.difference !== null) throw new Error(`${JSON.stringify(t)}: ${r.difference}`);
      },
    ),
    { numRuns: 1500 },
  );
});

test('an import reads tool-style YAML through the fast path with the same model as the package path', () => {
  const yaml = readFileSync('examples/seed-local.yaml', 'utf8');
  assert.ok(parseYamlFast(yaml).ok);
  const fast = importKubernetes([makeSourceFile('seed-local.yaml', yaml)], {});
  // a tab in a last comment line sends the same objects, at the same offsets, down the package's path
  const forced = `${yaml}#\tthe package's path\n`;
  assert.not.ok(parseYamlFast(forced).ok);
  const slow = importKubernetes([makeSourceFile('seed-local.yaml', forced)], {});
  assert.equal(JSON.stringify(fast.model), JSON.stringify(slow.model));
  assert.equal(fast.diagnostics.length, slow.diagnostics.length);
});

test('a document the fast path declines after others were read: the import starts again on the package path', () => {
  const yaml = readFileSync('examples/seed-local.yaml', 'utf8');
  const docs = yaml.split('\n---\n');
  assert.ok(docs.length >= 3, 'seed-local.yaml has several documents');
  // the last document gets a comment inside: read only after the first ones were taken
  const last = docs.length - 1;
  docs[last] = docs[last]!.replace('\n', '\n# inside\n');
  const text = docs.join('\n---\n');
  assert.not.ok(parseYamlFast(text).ok);
  const forced = `${text}#\tthe package's path\n`;
  const restarted = importKubernetes([makeSourceFile('m.yaml', text)], {});
  const slow = importKubernetes([makeSourceFile('m.yaml', forced)], {});
  assert.ok(restarted.model !== null);
  assert.equal(JSON.stringify(restarted.model), JSON.stringify(slow.model));
  assert.equal(JSON.stringify(restarted.diagnostics), JSON.stringify(slow.diagnostics));
});

test.run();
