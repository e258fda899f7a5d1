// A YAML document the yaml package would fill the heap with is refused before it is read: a 20 MB
// flow list of 10 million items ran for minutes and ended in V8's out-of-memory crash.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Diagnostic } from '../../common/diagnostics.ts';
import { makeSourceFile } from '../../common/source.ts';
import { yamlPackageDocuments } from '../../compiler/kube/yaml-documents.ts';
import { oversizedYamlDocument, YAML_BYTES_PER_VALUE } from '../../compiler/kube/yaml-size.ts';

const flowList = (n: number) => `items: [${Array(n).fill('1').join(',')}]\n`;
const budgetFor = (values: number) => values * YAML_BYTES_PER_VALUE;

test('a document of more values than the budget holds is found, with where it starts and what it would take', () => {
  const small = 'apiVersion: v1\nkind: List\n';
  const text = `${small}---\n${flowList(1000)}`;
  const found = oversizedYamlDocument(text, budgetFor(500));
  assert.equal(found, { offset: small.length, values: 1002, bytes: 1002 * YAML_BYTES_PER_VALUE });
  assert.is(oversizedYamlDocument(text, budgetFor(1002)), null);
});

test('values are counted as the lexer reads them: commas in quoted and block scalars and comments are not values', () => {
  const csv = Array(2000).fill('a,b,c,d').join('\n    ');
  const text = `kind: ConfigMap\ndata:\n  csv: |\n    ${csv}\n  quoted: "${'x,'.repeat(2000)}" # ${',,'.repeat(2000)}\n`;
  // seven: kind, ConfigMap, data, csv, the block scalar, quoted, the quoted scalar
  assert.is(oversizedYamlDocument(text, budgetFor(7)), null);
  assert.is(oversizedYamlDocument(text, budgetFor(6))?.values, 7);
});

test('each document counts alone: many small documents fit where one of them all would not', () => {
  const docs = Array(300).fill('apiVersion: v1\nkind: Service\n').join('---\n');
  assert.is(oversizedYamlDocument(docs, budgetFor(10)), null);
  assert.is(oversizedYamlDocument(docs.replaceAll('---\n', ''), budgetFor(10))?.values, 1200);
});

test('the yaml package path reads nothing of an input with a document too large, and says so', () => {
  const diags: Diagnostic[] = [];
  const source = makeSourceFile('big.yaml', `kind: List\n---\n${flowList(1000)}`);
  const read = [...yamlPackageDocuments(source, diags, budgetFor(100))];
  assert.equal(read, []);
  assert.equal(
    diags.map((d) => [d.code, d.message, d.span?.start.line]),
    [
      [
        'yaml-too-large',
        'this document holds 1,002 values: reading it would take about 685 KiB of memory, more than the 69 KiB this process may use',
        2, // the document starts at its marker
      ],
    ],
  );
});

test('ksvc import: a flow list past a small heap is refused at once with its code, not read until V8 gives up', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ksvc-yaml-size-'));
  const file = path.join(dir, 'flow.yaml');
  writeFileSync(file, flowList(300_000));
  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/ksvc.cjs');
  const r = spawnSync(process.execPath, [bin, 'import', file, '--output', 'json'], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=64' },
  });
  assert.is(r.status, 1, r.stderr);
  assert.is(r.stdout, ''); // import's standard output is the .ksvc text; its diagnostics go to stderr
  const report = JSON.parse(r.stderr) as { diagnostics: { code: string; message: string }[] };
  assert.equal(
    report.diagnostics.map((d) => d.code),
    ['yaml-too-large'],
  );
  assert.match(report.diagnostics[0]!.message, /holds 300,002 values/);
});

test.run();
