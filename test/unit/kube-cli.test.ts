// `ksvc compile --from-k8s` in-process: the YAML compiles to the same bytes as the .ksvc sketch of
// the same capture; bad YAML is a located error with exit 1; unreadable files exit 2.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CliIO } from '../../cli/io.ts';
import { runCli } from '../../cli/main.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(path.join(tmpdir(), 'ksvc-kube-cli-'));

async function run(...argv: string[]) {
  const out = { stdout: '', stderr: '' };
  const cli: CliIO = { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t), color: false, env: {}, cwd: root };
  const code = await runCli(argv, cli);
  return { code, ...out };
}

const write = (name: string, text: string): string => {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
};

const SEED_FLAGS = ['--backend', 'iptables', '--node', 'ecs-matrix-k8s-cluster-3'];

test('compile --from-k8s seed-local.yaml == compile seed-local.ksvc, for both nodes and both backends', async () => {
  for (const node of ['ecs-matrix-k8s-cluster-3', 'ecs-matrix-k8s-cluster-1']) {
    for (const backend of [['--backend', 'iptables'], ['--backend', 'nftables', '--format', 'json']]) {
      const yaml = await run('compile', '--from-k8s', 'examples/seed-local.yaml', ...backend, '--node', node, '--detect-local-mode', 'ClusterCIDR', '--cluster-cidr', '10.64.1.0/24');
      const ksvc = await run('compile', 'examples/seed-local.ksvc', ...backend, '--node', node);
      assert.is(yaml.code, 0, yaml.stderr);
      assert.is(ksvc.code, 0, ksvc.stderr);
      assert.ok(yaml.stdout.length > 0);
      assert.fixture(yaml.stdout, ksvc.stdout);
    }
  }
});

test('compile --from-k8s reads several files (JSON List and YAML)', async () => {
  const r = await run('compile', '--from-k8s', 'examples/seed-clusterip.json', ...SEED_FLAGS);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /default\/kubernetes:https cluster IP/);
  const both = await run('compile', '--from-k8s', 'examples/seed-clusterip.json', 'examples/seed-local.yaml', ...SEED_FLAGS);
  // The two files hold the same node twice: a located duplicate-object error.
  assert.is(both.code, 1);
  assert.match(both.stderr, /duplicate Node ecs-matrix-k8s-cluster-3/);
});

test('compile --from-k8s: bad YAML is a located error (exit 1, nothing on stdout)', async () => {
  const bad = write('bad.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  clusterIP: 10.32.0.5\n  ports:\n  - port: 80\n    protocol: TCPP\n');
  const r = await run('compile', '--from-k8s', bad, '--backend', 'iptables');
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /unsupported protocol 'TCPP'/);
  assert.ok(r.stderr.includes(`${bad}:9:15 (spec.ports[0].protocol)`), r.stderr);
});

test('compile --from-k8s: usage errors exit 2', async () => {
  assert.is((await run('compile', '--from-k8s', path.join(tmp, 'missing.yaml'), '--backend', 'iptables')).code, 2);
  assert.is((await run('compile', 'examples/seed-local.ksvc', '--skip-unknown-kinds', '--backend', 'iptables')).code, 2);
  assert.is((await run('compile', 'examples/seed-local.ksvc', 'examples/seed-clusterip.ksvc', '--backend', 'iptables')).code, 2);
});

test.run();
