// Goldens of `ksvc import`: each Kubernetes example prints to test/golden/kube/<example>.ksvc, and a
// file of typical mistakes prints its diagnostics to bad-objects.txt / bad-objects.json.
// UPDATE_GOLDEN=1 rewrites the files instead — read every rewritten golden before committing.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CliIO } from '../../../cli/io.ts';
import { runCli } from '../../../cli/main.ts';
import { expectGolden } from '../../support/golden.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = new URL('./', import.meta.url);

async function run(...argv: string[]) {
  const out = { stdout: '', stderr: '' };
  const cli: CliIO = {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    color: false,
    env: {},
    cwd: root,
  };
  const code = await runCli(argv, cli);
  return { code, ...out };
}

/**
 * The kube-proxy flags each example is meant for (its header comment says so), and the warning codes
 * it gives: the seed capture is a Weave cluster, whose pods are outside the node's podCIDR.
 */
const EXAMPLES: [string, string[], string[]][] = [
  ['seed-local.yaml', ['--cluster-cidr', '10.64.1.0/24'], ['endpoint-outside-node-pod-cidr']],
  ['seed-clusterip.json', ['--cluster-cidr', '10.64.1.0/24'], []],
  [
    'shop-dual-stack.yaml',
    ['--cluster-cidr', '10.64.0.0/16', '--cluster-cidr', 'fd00:64::/48'],
    ['source-ranges-not-external-ips'],
  ],
];

for (const [example, flags, warnings] of EXAMPLES) {
  test(`ksvc import examples/${example}`, async () => {
    const r = await run('import', `examples/${example}`, ...flags);
    assert.equal(
      [...r.stderr.matchAll(/^warning\[([a-z0-9-]+)\]/gm)].map((m) => m[1]),
      warnings,
      r.stderr,
    );
    assert.not.match(r.stderr, /^error/m);
    assert.is(r.code, 0);
    expectGolden(new URL(example.replace(/\.(ya?ml|json)$/, '.ksvc'), dir), r.stdout);
  });
}

test('ksvc import of typical mistakes: located diagnostics, nothing printed', async () => {
  const file = path.relative(root, fileURLToPath(new URL('bad-objects.yaml', dir)));
  const text = await run('import', file);
  assert.is(text.code, 1);
  assert.is(text.stdout, '');
  expectGolden(new URL('bad-objects.txt', dir), text.stderr);
  const json = await run('import', file, '--output', 'json');
  assert.is(json.code, 1);
  expectGolden(new URL('bad-objects.json', dir), json.stderr);
});

test.run();
