// `ksvc fmt` in-process: rewriting in place, --check, --stdout, stdin, syntax errors, usage errors.
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fmtCommand } from '../../cli/fmt.ts';
import type { CliIO } from '../../cli/io.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'ksvc-fmt-cli-'));

async function fmt(argv: string[], stdin?: string) {
  const out = { stdout: '', stderr: '' };
  const cli: CliIO & { stdin?: () => string } = {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    color: false,
    env: {},
    cwd: tmp,
  };
  if (stdin !== undefined) cli.stdin = () => stdin;
  const code = await fmtCommand.run(argv, cli);
  return { code, ...out };
}

const MESSY = 'service a/b{\n    http: ClusterIP 10.0.0.1:80/tcp->endpoints\nendpoints 10.0.0.2 on n1}\n';
const CANONICAL = 'service a/b {\n  http: ClusterIP 10.0.0.1:80/tcp -> endpoints\n  endpoints 10.0.0.2 on n1\n}\n';
const BROKEN = 'service a/b {\n  http: ClusterIP 10.0.0.1:80/tcpp -> endpoints\n}\n';

const write = (name: string, text: string): string => {
  writeFileSync(path.join(tmp, name), text);
  return name;
};
const read = (name: string) => readFileSync(path.join(tmp, name), 'utf8');

test('rewrites a file in place, leaves formatted files alone, no temp files left', async () => {
  write('a.ksvc', MESSY);
  write('b.ksvc', CANONICAL);
  const r = await fmt(['a.ksvc', 'b.ksvc']);
  assert.is(r.code, 0);
  assert.is(read('a.ksvc'), CANONICAL);
  assert.is(read('b.ksvc'), CANONICAL);
  assert.match(r.stderr, '1 file reformatted, 1 file already formatted');
  assert.equal(
    readdirSync(tmp).filter((f) => f.includes('ksvc-tmp')),
    [],
  );
});

test('--check reports files that would change and writes nothing', async () => {
  write('c.ksvc', MESSY);
  write('d.ksvc', CANONICAL);
  const r = await fmt(['--check', 'c.ksvc', 'd.ksvc']);
  assert.is(r.code, 1);
  assert.is(read('c.ksvc'), MESSY);
  assert.match(r.stdout, 'error[not-formatted]');
  assert.match(r.stdout, 'c.ksvc:1:1');
  assert.not.match(r.stdout, 'd.ksvc');
  const ok = await fmt(['--check', 'd.ksvc']);
  assert.is(ok.code, 0);
  assert.is(ok.stdout, '');
  const gh = await fmt(['--check', '--output', 'github', 'c.ksvc']);
  assert.match(gh.stdout, '::error file=c.ksvc,line=1,col=1');
  const json = JSON.parse((await fmt(['--check', '--output', 'json', 'c.ksvc'])).stdout);
  assert.equal(
    json.diagnostics.map((d: { code: string }) => d.code),
    ['not-formatted'],
  );
});

test('a file with syntax errors is not rewritten; its errors are shown', async () => {
  write('e.ksvc', BROKEN);
  const r = await fmt(['e.ksvc']);
  assert.is(r.code, 1);
  assert.is(read('e.ksvc'), BROKEN);
  assert.match(r.stdout, "error[expected-token]: expected a protocol (tcp, udp or sctp) after '/', found 'tcpp'");
  assert.match(r.stdout, 'e.ksvc:2:31');
  assert.match(r.stderr, 'not rewritten');
});

test('--stdout and stdin print instead of rewriting', async () => {
  write('f.ksvc', MESSY);
  const r = await fmt(['--stdout', 'f.ksvc']);
  assert.is(r.code, 0);
  assert.is(r.stdout, CANONICAL);
  assert.is(read('f.ksvc'), MESSY);
  const s = await fmt(['-'], MESSY);
  assert.is(s.code, 0);
  assert.is(s.stdout, CANONICAL);
  // standard output carries the formatted text: the errors go to stderr, never into it
  const bad = await fmt(['-'], BROKEN);
  assert.is(bad.code, 1);
  assert.is(bad.stdout, '');
  assert.match(bad.stderr, '<stdin>:2:31');
  write('g-broken.ksvc', BROKEN);
  for (const output of ['text', 'json', 'github']) {
    const mixed = await fmt(['--stdout', '--output', output, 'f.ksvc', 'g-broken.ksvc']);
    assert.is(mixed.code, 1, output);
    assert.is(mixed.stdout, CANONICAL, output);
    assert.match(mixed.stderr, output === 'json' ? '"expected-token"' : 'g-broken.ksvc', output);
  }
});

test('--check: the report on stdout (stdin too), and a JSON report even when every file is formatted', async () => {
  write('h.ksvc', CANONICAL);
  const json = await fmt(['--check', '--output', 'json', 'h.ksvc']);
  assert.is(json.code, 0);
  assert.equal(JSON.parse(json.stdout).diagnostics, []);
  const stdin = await fmt(['--check', '-'], MESSY);
  assert.is(stdin.code, 1);
  assert.match(stdin.stdout, 'error[not-formatted]');
});

test('a file named by a descriptor open on it is refused, not overwritten in place (`fmt /dev/stdin <> in.ksvc`)', async () => {
  const file = write('i.ksvc', `${MESSY}# a longer tail than the formatted text has room for\n`);
  const fd = openSync(path.join(tmp, file), 'r+');
  try {
    const r = await fmt([`/dev/fd/${fd}`]);
    assert.is(r.code, 2);
    assert.match(r.stderr, `descriptor ${fd} is the input file (refused)`);
    assert.is(read(file), `${MESSY}# a longer tail than the formatted text has room for\n`);
  } finally {
    closeSync(fd);
  }
});

test('usage errors exit 2', async () => {
  for (const argv of [
    [],
    ['--bogus', 'x.ksvc'],
    ['--output', 'xml', 'x.ksvc'],
    ['--check', '--stdout', 'x.ksvc'],
    ['-', '-'],
    ['missing.ksvc'],
  ]) {
    const r = await fmt(argv);
    assert.is(r.code, 2, argv.join(' '));
    assert.ok(r.stderr.length > 0);
  }
  const h = await fmt(['--help']);
  assert.is(h.code, 0);
  assert.match(h.stdout, 'Usage: ksvc fmt');
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
