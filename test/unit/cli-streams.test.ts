// The command as a user runs it (bin/ksvc.cjs, spawned): `-` reads standard input for every command
// that reads files, and a closed output pipe (`ksvc compile BIG | head -1`) ends the command as it
// ends `cat` — killed by SIGPIPE, no stack trace. In-process: a single-valued flag given twice is a
// usage error, and after `--` every argument is a file name.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKsvc } from '../../bench/generate.ts';
import type { CliIO } from '../../cli/io.ts';
import { runCli } from '../../cli/main.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'ksvc-streams-'));
const bin = path.join(root, 'bin/ksvc.cjs');
const example = (name: string) => readFileSync(path.join(root, 'examples', name), 'utf8');

const ksvc = (input: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const noStackTrace = (text: string) => assert.not.ok(/\n\s+at /.test(text), `no stack trace:\n${text}`);

test('a full disk on standard output is said as such (exit 2), not as an internal error', () => {
  const file = path.join(dir, 'full.ksvc');
  writeFileSync(file, example('seed-local.ksvc'));
  const full = openSync('/dev/full', 'w');
  try {
    for (const args of [
      ['fmt', '--stdout', file],
      ['compile', file, '--backend', 'iptables', '--node', 'ecs-matrix-k8s-cluster-1'],
    ]) {
      const r = spawnSync(process.execPath, [bin, ...args], {
        cwd: dir,
        stdio: ['ignore', full, 'pipe'],
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
        timeout: 60_000,
      });
      assert.is(r.status, 2, r.stderr);
      assert.match(r.stderr, `ksvc ${args[0]}: cannot write to standard output: no space left on device`);
      assert.not.match(r.stderr, 'internal error');
      noStackTrace(r.stderr);
    }
  } finally {
    closeSync(full);
  }
});

test('a byte order mark before the text is not a character: line 1 columns as an editor shows them', () => {
  const bom = '\ufeff';
  const r = ksvc(`${bom}service default/web {`, 'check', '-');
  assert.is(r.code, 1);
  assert.match(r.out, 'opened at 1:1: reached the end of the file\n  --> <stdin>:1:22');
  assert.not.match(r.out, bom);
  const file = path.join(dir, 'bom.yaml');
  writeFileSync(file, `${bom}apiVersion: v1\nkind: Foo\nmetadata: {name: a}\n`);
  assert.match(ksvc('', 'import', file).err, 'bom.yaml:2:7');
  // an artifact keeps it: iptables-restore refuses such a file, and so does its reader
  const restore = path.join(dir, 'bom.rules');
  writeFileSync(restore, `${bom}*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n`);
  const v = ksvc('', 'verify', '--iptables', restore, '--nft', restore);
  assert.match(`${v.out}${v.err}`, 'byte-order mark (U+FEFF), which iptables-restore refuses');
});

test('check - reads standard input', () => {
  const ok = ksvc(example('seed-local.ksvc'), 'check', '-');
  assert.is(ok.code, 0, ok.err);
  assert.match(ok.err, '1 file checked: 0 errors');
  const bad = ksvc('service default/web {\n  http: ClusterIP 010.0.0.1:80/tcp -> endpoints\n}\n', 'check', '-');
  assert.is(bad.code, 1);
  assert.match(bad.out, '<stdin>:2:19');
});

test('compile - reads standard input (same bytes as the file)', () => {
  const args = ['--backend', 'iptables', '--node', 'ecs-matrix-k8s-cluster-3'];
  const piped = ksvc(example('seed-local.ksvc'), 'compile', '-', ...args);
  assert.is(piped.code, 0, piped.err);
  const fromFile = ksvc('', 'compile', path.join(root, 'examples/seed-local.ksvc'), ...args);
  assert.is(piped.out, fromFile.out);
  assert.ok(piped.out.startsWith('*filter\n'));
});

test('fmt -, import - and compile --from-k8s - read standard input', () => {
  const fmt = ksvc('service a/b{\n    http: ClusterIP 10.0.0.1:80/tcp->endpoints\n}\n', 'fmt', '-');
  assert.is(fmt.code, 0, fmt.err);
  assert.is(fmt.out, 'service a/b {\n  http: ClusterIP 10.0.0.1:80/tcp -> endpoints\n}\n');
  const yaml = example('seed-local.yaml');
  const imp = ksvc(yaml, 'import', '-', '--cluster-cidr', '10.64.1.0/24');
  assert.is(imp.code, 0, imp.err);
  assert.match(imp.out, 'service default/http-svc {');
  const k8s = ksvc(yaml, 'compile', '--from-k8s', '-', '--backend', 'nftables', '--node', 'ecs-matrix-k8s-cluster-3');
  assert.is(k8s.code, 0, k8s.err);
  assert.ok(Array.isArray(JSON.parse(k8s.out).nftables));
});

test('compile BIG | head -1: ends like cat (SIGPIPE), quietly', async () => {
  const big = path.join(dir, 'big.ksvc');
  writeFileSync(big, generateKsvc({ services: 2000, endpointsPerService: 5, nodes: 1 }));
  const child = spawn(process.execPath, [bin, 'compile', big, '--backend', 'iptables'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let err = '';
  child.stderr.on('data', (d) => void (err += d));
  let first = '';
  child.stdout.on('data', (d) => {
    first += d;
    if (first.includes('\n')) child.stdout.destroy(); // what `head -1` does after one line
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  clearTimeout(timer);
  assert.ok(first.startsWith('*filter\n'));
  assert.ok(
    signal === 'SIGPIPE' || code === 141,
    `killed by SIGPIPE (or exit 141), got code ${code} signal ${signal}: ${err}`,
  );
  noStackTrace(err);
  assert.not.match(err, 'EPIPE');
});

async function inProcess(...argv: string[]) {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), color: false, env: {}, cwd: dir };
  return { code: await runCli(argv, io), out, err };
}

test('a flag that takes one value, given twice, is a usage error', async () => {
  writeFileSync(path.join(dir, 'seed.ksvc'), example('seed-clusterip.ksvc'));
  const r = await inProcess('compile', 'seed.ksvc', '--backend', 'iptables', '--backend', 'nftables');
  assert.is(r.code, 2);
  assert.match(r.err, '--backend is given more than once');
  assert.is(r.out, '');
  const o = await inProcess('check', '--output', 'json', '--output', 'text', 'seed.ksvc');
  assert.is(o.code, 2);
  assert.match(o.err, '--output is given more than once');
  // Repeatable flags stay repeatable.
  const cidrs = await inProcess(
    'compile',
    'seed.ksvc',
    '--backend',
    'iptables',
    '--cluster-cidr',
    '10.64.0.0/16',
    '--cluster-cidr',
    'fd00::/64',
  );
  assert.is(cidrs.code, 0, cidrs.err);
});

test('after --, every argument is a file: check -- --help checks a file named --help', async () => {
  writeFileSync(
    path.join(dir, '--help'),
    'service default/web {\n  http: ClusterIP 10.0.0.300:80/tcp -> endpoints\n}\n',
  );
  const r = await inProcess('check', '--', '--help');
  assert.is(r.code, 1);
  assert.not.match(r.out, 'Usage:');
  assert.match(r.out, '--help:2:');
  const help = await inProcess('check', '--help');
  assert.match(help.out, 'Usage: ksvc check');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
