// Golden files: compare output byte for byte with a reviewed file; UPDATE_GOLDEN=1 rewrites the file
// instead (esbuild style) — read every rewritten golden before committing it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as assert from 'uvu/assert';

export const updatingGoldens = process.env.UPDATE_GOLDEN === '1';

export function expectGolden(file: URL, actual: string): void {
  if (updatingGoldens) {
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `${file.pathname} is missing (run with UPDATE_GOLDEN=1, then read it)`);
  assert.fixture(actual, readFileSync(file, 'utf8'), file.pathname);
}
