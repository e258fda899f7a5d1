// Diagnostic codes are one vocabulary: kebab-case, unique across every table (a code means one
// thing whichever stage reports it), and every table is listed here — a file that calls
// defineCodes (outside a comment) without being in TABLES (scripts/diagnostic-tables.ts) fails the
// test, so a new table is added in one place; docs/diagnostics.md is generated from the same list.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Diagnostic, sortDiagnostics } from '../../common/diagnostics.ts';
import { TABLES } from '../../scripts/diagnostic-tables.ts';
import { diagnosticsDoc } from '../../scripts/diagnostics-doc.ts';

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
  assert.equal(defining, TABLES.map((t) => t.file).sort());
});

test('codes are kebab-case', () => {
  for (const { file, table } of TABLES) {
    for (const code of Object.keys(table)) assert.match(code, /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, `${file}: ${code}`);
  }
});

test('no code is defined by two tables', () => {
  const owner = new Map<string, string>();
  const clashes: string[] = [];
  for (const { file, table } of TABLES) {
    for (const code of Object.keys(table)) {
      const prev = owner.get(code);
      if (prev !== undefined) clashes.push(`${code}: ${prev} and ${file}`);
      else owner.set(code, file);
    }
  }
  assert.equal(clashes, []);
});

test('docs/diagnostics.md lists every code as the tables say (regenerate with scripts/diagnostics-doc.ts)', () => {
  const doc = readFileSync(path.join(root, 'docs/diagnostics.md'), 'utf8');
  assert.fixture(doc, diagnosticsDoc());
});

test('diagnostics sort in code-unit order, the same under every locale (not localeCompare)', () => {
  const d = (file: string, code: string): Diagnostic => ({ file, code, severity: 'error', message: '', span: null });
  const sorted = sortDiagnostics([
    d('ä.ksvc', 'x'),
    d('z.ksvc', 'x'),
    d('B.ksvc', 'x'),
    d('a.ksvc', 'ab'),
    d('a.ksvc', 'a-c'),
  ]);
  // ICU collation (en-US) would put ä before z, a before B, and ignore the hyphen (ab before a-c)
  assert.equal(
    sorted.map((x) => `${x.file} ${x.code}`),
    ['B.ksvc x', 'a.ksvc a-c', 'a.ksvc ab', 'z.ksvc x', 'ä.ksvc x'],
  );
});

test.run();
