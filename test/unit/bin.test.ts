// The installed command end to end: bin/ksvc.cjs as a user runs it (the dist/ bundle when fresh,
// else the sources through tsx), its exit codes, and no stack trace on bad input.

import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'ksvc-bin-'));

const ksvc = (...args: string[]) => {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/ksvc.cjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('compile an example to iptables and nftables: exit 0', () => {
  const ipt = ksvc('compile', 'examples/seed-nodeport.ksvc', '--backend', 'iptables');
  assert.is(ipt.code, 0, ipt.err);
  assert.ok(ipt.out.startsWith('*filter\n'));
  assert.ok(
    ipt.out.includes(
      '-A KUBE-NODEPORTS -m comment --comment default/web-svc:nginx-svc-port -m tcp -p tcp --dport 30080 -j KUBE-EXT-',
    ),
  );
  const nft = ksvc('compile', 'examples/seed-nodeport.ksvc', '--backend', 'nftables');
  assert.is(nft.code, 0, nft.err);
  assert.ok(Array.isArray(JSON.parse(nft.out).nftables));
});

test('bad input: exit 1 with a located diagnostic, no stack trace; bad usage: exit 2', () => {
  const bad = path.join(dir, 'bad.ksvc');
  writeFileSync(bad, 'service default/web {\n  http: ClusterIP 010.0.0.1:80/tcp -> endpoints\n}\n');
  const r = ksvc('check', bad);
  assert.is(r.code, 1);
  assert.ok(r.out.includes('invalid-address'), r.out);
  assert.ok(r.out.includes(`${bad}:2:19`), r.out);
  assert.not.ok(/\n\s+at /.test(r.out + r.err), 'no stack trace');
  const junk = path.join(dir, 'junk.ksvc');
  writeFileSync(junk, Buffer.from([0, 1, 2, 255, 254, 123, 125, 10, 0x80]));
  // bytes that are not UTF-8: unreadable as a source (exit 2), saying where
  const j = ksvc('compile', junk, '--backend', 'iptables');
  assert.is(j.code, 2);
  assert.ok(j.err.includes('not valid UTF-8 at line 1, column 4 (byte 3)'), j.err);
  assert.not.ok(/\n\s+at /.test(j.out + j.err), 'no stack trace');
  const u = ksvc('compile', 'examples/seed-local.ksvc', '--backend', 'iptables', '--bogus');
  assert.is(u.code, 2);
  assert.ok(u.err.includes("Run 'ksvc compile --help'"));
});

test('started through a link of any name, the command still runs', () => {
  const link = path.join(dir, 'kube-routes');
  symlinkSync(path.join(root, 'bin/ksvc.cjs'), link);
  const bad = path.join(dir, 'linked.ksvc');
  writeFileSync(bad, 'service default/web {\n  http: ClusterIP 010.0.0.1:80/tcp -> endpoints\n}\n');
  const r = spawnSync(process.execPath, [link, 'check', bad], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  assert.is(r.status, 1, r.stdout + r.stderr);
  assert.ok(r.stdout.includes('invalid-address'), r.stdout);
});

test('colours: none when piped, none with NO_COLOR even when forced', () => {
  const bad = path.join(dir, 'colour.ksvc');
  writeFileSync(bad, 'service default/web {\n  http: ClusterIP 300.0.0.1:80/tcp -> endpoints\n}\n');
  const piped = ksvc('check', bad); // spawnSync pipes both streams: not a terminal
  assert.not.ok(/\x1b\[/.test(piped.out + piped.err));
  const forced = spawnSync(process.execPath, [path.join(root, 'bin/ksvc.cjs'), 'check', bad], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: '1' },
  });
  assert.ok(/\x1b\[/.test(forced.stdout), 'FORCE_COLOR colours');
  const both = spawnSync(process.execPath, [path.join(root, 'bin/ksvc.cjs'), 'check', bad], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '1' },
  });
  assert.not.ok(/\x1b\[/.test(both.stdout + both.stderr), 'NO_COLOR wins');
});

test('the bundle itself (dist/ksvc.mjs) verifies and explains: every file the verifier reads at run time is in it', () => {
  // npm test builds dist/ first; running the bundle directly (not bin/ksvc.cjs, which falls back to
  // tsx when a source is newer) catches a file the sources read beside themselves (the nft schema).
  const bundle = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(root, 'dist/ksvc.mjs'), ...args], {
      cwd: dir, // not the checkout: nothing may be found relative to the working directory
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 60_000,
    });
  const example = path.join(root, 'examples/seed-nodeport.ksvc');
  const v = bundle('verify', example);
  assert.is(v.status, 0, v.stdout + v.stderr);
  assert.ok(v.stdout.includes('\nequivalent: 1 check,'), v.stdout);
  assert.is(v.stdout.match(/✓ (IR|iptables) ≡ /g)?.length, 3, 'three-way');
  const e = bundle(
    'explain',
    example,
    '--src',
    '10.0.0.9',
    '--dst',
    '10.32.0.159',
    '--proto',
    'tcp',
    '--dport',
    '8080',
  );
  assert.ok(e.stdout.includes('10.32.0.159'), e.stdout);
  assert.is(e.status, 0, e.stdout + e.stderr);
  assert.not.ok(/\n\s+at /.test(e.stdout + e.stderr), 'no stack trace');
});

