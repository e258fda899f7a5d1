// `ksvc verify|diff --all-nodes --jobs N`: each node checked in a child process, the output the
// same as without --jobs; the wire between them keeps everything a report renders (exact
// probabilities, rule origins read from their artifact, diagnostic spans); a child that fails is
// reported.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ASSUMPTIONS, verifyArtifacts } from '../../api/verify.ts';
import { runInChildren } from '../../cli/child-jobs.ts';
import type { DiffJob } from '../../cli/diff-job-child.ts';
import { decodeWire, encodeWire } from '../../cli/job-wire.ts';
import { renderDiagnostics } from '../../cli/render-diagnostics.ts';
import { renderVerifyGithub, renderVerifyJson, renderVerifyText } from '../../cli/render-verify.ts';
import type { VerifyJob } from '../../cli/verify-job-child.ts';
import { makeSourceFile } from '../../common/source.ts';
import { compileWeb, ksvc, ksvcWith, root, write } from './verify-cli-support.ts';

test('the wire keeps what a report renders: counterexamples, exact probabilities, rule texts, spans', async () => {
  const files = await compileWeb();
  const text = readFileSync(files.iptables, 'utf8');
  const bad = text.replace('--probability 0.5000000000 ', '--probability 0.5000000005 ');
  const result = verifyArtifacts({
    iptables: { text: bad, file: 'web-bad.iptables' },
    nftables: { text: readFileSync(files.nft, 'utf8'), file: 'web.nft.json' },
  });
  assert.ok(result.runs[0]!.report!.counterexamples.length > 0);
  const back = decodeWire<typeof result>(encodeWire(result));
  const explain = () => 'ksvc explain …';
  assert.is(
    renderVerifyText(back.runs, 'web', ASSUMPTIONS, explain, false),
    renderVerifyText(result.runs, 'web', ASSUMPTIONS, explain, false),
  );
  assert.is(
    renderVerifyJson(back.runs, 'web', ASSUMPTIONS, back.diagnostics),
    renderVerifyJson(result.runs, 'web', ASSUMPTIONS, result.diagnostics),
  );
  const place = () => ({ file: 'web-bad.iptables' });
  assert.is(
    renderVerifyGithub(back.runs, 'web', explain, place, null),
    renderVerifyGithub(result.runs, 'web', explain, place, null),
  );
  // a rule's text and an exact probability made it across (not only equal renderings of nothing)
  assert.match(renderVerifyText(back.runs, 'web', ASSUMPTIONS, explain, false), /--probability 0\.5000000005/);
  assert.is(typeof back.runs[0]!.report!.stats.universe.den, 'bigint');

  // a reader's diagnostic: its span (line and column) survives
  const broken = `${bad.split('\n').slice(0, 3).join('\n')}\n-A KUBE-SERVICES -m frobnicate -j ACCEPT\nCOMMIT\n`;
  const r = verifyArtifacts({ iptables: { text: broken, file: 'broken.iptables' } });
  assert.ok(r.diagnostics.some((d) => d.span !== null));
  const rb = decodeWire<typeof r>(encodeWire(r));
  const sources = new Map([['broken.iptables', makeSourceFile('broken.iptables', broken)]]);
  assert.is(
    renderDiagnostics(rb.diagnostics, sources, 'text', false),
    renderDiagnostics(r.diagnostics, sources, 'text', false),
  );
});

test('--jobs 2: the same output as one node at a time (a .ksvc as text, --from-k8s as json)', async () => {
  for (const args of [['examples/everything.ksvc'], ['--from-k8s', 'examples/seed-local.yaml', '--output', 'json']]) {
    const one = await ksvc('verify', ...args, '--all-nodes');
    const two = await ksvc('verify', ...args, '--all-nodes', '--jobs', '2');
    assert.is(one.code, 0, one.stdout + one.stderr);
    assert.is(two.code, one.code, two.stderr);
    assert.is(two.stdout, one.stdout);
    assert.is(two.stderr, one.stderr);
  }
});

test('verify --jobs 2 on one dual-stack node: its families checked apart, shared diagnostics once', async () => {
  for (const node of ['node-a', 'nope']) {
    const one = await ksvc('verify', 'examples/everything.ksvc', '--node', node);
    const two = await ksvc('verify', 'examples/everything.ksvc', '--node', node, '--jobs', '2');
    assert.is(one.code, node === 'nope' ? 2 : 0, one.stderr);
    assert.is(two.code, one.code);
    assert.is(two.stdout, one.stdout);
    assert.is(two.stderr, one.stderr);
  }
  // each family's child reports the lowering error too: shown once, as without --jobs
  const bad = await ksvc('verify', 'examples/everything.ksvc', '--node', 'nope', '--jobs', '2');
  assert.is(bad.stderr.match(/unknown-target-node/g)?.length, 1);
});

