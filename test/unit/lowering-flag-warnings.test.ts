// A lowering flag's warning (option-as-kube-proxy: --detect-local-mode ClusterCIDR without
// --cluster-cidr) is one of the command's diagnostics in every command that lowers a .ksvc file:
// in --output json and github too, not a text line of its own on stderr.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ksvc } from './verify-cli-support.ts';

const FILE = 'examples/seed-nodeport.ksvc';
const FLAG = ['--detect-local-mode', 'ClusterCIDR'];
const CODE = 'option-as-kube-proxy';

/** The codes of a diagnostics JSON document (the whole text, or its diagnostics member). */
const codesIn = (text: string): string[] =>
  (JSON.parse(text) as { diagnostics: { code: string }[] }).diagnostics.map((d) => d.code);

test('compile: the warning in text, json and github output, never as a text line', async () => {
  const compile = (output: string) => ksvc('compile', FILE, '--backend', 'iptables', ...FLAG, '--output', output);
  const text = await compile('text');
  assert.is(text.code, 0, text.stderr);
  assert.match(
    text.stderr,
    `warning[${CODE}]: --detect-local-mode: ClusterCIDR without --cluster-cidr is no local detector`,
  );
  const json = await compile('json');
  assert.is(json.code, 0, json.stderr);
  assert.equal(codesIn(json.stderr), [CODE], json.stderr);
  const github = await compile('github');
  assert.match(github.stderr, `::warning title=${CODE}::--detect-local-mode: ClusterCIDR`);
  for (const r of [text, json, github]) assert.not.match(r.stderr, 'ksvc compile: warning');
});

test('verify, explain and diff: the warning among their diagnostics (verify: in its JSON report)', async () => {
  const verify = await ksvc('verify', FILE, ...FLAG, '--output', 'json');
  assert.is(verify.code, 0, verify.stderr);
  assert.equal(codesIn(verify.stdout), [CODE]);
  const explain = await ksvc(
    'explain',
    FILE,
    ...FLAG,
    '--src',
    '1.2.3.4',
    '--dst',
    '10.96.0.1',
    '--proto',
    'tcp',
    '--dport',
    '80',
  );
  assert.match(explain.stderr, `warning[${CODE}]`);
  const diff = await ksvc('diff', FILE, FILE, ...FLAG, '--output', 'json');
  assert.equal(codesIn(diff.stderr), [CODE], diff.stderr);
  for (const r of [verify, explain, diff]) assert.not.match(r.stderr, /ksvc \w+: warning/);
});

test.run();
