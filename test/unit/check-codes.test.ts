// The checker's code table: stable kebab-case codes, and every code exercised by a test.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkCodeTable } from '../../compiler/check/codes.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const tests = readdirSync(here)
  .filter((f) => /^check-.*\.test\.ts$/.test(f) && f !== 'check-codes.test.ts')
  .map((f) => readFileSync(path.join(here, f), 'utf8'))
  .join('\n');

test('codes are kebab-case', () => {
  for (const code of Object.keys(checkCodeTable)) assert.match(code, /^[a-z]+(-[a-z0-9]+)*$/, code);
});

test('every code is asserted by some checker test', () => {
  const missing = Object.keys(checkCodeTable).filter((c) => !tests.includes(`'${c}'`));
  assert.equal(missing, []);
});

test.run();
