// Golden: what `ksvc check` prints (text and JSON) for a file of typical mistakes. Rewrite with
// UPDATE_GOLDEN=1 — and read the result before committing it.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkCommand } from '../../cli/check.ts';
import type { CliIO } from '../../cli/io.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = 'test/golden/check';

async function render(format: string): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: () => {}, color: false, env: {}, cwd: root };
  const code = await checkCommand.run(['--output', format, `${dir}/mistakes.ksvc`], io);
  return { code, stdout };
}

function golden(name: string, actual: string): void {
  const file = path.join(root, dir, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  assert.fixture(actual, readFileSync(file, 'utf8'));
}

test('mistakes.ksvc: text output', async () => {
  const r = await render('text');
  assert.is(r.code, 1);
  golden('mistakes.txt', r.stdout);
});

test('mistakes.ksvc: JSON output', async () => {
  const r = await render('json');
  golden('mistakes.json', r.stdout);
});

test.run();
