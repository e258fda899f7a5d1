// `npm run examples` proves every bundled example: its plan (scripts/example-steps.ts) verifies
// every .ksvc example for every node and every Kubernetes example via --from-k8s, after compiling
// it; every one of those verify steps, run here, is equivalent with one check per node and family;
// and the runner counts a non-equivalent verify as a failed step.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { load } from '../../api/index.ts';
import type { CliIO } from '../../cli/io.ts';
import { exampleSteps, runSteps } from '../../scripts/example-steps.ts';
import { ksvc, root, WEB } from './verify-cli-support.ts';

const steps = exampleSteps(root);
const examples = readdirSync(path.join(root, 'examples')).sort();
const verifySteps = steps.filter((s) => s.kind === 'verify');

test('the plan verifies every example for every node, after compiling it', () => {
  const ksvcFiles = examples.filter((f) => f.endsWith('.ksvc'));
  const k8sFiles = examples.filter((f) => /\.(ya?ml|json)$/.test(f));
  assert.ok(ksvcFiles.length >= 5 && k8sFiles.length >= 3, examples.join(' '));
  assert.equal(
    verifySteps.map((s) => s.argv),
    [
      ...ksvcFiles.map((f) => ['verify', `examples/${f}`, '--all-nodes']),
      ...k8sFiles.map((f) => ['verify', '--from-k8s', `examples/${f}`, '--all-nodes']),
    ],
  );
  for (const v of verifySteps) {
    const at = steps.indexOf(v);
    const before = steps.slice(0, at).filter((s) => s.example === v.example);
    assert.ok(before.length > 0, `${v.example}: verified after its check/compile/import steps`);
    assert.ok(
      steps.slice(at + 1).every((s) => s.example !== v.example),
      `${v.example}: verify is its last step`,
    );
  }
});

for (const step of verifySteps) {
  test(`ksvc ${step.argv.join(' ')}: equivalent, one check per node and family`, async () => {
    const r = await ksvc(...step.argv);
    assert.is(r.code, 0, r.stdout + r.stderr);
    const checks = Number(/^equivalent: (\d+) checks?, every packet gets the same outcome$/m.exec(r.stdout)?.[1]);
    const titles = [...r.stdout.matchAll(/^examples\/\S+(?:, node (\S+))?, (ipv4|ipv6)$/gm)];
    assert.is(titles.length, checks);
    if (step.example.endsWith('.ksvc')) {
      const model = load(readFileSync(path.join(root, step.example), 'utf8'), { file: step.example }).model!;
      const families = new Set(model.services.flatMap((s) => s.clusterIPs.map((ip) => ip.includes(':'))));
      assert.is(checks, Math.max(1, model.nodes.length) * families.size, r.stdout);
    } else {
      assert.ok(checks >= 1, r.stdout);
    }
    assert.not.match(r.stdout, /COVERAGE MISMATCH/);
  });
}

test('the runner counts a verify that is not equivalent as a failed step, and shows why', async () => {
  const out = { stdout: '', stderr: '' };
  const io: CliIO = {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    color: false,
    env: {},
    cwd: root,
  };
  const log: string[] = [];
  const failures = await runSteps(
    [
      { kind: 'verify', example: WEB, argv: ['verify', WEB, '--all-nodes'], quiet: true },
      { kind: 'verify', example: WEB, argv: ['verify', WEB, '--all-nodes', '--tv-bound', '2^-40'], quiet: true },
    ],
    io,
    (l) => log.push(l),
  );
  assert.is(failures, 1);
  assert.match(log[0]!, /^ok +ksvc verify /);
  assert.match(log[1]!, /^FAILED \(exit 1\) ksvc verify /);
  assert.match(out.stderr, /NOT equivalent/);
  assert.match(out.stderr, /DIFFERENT IR ≡ iptables/);
  assert.is(out.stdout, '');
});

test.run();
