// `ksvc check` in-process: exit codes, output formats, --strict, usage errors.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check as checkApi, parse } from '../../api/ksvc.ts';
import { checkCommand } from '../../cli/check.ts';
import type { CliIO } from '../../cli/io.ts';
import { runCli } from '../../cli/main.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(path.join(tmpdir(), 'ksvc-check-cli-'));

function io(color = false) {
  const out = { stdout: '', stderr: '' };
  const cli: CliIO = {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    color,
    env: {},
    cwd: root,
  };
  return { cli, out };
}

async function check(...argv: string[]) {
  const { cli, out } = io();
  const code = await checkCommand.run(argv, cli);
  return { code, ...out };
}

const write = (name: string, text: string): string => {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
};

const bad = write('bad.ksvc', 'service default/web {\n  http: ClusterIP 010.0.0.1:80/tcp -> endpoints\n}\n');
const warn = write(
  'warn.ksvc',
  'service default/web {\n  http: ClusterIP 10.0.0.1:80/tcp -> endpoints, externalTrafficPolicy local\n}\n',
);

test("the library's check with model: false: the same diagnostics, no model (what ksvc check runs)", () => {
  const texts = [
    readFileSync(path.join(root, 'examples/everything.ksvc'), 'utf8'),
    readFileSync(path.join(root, 'test/golden/check/mistakes.ksvc'), 'utf8'),
    'node n {\n  address 10.0.0.1\n}\nservice a/b {\n  p: ClusterIP 10.96.0.1:80/tcp -> endpoints:80\n  endpoints 10.0.0.9 not-ready\n}\n',
  ];
  for (const text of texts) {
    const full = checkApi(parse(text, { file: 'x.ksvc' }));
    const only = checkApi(parse(text, { file: 'x.ksvc' }), { model: false });
    assert.is(only.model, null);
    assert.equal(JSON.stringify(only.diagnostics), JSON.stringify(full.diagnostics));
  }
  assert.ok(checkApi(parse(texts[0]!, { file: 'x.ksvc' })).model !== null, 'a clean file has a model');
  assert.ok(checkApi(parse(texts[2]!, { file: 'x.ksvc' })).diagnostics.length > 0, 'warnings are reported');
});

test('clean examples exit 0 with a summary on stderr', async () => {
  const r = await check('examples/seed-clusterip.ksvc', 'examples/seed-local.ksvc');
  assert.is(r.code, 0);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /2 files checked: 0 errors, 0 warnings/);
});

