// Diagnostic codes are one vocabulary: kebab-case, unique across every table (a code means one
// thing whichever stage reports it), and every table is listed here — a file that calls
// defineCodes (outside a comment) without being in TABLES fails the test, so a new table is added in one place.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fmtCodeTable } from '../../cli/fmt.ts';
import { checkCodeTable } from '../../compiler/check/codes.ts';
import { kubeCodeTable } from '../../compiler/kube/codes.ts';
import { lowerCodeTable } from '../../compiler/lower/codes.ts';
import { sharedCodeTable } from '../../compiler/shared-rules/codes.ts';
import { syntaxCodeTable } from '../../grammar/codes.ts';

/** Every code table: the file that defines it, and the table. */
export const TABLES: [string, Record<string, unknown>][] = [
  ['grammar/codes.ts', syntaxCodeTable],
  ['compiler/check/codes.ts', checkCodeTable],
  ['compiler/shared-rules/codes.ts', sharedCodeTable],
  ['compiler/kube/codes.ts', kubeCodeTable],
  ['compiler/lower/codes.ts', lowerCodeTable],
  ['cli/fmt.ts', fmtCodeTable],
];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SKIP = new Set(['node_modules', 'dist', 'test', '.git']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (name.endsWith('.ts')) out.push(full);
  }
  return out;
}

test('every file that defines codes is in TABLES', () => {
  const defining = sourceFiles(root)
    .filter((f) => /^(?!\s*(\*|\/\/)).*=\s*defineCodes\(\{/m.test(readFileSync(f, 'utf8')))
    .map((f) => path.relative(root, f).split(path.sep).join('/'))
    .sort();
  assert.equal(defining, TABLES.map(([file]) => file).sort());
});

test('codes are kebab-case', () => {
  for (const [file, table] of TABLES) {
    for (const code of Object.keys(table)) assert.match(code, /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, `${file}: ${code}`);
  }
});

test('no code is defined by two tables', () => {
  const owner = new Map<string, string>();
  const clashes: string[] = [];
  for (const [file, table] of TABLES) {
    for (const code of Object.keys(table)) {
      const prev = owner.get(code);
      if (prev !== undefined) clashes.push(`${code}: ${prev} and ${file}`);
      else owner.set(code, file);
    }
  }
  assert.equal(clashes, []);
});

test.run();
