// Layering that makes the proof worth something: nothing under verifier/ reaches backends/
// through any chain of imports (a shared bug would prove itself), and the IR (compiler/ir/) is a
// self-contained contract that depends only on common/. The scanner is tested on fixture trees,
// so these tests can fail.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { importChains, reachableFiles, relativeImports } from '../support/imports.ts';

const ROOT = join(import.meta.dirname, '../..');

function fixture(files: Record<string, string>, body: (root: string) => void): void {
  const root = mkdtempSync(join(tmpdir(), 'ksvc-layering-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    body(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('verifier/ never reaches backends/, directly or through other files', () => {
  assert.equal(importChains(ROOT, 'verifier', 'backends'), []);
});

test('compiler/ir/ depends only on itself and common/ (not on the model, the lowering or a backend)', () => {
  const outside = reachableFiles(ROOT, 'compiler/ir').filter(
    (f) => !f.startsWith('compiler/ir/') && !f.startsWith('common/'),
  );
  assert.equal(outside, []);
});

test('the scanner reads every import form', () => {
  const text = [
    "import { a } from './a.ts';",
    "import type { B } from '../b.ts';",
    "import './side-effect.ts';",
    "export * from './again.ts';",
    "export { c } from './c.ts';",
    "const d = await import('./d.ts');",
    "import {\n  e,\n  f,\n} from '../../e.ts';",
    "import fc from 'fast-check';",
    "import { x } from 'node:fs';",
  ].join('\n');
  assert.equal(relativeImports(text), [
    './a.ts',
    '../b.ts',
    './side-effect.ts',
    './again.ts',
    './c.ts',
    './d.ts',
    '../../e.ts',
  ]);
});

test('the scanner finds a planted transitive import of backends/, and a missing file', () => {
  fixture(
    {
      'verifier/ok.ts': "import { y } from '../compiler/ir/y.ts';\n",
      'verifier/deep/bad.ts': "export * from '../../compiler/helper.ts';\n",
      'compiler/ir/y.ts': 'export const y = 1;\n',
      'compiler/helper.ts': "import type { R } from '../backends/nftables/render.ts';\nexport const h = 1;\n",
      'backends/nftables/render.ts': 'export type R = number;\n',
    },
    (root) => {
      assert.equal(importChains(root, 'verifier', 'backends'), [
        ['verifier/deep/bad.ts', 'compiler/helper.ts', 'backends/nftables/render.ts'],
      ]);
    },
  );
  fixture(
    {
      'verifier/a.ts': "const m = await import('./gone.ts');\n",
    },
    (root) =>
      assert.equal(importChains(root, 'verifier', 'backends'), [['verifier/a.ts', '<missing> verifier/gone.ts']]),
  );
  fixture({ 'verifier/a.ts': "import { c } from '../common/ip.ts';\n", 'common/ip.ts': '' }, (root) =>
    assert.equal(importChains(root, 'verifier', 'backends'), []),
  );
});

test.run();