test('--version and --help load none of the heavy builtins (child_process, net, crypto, tty)', () => {
  // Each of these loads node:net or dozens of crypto modules: a few milliseconds apiece of a start
  // that is mostly Node's own. The launcher and the bundle load them only where a command needs them.
  const record = path.join(dir, 'record-builtins.cjs');
  writeFileSync(
    record,
    "process.on('exit', () => require('node:fs').writeSync(2, JSON.stringify(process.moduleLoadList)));\n",
  );
  const heavy = ['child_process', 'net', 'crypto', 'tty'].map((m) => `NativeModule ${m}`);
  for (const entry of ['bin/ksvc.cjs', 'dist/ksvc.mjs']) {
    for (const flag of ['--version', '--help']) {
      const r = spawnSync(process.execPath, ['--require', record, path.join(root, entry), flag], {
        cwd: root,
        encoding: 'utf8',
      });
      assert.is(r.status, 0, r.stderr);
      const loaded = new Set(JSON.parse(r.stderr) as string[]);
      assert.ok(loaded.has('NativeModule fs'), 'the record is the module list');
      assert.equal(
        heavy.filter((m) => loaded.has(m)),
        [],
        `${entry} ${flag}`,
      );
    }
  }
});

test('--version and --help from the launcher say what the CLI says', () => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  const bundle = (flag: string) =>
    spawnSync(process.execPath, [path.join(root, 'dist/ksvc.mjs'), flag], { encoding: 'utf8' }).stdout;
  for (const flag of ['--version', '-V']) {
    assert.is(ksvc(flag).out, `ksvc ${pkg.version}\n`);
    assert.is(bundle(flag), `ksvc ${pkg.version}\n`, 'cli/main.ts says the version package.json says');
  }
  for (const flag of ['--help', '-h', 'help']) {
    const r = ksvc(flag);
    assert.is(r.code, 0);
    assert.is(r.out, bundle('--help'));
    assert.ok(r.out.includes('\n  verify  '), r.out);
  }
});

test('--version and --help into a pipe whose reader is gone: killed by SIGPIPE, as cat is, no stack trace', async () => {
  for (const flag of ['--version', '--help']) {
    const child = spawn(process.execPath, [path.join(root, 'bin/ksvc.cjs'), flag], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // before Node has started: the answer meets a pipe without a reader
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (c, s) => resolve([c, s])),
    );
    assert.ok(signal === 'SIGPIPE' || code === 141, `${flag}: code ${code} signal ${signal}: ${err}`);
    assert.is(err, '', flag);
  }
});