test('diff --jobs 2: the same changes, traces and annotations as one comparison at a time', async () => {
  const edited = write(
    'everything-edited.ksvc',
    readFileSync(path.join(root, 'examples/everything.ksvc'), 'utf8').replace(
      '10.64.1.5 on node-a zone zone-a ports http=8080',
      '10.64.1.6 on node-a zone zone-a ports http=8080',
    ),
  );
  for (const args of [['--traces'], ['--output', 'github']].map((a) => [...a, '--family', 'ipv4'])) {
    const one = await ksvc('diff', 'examples/everything.ksvc', edited, '--all-nodes', ...args);
    const two = await ksvc('diff', 'examples/everything.ksvc', edited, '--all-nodes', '--jobs', '2', ...args);
    assert.is(one.code, 1, one.stdout + one.stderr);
    assert.match(
      one.stdout,
      args[0] === '--traces' ? /now also reach 10\.64\.1\.6:8080/ : /^::(warning|error|notice) /m,
    );
    assert.is(two.code, 1, two.stderr);
    assert.is(two.stdout, one.stdout);
    assert.is(two.stderr, one.stderr);
  }
  // one dual-stack node, its families compared apart
  const one = await ksvc('diff', 'examples/everything.ksvc', edited, '--node', 'node-a');
  const two = await ksvc('diff', 'examples/everything.ksvc', edited, '--node', 'node-a', '--jobs', '2');
  assert.match(one.stdout, /node node-a, ipv6/);
  assert.is(two.stdout, one.stdout);
  assert.is(two.stderr, one.stderr);
  const rulesets = await ksvc('diff', '--input', 'iptables', edited, edited, '--jobs', '2');
  assert.is(rulesets.code, 2);
  assert.match(rulesets.stderr, /--jobs applies to \.ksvc or k8s input/);
});

test('--jobs really runs the checks in child processes: a child that cannot start is reported', async () => {
  // Children start in the command's working directory; in-process checks never look at it. With
  // one that does not exist, a run without --jobs works and a run with it names a node that failed.
  const gone = path.join(root, 'no-such-directory-for-ksvc-jobs');
  const edited = write('jobs-gone.ksvc', readFileSync(path.join(root, 'examples/everything.ksvc'), 'utf8'));
  const files = [path.join(root, 'examples/everything.ksvc'), edited];
  for (const argv of [
    ['verify', files[0]!, '--all-nodes'],
    ['diff', ...files, '--all-nodes'],
  ]) {
    const plain = await ksvcWith({ cwd: gone }, ...argv);
    assert.is(plain.code, 0, plain.stderr);
    const jobs = await ksvcWith({ cwd: gone }, ...argv, '--jobs', '2');
    assert.is(jobs.code, 2, jobs.stdout);
    assert.match(
      jobs.stderr,
      /^ksvc (verify|diff): --jobs: node node-[a-z]+(, ipv[46])?: cannot start a check process: the working directory .*no-such-directory-for-ksvc-jobs is gone\n$/,
    );
  }
});

test('--jobs: a positive integer, with --all-nodes, not with --kernel', async () => {
  for (const [jobs, why] of [
    ['0', /--jobs is a positive integer/],
    ['two', /--jobs is a positive integer/],
  ] as const) {
    const r = await ksvc('verify', 'examples/everything.ksvc', '--all-nodes', '--jobs', jobs);
    assert.is(r.code, 2);
    assert.match(r.stderr, why);
  }
  const artifacts = await ksvc('verify', '--iptables', 'examples/seed-clusterip.ksvc', '--jobs', '2');
  assert.is(artifacts.code, 2);
  assert.match(artifacts.stderr, /--jobs goes with a FILE\.ksvc or --from-k8s/);
  // --kernel loads namespaces one node at a time (as root; elsewhere --kernel is refused first)
  const kernel = await ksvc('verify', 'examples/everything.ksvc', '--all-nodes', '--kernel', '--jobs', '2');
  assert.is(kernel.code, 2);
  assert.match(kernel.stderr, process.getuid?.() === 0 ? /--jobs and --kernel exclude each other/ : /--kernel: /);
});

test('a child that cannot check its node: the parent says which node and why', async () => {
  const job: Omit<VerifyJob, 'node'> = {
    input: 'ksvc',
    sources: [{ path: 'broken.ksvc', text: 'service {' }],
    kube: null,
    options: {},
    checkFamily: null,
  };
  const r = await runInChildren(
    'verify',
    [
      { ...job, node: 'node-a' },
      { ...job, node: 'node-b' },
    ],
    2,
    root,
    (j) => `node ${j.node}`,
  );
  assert.type(r, 'string');
  assert.match(r as string, /^node node-[ab]: its check process exited with 2: .*the input has errors here/);
  // diff's children the same way
  const broken = { input: 'ksvc' as const, sources: job.sources, kube: null };
  const d = await runInChildren<DiffJob, unknown>(
    'diff',
    [
      {
        backend: 'iptables',
        maxChanges: 50,
        shapes: true,
        lowering: {},
        families: ['ipv4'],
        files: ['a', 'b'],
        old: broken,
        new: broken,
        node: 'node-a',
      },
    ],
    2,
    root,
    (j) => `node ${j.node}`,
  );
  assert.match(
    d as string,
    /^node node-a: its check process exited with 2: ksvc diff --internal-job: the input has errors here/,
  );
});

test.run();
