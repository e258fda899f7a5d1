// Goldens of `ksvc import`: each Kubernetes example prints to test/golden/kube/<example>.ksvc, and a
// file of typical mistakes prints its diagnostics to bad-objects.txt / bad-objects.json.
// UPDATE_GOLDEN=1 rewrites the files instead — read every rewritten golden before committing.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CliIO } from '../../../cli/io.ts';
import { runCli } from '../../../cli/main.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = new URL('./', import.meta.url);
const update = process.env.UPDATE_GOLDEN === '1';

async function run(...argv: string[]) {
  const out = { stdout: '', stderr: '' };
  const cli: CliIO = { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t), color: false, env: {}, cwd: root };
  const code = await runCli(argv, cli);
  return { code, ...out };
}

function golden(file: string, got: string): void {
  const url = new URL(file, dir);
  if (update) {
    writeFileSync(url, got);
    return;
  }
  assert.ok(existsSync(url), `${file} is missing (run with UPDATE_GOLDEN=1, then read it)`);
  const want = readFileSync(url, 'utf8');
  assert.fixture(got, want);
}

/** The kube-proxy flags each example is meant for (its header comment says so). */
const EXAMPLES: [string, string[]][] = [
  ['seed-local.yaml', ['--cluster-cidr', '10.64.1.0/24']],
  ['seed-clusterip.json', ['--cluster-cidr', '10.64.1.0/24']],
  ['shop-dual-stack.yaml', ['--cluster-cidr', '10.64.0.0/16', '--cluster-cidr', 'fd00:64::/48']],
];

for (const [example, flags] of EXAMPLES) {
  test(`ksvc import examples/${example}`, async () => {
    const r = await run('import', `examples/${example}`, ...flags);
    assert.is(r.stderr, '');
    assert.is(r.code, 0);
    golden(example.replace(/\.(ya?ml|json)$/, '.ksvc'), r.stdout);
  });
}

test('ksvc import of typical mistakes: located diagnostics, nothing printed', async () => {
  const file = path.relative(root, fileURLToPath(new URL('bad-objects.yaml', dir)));
  const text = await run('import', file);
  assert.is(text.code, 1);
  assert.is(text.stdout, '');
  golden('bad-objects.txt', text.stderr);
  const json = await run('import', file, '--output', 'json');
  assert.is(json.code, 1);
  golden('bad-objects.json', json.stderr);
});

test.run();
