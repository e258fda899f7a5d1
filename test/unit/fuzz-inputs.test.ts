// A fixed sample of the damaged-input campaign (scripts/fuzz-inputs.ts, `npm run fuzz:inputs`):
// extreme numbers, values of other types and broken lines in the artifacts of two random models.
// Every run must end in diagnostics or a verdict; the script exits 1 and prints the run otherwise.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('damaged artifacts of two random models: diagnostics or a verdict, never a throw', () => {
  for (const kind of ['numbers', 'types', 'lines']) {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/fuzz-inputs.ts', '--kind', kind, '--from', '3', '--count', '2'],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
    assert.is(r.status, 0, `${kind}: ${r.stdout}${r.stderr}`);
    const tally = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'), r.stdout.indexOf('}') + 1));
    assert.ok(tally.runs > 0, r.stdout);
  }
});

test.run();
