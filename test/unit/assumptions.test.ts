// The verifier's stated assumptions: docs/verifier.md's table and verifier/assumptions.ts (what
// `ksvc verify` prints) list the same ids, in the same order, each once and with a text.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ASSUMPTIONS } from '../../verifier/assumptions.ts';

const DOC = readFileSync(join(import.meta.dirname, '../../docs/verifier.md'), 'utf8');

/** The ids of the rows of the doc's assumptions table ("| `id` | … |"). */
function documentedIds(doc: string): string[] {
  const start = doc.indexOf('\n## Assumptions and by-design divergences');
  assert.ok(start >= 0, 'docs/verifier.md has no "Assumptions and by-design divergences" section');
  const rest = doc.slice(start + 1);
  const next = rest.indexOf('\n## ');
  const section = next >= 0 ? rest.slice(0, next) : rest;
  return [...section.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]!);
}

test('docs/verifier.md and verifier/assumptions.ts list the same assumptions', () => {
  const ids = ASSUMPTIONS.map((a) => a.id);
  assert.ok(ids.length >= 10, `only ${ids.length} assumptions`);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
  for (const a of ASSUMPTIONS) {
    assert.match(a.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.ok(a.text.length > 20 && !a.text.includes('\n'), `${a.id}: one printable paragraph`);
  }
  assert.equal(documentedIds(DOC), ids);
});

test('the id reader sees a row added to or missing from the table', () => {
  const extra = DOC.replace('| `martians` |', '| `planted-row` | text | why |\n| `martians` |');
  assert.not.equal(
    documentedIds(extra),
    ASSUMPTIONS.map((a) => a.id),
  );
  const missing = DOC.replace(/^\| `martians` \|.*\n/m, '');
  assert.is(documentedIds(missing).length, ASSUMPTIONS.length - 1);
});

test.run();