test('verify into a pipe whose reader is gone: killed by SIGPIPE (its child was), never exit 1 ("not equivalent")', async () => {
  const example = path.join(root, 'examples/seed-clusterip.ksvc');
  const child = spawn(process.execPath, [path.join(root, 'bin/ksvc.cjs'), 'verify', example], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  child.stdout.destroy();
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  assert.ok(signal === 'SIGPIPE' || code === 141, `code ${code} signal ${signal}`);
});

test('the launcher prints dist/usage.txt only while it is newer than cli/main.ts and cli/commands.ts', () => {
  const co = path.join(dir, 'usage');
  for (const d of ['bin', 'dist', 'cli']) mkdirSync(path.join(co, d), { recursive: true });
  copyFileSync(path.join(root, 'bin/ksvc.cjs'), path.join(co, 'bin/ksvc.cjs'));
  writeFileSync(path.join(co, 'package.json'), '{"type":"module"}\n');
  writeFileSync(path.join(co, 'dist/usage.txt'), 'built usage\n');
  writeFileSync(path.join(co, 'dist/ksvc.mjs'), "console.log('bundle');\n");
  for (const f of ['main', 'commands']) writeFileSync(path.join(co, `cli/${f}.ts`), 'export {};\n');
  const at = (file: string, seconds: number) => utimesSync(path.join(co, file), seconds, seconds);
  for (const f of ['cli/main.ts', 'cli/commands.ts']) at(f, 1_000_000);
  for (const f of ['dist/usage.txt', 'dist/ksvc.mjs']) at(f, 2_000_000);
  const help = () =>
    spawnSync(process.execPath, [path.join(co, 'bin/ksvc.cjs'), '--help'], { encoding: 'utf8' }).stdout.trim();
  assert.is(help(), 'built usage');
  for (const f of ['cli/main.ts', 'cli/commands.ts']) {
    at(f, 3_000_000); // edited after the build: the CLI itself answers (here the stand-in bundle)
    at('dist/ksvc.mjs', 4_000_000);
    assert.is(help(), 'bundle', f);
    at(f, 1_000_000);
  }
  rmSync(path.join(co, 'dist/usage.txt'));
  assert.is(help(), 'bundle');
});

test('bin/ksvc.cjs runs the bundle only while it is newer than every source file', () => {
  // A stand-in checkout: the real bin/ksvc.cjs, a "bundle" and "sources" that say which one ran.
  const co = path.join(dir, 'checkout');
  for (const d of ['bin', 'dist', 'cli', 'common/deep', 'grammar']) mkdirSync(path.join(co, d), { recursive: true });
  copyFileSync(path.join(root, 'bin/ksvc.cjs'), path.join(co, 'bin/ksvc.cjs'));
  symlinkSync(path.join(root, 'node_modules'), path.join(co, 'node_modules'));
  writeFileSync(path.join(co, 'package.json'), '{"type":"module"}\n');
  writeFileSync(path.join(co, 'cli/main.ts'), "console.log('sources');\n");
  writeFileSync(path.join(co, 'common/deep/x.ts'), 'export {};\n');
  writeFileSync(path.join(co, 'common/notes.md'), 'not a source\n');
  writeFileSync(path.join(co, 'grammar/outside.ts'), 'export {};\n');
  symlinkSync('..', path.join(co, 'common/deep/loop')); // a link back up is not walked into
  const bundle = path.join(co, 'dist/ksvc.mjs');
  writeFileSync(bundle, "console.log('bundle');\n");
  const at = (file: string, seconds: number) => utimesSync(path.join(co, file), seconds, seconds);
  for (const f of ['cli/main.ts', 'common/deep/x.ts', 'grammar/outside.ts', 'package.json']) at(f, 1_000_000);
  at('dist/ksvc.mjs', 2_000_000);
  const run = () => spawnSync(process.execPath, [path.join(co, 'bin/ksvc.cjs')], { encoding: 'utf8' }).stdout.trim();
  assert.is(run(), 'bundle');
  at('common/notes.md', 3_000_000); // not a source file
  assert.is(run(), 'bundle');
  at('common/deep/x.ts', 3_000_000); // a nested source edited after the build
  assert.is(run(), 'sources');
  at('common/deep/x.ts', 1_000_000);
  writeFileSync(path.join(dir, 'elsewhere.ts'), 'export {};\n'); // a linked source: its target's time counts
  utimesSync(path.join(dir, 'elsewhere.ts'), 3_000_000, 3_000_000);
  symlinkSync(path.join(dir, 'elsewhere.ts'), path.join(co, 'grammar/linked.ts'));
  assert.is(run(), 'sources');
  utimesSync(path.join(dir, 'elsewhere.ts'), 1_000_000, 1_000_000); // the link itself is newer: not counted
  assert.is(run(), 'bundle');
  rmSync(bundle);
  assert.is(run(), 'sources');
});

test('verify (diff, explain) runs once more with a 32 MiB young generation, a 1.35 heap growth factor and gc exposed; its exit code and output come through', () => {
  const co = path.join(dir, 'young');
  for (const d of ['bin', 'dist']) mkdirSync(path.join(co, d), { recursive: true });
  copyFileSync(path.join(root, 'bin/ksvc.cjs'), path.join(co, 'bin/ksvc.cjs'));
  writeFileSync(path.join(co, 'package.json'), '{"type":"module"}\n');
  // the stand-in bundle says which V8 flags it runs with and exits as the command would
  writeFileSync(
    path.join(co, 'dist/ksvc.mjs'),
    "console.log(JSON.stringify(process.execArgv)); process.exit(process.argv[2] === 'verify' ? 3 : 0);\n",
  );
  const run = (env: NodeJS.ProcessEnv, ...args: string[]) =>
    spawnSync(process.execPath, [path.join(co, 'bin/ksvc.cjs'), ...args], { encoding: 'utf8', env });
  const verify = run(process.env, 'verify', 'x.ksvc');
  assert.is(verify.status, 3, 'the child exit code');
  assert.equal(JSON.parse(verify.stdout), ['--max-semi-space-size=32', '--heap-growing-percent=35', '--expose-gc']);
  // diff and explain read and prepare rulesets as verify does: the same flags
  for (const command of ['diff', 'explain']) {
    const r = run(process.env, command, 'x.ksvc');
    assert.is(r.status, 0, command);
    assert.equal(
      JSON.parse(r.stdout),
      ['--max-semi-space-size=32', '--heap-growing-percent=35', '--expose-gc'],
      command,
    );
  }
  for (const command of ['check', 'compile']) {
    const r = run(process.env, command, 'x.ksvc');
    assert.is(r.status, 0, command);
    assert.equal(JSON.parse(r.stdout), [], `${command} runs in the first process`);
  }
  // a size the user chose is kept: no second process
  const chosen = run({ ...process.env, NODE_OPTIONS: '--max-semi-space-size=32' }, 'verify', 'x.ksvc');
  assert.is(chosen.status, 3);
  assert.equal(JSON.parse(chosen.stdout), []);
  // a growth factor the user chose (a node flag: NODE_OPTIONS refuses it) is kept
  const growth = spawnSync(
    process.execPath,
    ['--heap-growing-percent=20', path.join(co, 'bin/ksvc.cjs'), 'verify', 'x.ksvc'],
    { encoding: 'utf8' },
  );
  assert.is(growth.status, 3, growth.stderr);
  assert.equal(JSON.parse(growth.stdout), ['--max-semi-space-size=32', '--expose-gc', '--heap-growing-percent=20']);
});

test('a signal sent to the verify process alone reaches its child, and both end by it', async () => {
  // `kill PID` (a supervisor's terminate) signals the first process only: the child, which does
  // the work (namespaces, as root), must end too rather than go on after the command has ended
  const co = path.join(dir, 'signalled');
  for (const d of ['bin', 'dist']) mkdirSync(path.join(co, d), { recursive: true });
  copyFileSync(path.join(root, 'bin/ksvc.cjs'), path.join(co, 'bin/ksvc.cjs'));
  writeFileSync(path.join(co, 'package.json'), '{"type":"module"}\n');
  const marks = path.join(co, 'marks');
  writeFileSync(
    path.join(co, 'dist/ksvc.mjs'),
    `import { appendFileSync } from 'node:fs';
appendFileSync(${JSON.stringify(marks)}, 'child ' + process.pid + '\\n');
process.once('SIGTERM', () => { appendFileSync(${JSON.stringify(marks)}, 'child got SIGTERM\\n'); process.kill(process.pid, 'SIGTERM'); });
setTimeout(() => process.exit(0), 20000);
`,
  );
  const parent = spawn(process.execPath, [path.join(co, 'bin/ksvc.cjs'), 'verify', 'x.ksvc'], { stdio: 'ignore' });
  const ended = new Promise<NodeJS.Signals | null>((resolve) => parent.on('exit', (_code, signal) => resolve(signal)));
  const childPid = async (): Promise<number> => {
    for (let i = 0; i < 200; i++) {
      const m = existsSync(marks) ? /^child (\d+)$/m.exec(readFileSync(marks, 'utf8')) : null;
      if (m) return Number(m[1]);
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the child did not start');
  };
  const pid = await childPid();
  parent.kill('SIGTERM');
  assert.is(await ended, 'SIGTERM', 'the first process ends by the signal too');
  assert.match(readFileSync(marks, 'utf8'), /child got SIGTERM/);
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 80 && alive(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.not.ok(alive(), 'the child is gone');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
