// The bundled examples are in the canonical layout: `ksvc fmt --check examples/*.ksvc` passes.

import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeSourceFile } from '../../common/source.ts';
import { formatFile } from '../../grammar/format.ts';
import { parseKsvc } from '../../grammar/parse-ksvc.ts';

const dir = new URL('../../examples/', import.meta.url);

for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.ksvc'))
  .sort()) {
  test(`examples/${file} is formatted`, () => {
    const text = readFileSync(new URL(file, dir), 'utf8');
    const parsed = parseKsvc(makeSourceFile(file, text));
    assert.equal(parsed.diagnostics, []);
    assert.fixture(formatFile(parsed.file), text);
  });
}

test.run();