test('errors exit 1 with a located caret frame and a hint', async () => {
  const r = await check(bad);
  assert.is(r.code, 1);
  assert.match(r.stdout, /error\[invalid-address\]: cluster IP '010\.0\.0\.1' is not a valid IP address/);
  assert.match(r.stdout, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:19`));
  assert.match(r.stdout, /\^/);
  assert.match(r.stdout, /hint: write 10\.0\.0\.1/);
  assert.match(r.stderr, /1 error, 0 warnings/);
  assert.not.match(r.stdout, /\x1b\[/, 'no colours without a TTY');
});

test('warnings exit 0, or 1 with --strict', async () => {
  const r = await check(warn);
  assert.is(r.code, 0);
  assert.match(r.stdout, /warning\[external-traffic-policy-not-applicable\]/);
  const s = await check('--strict', warn);
  assert.is(s.code, 1);
  assert.match(s.stdout, /error\[external-traffic-policy-not-applicable\]/);
});

test('--output json is one parseable document', async () => {
  const r = await check('--output', 'json', bad, warn);
  assert.is(r.code, 1);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.summary, { errors: 1, warnings: 1 });
  assert.equal(
    doc.diagnostics.map((d: { code: string }) => d.code),
    ['invalid-address', 'external-traffic-policy-not-applicable'],
  );
  assert.equal(doc.diagnostics[0].range.start, { line: 2, column: 19 });
  // a related place has the diagnostic's own shape: a range of lines and columns, no offsets
  const twice = path.join(tmp, 'twice.ksvc');
  writeFileSync(
    twice,
    'service a/one {\n  http: ClusterIP 10.0.0.1:80/tcp -> endpoints\n}\n\nservice a/two {\n  http: ClusterIP 10.0.0.1:80/tcp -> endpoints\n}\n',
  );
  const dup = JSON.parse((await check('--output', 'json', twice)).stdout).diagnostics.find(
    (d: { related?: unknown[] }) => d.related !== undefined,
  );
  assert.ok(dup, 'a diagnostic with a related place');
  assert.equal(Object.keys(dup.related[0]).sort(), ['file', 'message', 'range']);
  assert.equal(Object.keys(dup.related[0].range.start).sort(), ['column', 'line']);
});

test('--output github writes workflow annotations', async () => {
  const r = await check('--output=github', bad);
  assert.is(r.code, 1);
  assert.match(r.stdout, /^::error file=.*bad\.ksvc,line=2,col=19,.*title=invalid-address::/m);
});

test('usage errors exit 2: unknown flag, bad format, no files, unreadable file', async () => {
  const a = await check('--frobnicate', bad);
  assert.is(a.code, 2);
  assert.match(a.stderr, /frobnicate/);
  const b = await check('--output', 'xml', bad);
  assert.is(b.code, 2);
  assert.match(b.stderr, /text, json, github/);
  const c = await check();
  assert.is(c.code, 2);
  const d = await check(path.join(tmp, 'missing.ksvc'));
  assert.is(d.code, 2);
  assert.match(d.stderr, /no such file/);
  const e = await check(tmp);
  assert.is(e.code, 2);
  assert.match(e.stderr, /is a directory/);
});

test('--output json and github: an unreadable file is an error diagnostic, never a clean report', async () => {
  const missing = path.join(tmp, 'missing.ksvc');
  const j = await check('--output', 'json', bad, missing);
  assert.is(j.code, 2);
  const doc = JSON.parse(j.stdout);
  assert.equal(doc.summary, { errors: 2, warnings: 0 });
  const unreadable = doc.diagnostics.find((d: { code: string }) => d.code === 'unreadable-input');
  assert.equal(unreadable, {
    code: 'unreadable-input',
    severity: 'error',
    message: 'cannot read this input: no such file or directory',
    file: missing,
    range: null,
  });
  assert.match(j.stderr, /missing\.ksvc: no such file/);
  const g = await check('--output', 'github', tmp);
  assert.is(g.code, 2);
  assert.match(g.stdout, /^::error file=.*title=unreadable-input::cannot read this input: is a directory$/m);
  // text keeps its one line on stderr, and nothing on stdout
  const t = await check(missing);
  assert.is(t.stdout, '');
});

test('every command with --output json reports an unreadable input as a diagnostic, where its diagnostics go', async () => {
  const missing = path.join(tmp, 'missing.ksvc');
  const packet = ['--src', '10.0.0.9', '--dst', '10.96.0.1', '--proto', 'tcp', '--dport', '80'];
  const cases: [string[], 'stdout' | 'stderr'][] = [
    [['verify', '--output', 'json', missing], 'stdout'],
    [['verify', '--output', 'json', '--iptables', missing], 'stdout'],
    [['explain', '--output', 'json', missing, ...packet], 'stdout'],
    [['explain', '--output', 'json', '--nft', missing, ...packet], 'stdout'],
    [['diff', '--output', 'json', missing, bad], 'stdout'],
    [['diff', '--output', 'json', '--input', 'nft', missing, missing], 'stdout'],
    [['compile', '--backend', 'iptables', '--output', 'json', missing, '-o', path.join(tmp, 'out')], 'stderr'],
    [['import', '--output', 'json', missing, '-o', path.join(tmp, 'out.ksvc')], 'stderr'],
    [['fmt', '--check', '--output', 'json', missing], 'stdout'],
  ];
  for (const [argv, stream] of cases) {
    const { cli, out } = io();
    const code = await runCli(argv, cli);
    assert.is(code, 2, argv.join(' '));
    const doc = JSON.parse(out[stream]);
    assert.equal(
      doc.diagnostics.map((d: { code: string; file: string }) => [d.code, d.file]),
      [['unreadable-input', missing]],
      argv.join(' '),
    );
  }
});

test('colours only when the IO allows them', async () => {
  const { cli, out } = io(true);
  await checkCommand.run([bad], cli);
  assert.match(out.stdout, /\x1b\[/);
});

test('ksvc check --help through the entry point', async () => {
  const { cli, out } = io();
  const code = await runCli(['check', '--help'], cli);
  assert.is(code, 0);
  assert.match(out.stdout, /Usage: ksvc check/);
  assert.match(out.stdout, /Examples:/);
});

test.run();
