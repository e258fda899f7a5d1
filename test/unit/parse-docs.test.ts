// docs/language.md stays true: every ```ksvc example in it parses without errors, and its formatted
// text parses again.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeSourceFile } from '../../common/source.ts';
import { formatFile } from '../../grammar/format.ts';
import { parseKsvc } from '../../grammar/parse-ksvc.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const md = readFileSync(path.join(root, 'docs/language.md'), 'utf8');
const examples = [...md.matchAll(/^( *)```ksvc\n([\s\S]*?)^ *```/gm)].map((m) =>
  m[2]!.replace(new RegExp(`^${m[1]}`, 'gm'), ''),
);

test('docs/language.md has examples', () => {
  assert.ok(examples.length >= 8, `${examples.length} examples`);
});

test('every ksvc example in docs/language.md parses, and formats to something that parses', () => {
  for (const text of examples) {
    const r = parseKsvc(makeSourceFile('language.md', text));
    assert.equal(
      r.diagnostics.map((d) => `${d.span?.start.line}:${d.span?.start.column} ${d.message}`),
      [],
      text,
    );
    const again = parseKsvc(makeSourceFile('fmt', formatFile(r.file)));
    assert.equal(again.diagnostics, []);
  }
});

test.run();
