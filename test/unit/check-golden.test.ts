// Golden: what `ksvc check` prints (text and JSON) for a file of typical mistakes. Rewrite with
// UPDATE_GOLDEN=1 — and read the result before committing it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkCommand } from '../../cli/check.ts';
import type { CliIO } from '../../cli/io.ts';
import { expectGolden } from '../support/golden.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const goldenDir = new URL('../golden/check/', import.meta.url);

async function render(format: string): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: () => {}, color: false, env: {}, cwd: root };
  const code = await checkCommand.run(['--output', format, 'test/golden/check/mistakes.ksvc'], io);
  return { code, stdout };
}

test('mistakes.ksvc: text output', async () => {
  const r = await render('text');
  assert.is(r.code, 1);
  expectGolden(new URL('mistakes.txt', goldenDir), r.stdout);
});

test('mistakes.ksvc: JSON output', async () => {
  const r = await render('json');
  expectGolden(new URL('mistakes.json', goldenDir), r.stdout);
});

test.run();
