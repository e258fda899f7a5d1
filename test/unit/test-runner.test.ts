// The closing line of `npm test` (scripts/test.mjs), run on small fixtures without the whole-tree
// checks: skipped tests are counted and their reasons printed above "N passed, N failed, N
// skipped"; in CI any skip fails the run; a run in which no test ran is a failure.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function runner(pattern: string, env: Record<string, string> = {}) {
  const { CI: _ci, ...rest } = process.env;
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/test.mjs'), 'test/fixtures/test-runner', pattern], {
    cwd: root,
    encoding: 'utf8',
    env: { ...rest, KSVC_TEST_CHECKS: '0', ...env },
    timeout: 120_000,
  });
  const lines = r.stdout.trimEnd().split('\n');
  return { code: r.status, last: lines.at(-1), before: lines.at(-2), out: r.stdout };
}

test('skipped tests are counted, with their reason on the line above', () => {
  const r = runner('skips\\.fixture\\.ts$');
  assert.is(r.last, '2 passed, 0 failed, 2 skipped', r.out);
  assert.is(r.before, 'skipped: fixture tier: the fixture cannot run here');
  assert.is(r.code, 0);
});

test('in CI any skipped test fails the run', () => {
  const r = runner('skips\\.fixture\\.ts$', { CI: 'true' });
  assert.is(r.last, '2 passed, 1 failed, 2 skipped', r.out);
  assert.is(r.code, 1);
});

test('no test ran: a failure', () => {
  const r = runner('nothing-matches\\.fixture\\.ts$');
  assert.is(r.last, '0 passed, 1 failed, 0 skipped', r.out);
  assert.is(r.code, 1);
});

test.run();
