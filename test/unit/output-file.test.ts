// Where `compile -o`, `import -o` and `fmt` write (cli/output-file.ts), run in-process through
// runCli: planted links at temp names, links, devices, FIFOs, the input file, modes, owners,
// read-only files, long names, and error messages that name the user's path. As root, some tests
// run the command as `nobody` (seteuid) or chown files to it; without root they are skipped.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CliIO } from '../../cli/io.ts';
import { runCli } from '../../cli/main.ts';
import { writeAllSync } from '../../cli/write-descriptor.ts';
import { testUnless } from '../support/skips.ts';

const root = process.geteuid?.() === 0;
const NOBODY = 65534;
const dir = mkdtempSync(path.join(tmpdir(), 'ksvc-out-'));
chmodSync(dir, 0o777); // `nobody` works here too
const at = (name: string) => path.join(dir, name);

/** `ksvc ARGS` run in the test directory with standard output on file `name`, opened with `flag`. */
function ksvcInto(name: string, flag: 'w' | 'a', ...args: string[]) {
  const bin = new URL('../../bin/ksvc.cjs', import.meta.url).pathname;
  const fd = openSync(at(name), flag);
  try {
    return spawnSync(process.execPath, [bin, ...args], { cwd: dir, stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
  } finally {
    closeSync(fd);
  }
}

const KSVC = `node n1 {
  address 192.168.0.10
}

service default/web {
  http: ClusterIP 10.96.0.50:80/tcp -> endpoints:8080
  endpoints 10.244.1.5 on n1
}
`;
const MESSY = 'service a/b{\n    http: ClusterIP 10.0.0.1:80/tcp->endpoints\nendpoints 10.0.0.2 on n1}\n';
// Each test starts from the same input (a failing test may have overwritten it).
test.before.each(() => writeFileSync(at('in.ksvc'), KSVC));

async function ksvc(...argv: string[]) {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), color: false, env: {}, cwd: dir };
  const code = await runCli(argv, io);
  return { code, out, err };
}
const compileTo = (target: string) => ksvc('compile', 'in.ksvc', '--backend', 'iptables', '-o', target);

/** Run `body` with the effective user `nobody` (root only). */
async function asNobody<T>(body: () => Promise<T>): Promise<T> {
  process.setegid!(NOBODY);
  process.seteuid!(NOBODY);
  try {
    return await body();
  } finally {
    process.seteuid!(0);
    process.setegid!(0);
  }
}

const leftovers = () => readdirSync(dir).filter((f) => f.includes('tmp'));
const rootOnly = testUnless(test, 'output files as root', root ? null : 'not running as root');

test('a name ending in / is refused, as > refuses it: the file of that name is not replaced', async () => {
  writeFileSync(at('kept'), 'kept\n');
  for (const target of ['kept/', 'new-file/']) {
    const r = await compileTo(target);
    assert.is(r.code, 2, r.err);
    assert.match(r.err, `${target}: a name ending in '/' is a directory, not a file to write`);
  }
  assert.is(readFileSync(at('kept'), 'utf8'), 'kept\n');
  assert.not.ok(existsSync(at('new-file')));
});

test('a link planted at the temp name of an earlier version does not redirect the write', async () => {
  writeFileSync(at('victim'), 'precious\n');
  // Every temp name the old writer could pick (target.ksvc-tmp-PID) for nearby process ids.
  for (let pid = Math.max(1, process.pid - 50); pid <= process.pid + 50; pid++) {
    symlinkSync(at('victim'), at(`planted.out.ksvc-tmp-${pid}`));
  }
  const r = await compileTo('planted.out');
  assert.is(r.code, 0, r.err);
  assert.is(readFileSync(at('victim'), 'utf8'), 'precious\n');
  assert.ok(readFileSync(at('planted.out'), 'utf8').startsWith('*filter\n'));
  assert.ok(lstatSync(at('planted.out')).isFile());
  for (const f of readdirSync(dir).filter((n) => n.startsWith('planted.out.ksvc-tmp-'))) rmSync(at(f));
  assert.equal(leftovers(), []);
});

test('a long but legal file name (255 bytes) is written', async () => {
  const name = `${'n'.repeat(250)}.rule`;
  const r = await compileTo(name);
  assert.is(r.code, 0, r.err);
  assert.ok(readFileSync(at(name), 'utf8').startsWith('*filter\n'));
  rmSync(at(name));
});

test('through a symbolic link: the file it points to is replaced, the link stays', async () => {
  mkdirSync(at('real'), { recursive: true });
  writeFileSync(at('real/rules.txt'), 'old\n');
  symlinkSync('real/rules.txt', at('rules.link'));
  const r = await compileTo('rules.link');
  assert.is(r.code, 0, r.err);
  assert.ok(lstatSync(at('rules.link')).isSymbolicLink());
  assert.is(readlinkSync(at('rules.link')), 'real/rules.txt');
  assert.ok(readFileSync(at('real/rules.txt'), 'utf8').startsWith('*filter\n'));
  assert.equal(readdirSync(at('real')), ['rules.txt']);
});

test('a link to a file that does not exist is refused', async () => {
  symlinkSync(at('nowhere/target'), at('dangling.link'));
  const r = await compileTo('dangling.link');
  assert.is(r.code, 2);
  assert.match(r.err, 'dangling.link: a symbolic link to a file that does not exist');
  assert.ok(lstatSync(at('dangling.link')).isSymbolicLink());
  assert.not.ok(existsSync(at('nowhere')));
});

test('a FIFO is written in place, not replaced', async () => {
  const fifo = at('pipe');
  assert.is(spawnSync('mkfifo', [fifo]).status, 0);
  const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
  let got = '';
  reader.stdout.on('data', (d) => void (got += d));
  const exited = new Promise((resolve) => reader.on('close', resolve));
  const r = await compileTo('pipe');
  // Bounded: if the FIFO was replaced instead of written, the reader would wait forever.
  const timer = setTimeout(() => reader.kill(), 5000);
  await exited;
  clearTimeout(timer);
  assert.is(r.code, 0, r.err);
  assert.ok(lstatSync(fifo).isFIFO());
  assert.ok(got.startsWith('*filter\n'));
});

rootOnly('a character device is written in place, not replaced (a null device made with mknod)', async () => {
  const dev = at('null');
  assert.is(spawnSync('mknod', [dev, 'c', '1', '3']).status, 0);
  const r = await compileTo('null');
  assert.is(r.code, 0, r.err);
  assert.ok(lstatSync(dev).isCharacterDevice());
});

// The system's own /dev/null and /dev/stdout are not used: a regression would replace them.
test('a link to /proc/self/fd/1 (what /dev/stdout is) means standard output; - too', async () => {
  symlinkSync('/proc/self/fd/1', at('stdout.link'));
  const viaLink = await compileTo('stdout.link');
  assert.is(viaLink.code, 0, viaLink.err);
  assert.ok(viaLink.out.startsWith('*filter\n'));
  assert.ok(lstatSync(at('stdout.link')).isSymbolicLink());
  const dash = await compileTo('-');
  assert.is(dash.out, viaLink.out);
});

test("-o /dev/fd/N: a descriptor the process was given as a file is written; one of Node's own is refused", () => {
  const bin = new URL('../../bin/ksvc.cjs', import.meta.url).pathname;
  const target = at('fd3.txt');
  const fd = openSync(target, 'w');
  try {
    const given = spawnSync(
      process.execPath,
      [bin, 'compile', at('in.ksvc'), '--backend', 'iptables', '-o', '/dev/fd/3'],
      { stdio: ['ignore', 'pipe', 'pipe', fd], encoding: 'utf8' },
    );
    assert.is(given.status, 0, given.stderr);
    assert.ok(readFileSync(target, 'utf8').startsWith('*filter\n'));
  } finally {
    closeSync(fd);
  }
  // fd 7 is Node's own (its event loop): writing there crashed the process
  const own = spawnSync(process.execPath, [bin, 'compile', at('in.ksvc'), '--backend', 'iptables', '-o', '/dev/fd/7'], {
    encoding: 'utf8',
  });
  assert.is(own.status, 2, own.stderr);
  assert.match(own.stderr, 'descriptor 7 is not an open file or device given to this process');
});

test('writing onto the input file is refused (also through a link); the input is untouched', async () => {
  const r = await compileTo('in.ksvc');
  assert.is(r.code, 2);
  assert.match(r.err, 'in.ksvc: is the input file');
  assert.is(readFileSync(at('in.ksvc'), 'utf8'), KSVC);
  symlinkSync('in.ksvc', at('in.link'));
  const l = await compileTo('in.link');
  assert.is(l.code, 2);
  assert.is(readFileSync(at('in.ksvc'), 'utf8'), KSVC);
  const yaml = readFileSync(new URL('../../examples/seed-local.yaml', import.meta.url), 'utf8');
  writeFileSync(at('cluster.yaml'), yaml);
  const imp = await ksvc('import', 'cluster.yaml', '--cluster-cidr', '10.64.1.0/24', '-o', 'cluster.yaml');
  assert.is(imp.code, 2);
  assert.match(imp.err, 'cluster.yaml: is the input file');
  assert.is(readFileSync(at('cluster.yaml'), 'utf8'), yaml);
});

test('the input opened for writing without truncation (`3<>in.ksvc -o /dev/fd/3`, `1<>in.ksvc`) is refused too', () => {
  const bin = new URL('../../bin/ksvc.cjs', import.meta.url).pathname;
  writeFileSync(at('in-rw.ksvc'), KSVC);
  for (const [out, slot] of [
    [['-o', '/dev/fd/3'], 3],
    [['-o', '/dev/stdout'], 1],
    [[], 1],
  ] as const) {
    const fd = openSync(at('in-rw.ksvc'), 'r+');
    try {
      const stdio: ('ignore' | 'pipe' | number)[] = ['ignore', 'pipe', 'pipe'];
      stdio[slot] = fd;
      const r = spawnSync(process.execPath, [bin, 'compile', at('in-rw.ksvc'), '--backend', 'iptables', ...out], {
        stdio,
        encoding: 'utf8',
      });
      assert.is(r.status, 2, `${out.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /is the input file \(refused\)/);
      assert.is(readFileSync(at('in-rw.ksvc'), 'utf8'), KSVC, out.join(' '));
    } finally {
      closeSync(fd);
    }
  }
});

test('a standard stream that is a file the command reads is never written, whatever the command (`1<>in.ksvc`, `2<>in.ksvc`)', () => {
  const bin = new URL('../../bin/ksvc.cjs', import.meta.url).pathname;
  const file = at('in-stream.ksvc');
  const commands: string[][] = [
    ['check', file],
    ['verify', file, '--node', 'n1'],
    ['explain', file, '--node', 'n1', '--src', '10.0.0.1', '--dst', '10.96.0.1', '--proto', 'tcp', '--dport', '80'],
    ['diff', file, file],
    ['fmt', '-'],
    // a usage error is written before any input is read
    ['compile', file, '--no-such-flag'],
  ];
  for (const args of commands) {
    for (const slot of [1, 2] as const) {
      writeFileSync(file, KSVC);
      const fd = openSync(file, 'r+');
      const input = openSync(file, 'r');
      try {
        const stdio: (number | 'pipe')[] = [input, 'pipe', 'pipe'];
        stdio[slot] = fd;
        const r = spawnSync(process.execPath, [bin, ...args], { stdio, encoding: 'utf8' });
        const what = `${args[0]} on descriptor ${slot}`;
        assert.is(readFileSync(file, 'utf8'), KSVC, what);
        // every command writes its result to standard output; on standard error only the usage
        // error is sure to be written (the others succeed there without a word)
        if (slot === 1 || args[0] === 'compile') assert.is(r.status, 2, what);
        if (slot === 1 && args[0] !== 'compile')
          assert.match(r.stderr, 'standard output is a file the command reads (refused', what);
      } finally {
        closeSync(fd);
        closeSync(input);
      }
    }
  }
});

test('-o /dev/stdout or /dev/fd/1 with standard output redirected to a file writes there (the file is no input)', () => {
  const bin = new URL('../../bin/ksvc.cjs', import.meta.url).pathname;
  writeFileSync(at('in-fd.ksvc'), KSVC);
  for (const [target, slot] of [
    ['/dev/stdout', 1],
    ['/dev/fd/1', 1],
    ['/dev/stderr', 2],
  ] as const) {
    const fd = openSync(at('redirected.out'), 'w');
    try {
      const stdio: ('ignore' | 'pipe' | number)[] = ['ignore', 'pipe', 'pipe'];
      stdio[slot] = fd;
      const r = spawnSync(process.execPath, [bin, 'compile', at('in-fd.ksvc'), '--backend', 'iptables', '-o', target], {
        stdio,
        encoding: 'utf8',
      });
      assert.is(r.status, 0, `${target}: ${r.stderr}`);
    } finally {
      closeSync(fd);
    }
    assert.match(readFileSync(at('redirected.out'), 'utf8'), /^\*filter/m, target);
  }
});

test('a stream redirected to a file named like an argument (not an input) is written: `> iptables`, `--node n1 > n1`', () => {
  writeFileSync(at('in-named.ksvc'), KSVC);
  for (const [name, extra] of [
    ['iptables', []],
    ['n1', ['--node', 'n1']],
    ['compile', []],
  ] as const) {
    const r = ksvcInto(name, 'w', 'compile', 'in-named.ksvc', '--backend', 'iptables', ...extra);
    assert.is(r.status, 0, `> ${name}: ${r.stderr}`);
    assert.match(readFileSync(at(name), 'utf8'), /^\*filter/m, name);
  }
  // what ksvc wrote there itself is no input: a file named by an argument is checked at the first write only
  writeFileSync(at('two.ksvc'), KSVC);
  const r = ksvcInto('text', 'w', 'fmt', '--stdout', '--output', 'text', 'in-named.ksvc', 'two.ksvc');
  assert.is(r.status, 0, r.stderr);
  assert.ok(readFileSync(at('text'), 'utf8').split('node n1 {').length > 2, 'both files formatted');
});

test('appending to an input not read yet is refused before anything is written (`fmt --stdout a b >> b`)', () => {
  writeFileSync(at('a-first.ksvc'), KSVC);
  writeFileSync(at('b-second.ksvc'), KSVC);
  const r = ksvcInto('b-second.ksvc', 'a', 'fmt', '--stdout', 'a-first.ksvc', 'b-second.ksvc');
  assert.is(r.status, 2, r.stderr);
  assert.is(readFileSync(at('b-second.ksvc'), 'utf8'), KSVC);
});

test('an input named as /dev/fd/N or after `--` is protected too (a usage error is not written over it)', () => {
  const bin = new URL('../../bin/ksvc.cjs', import.meta.url).pathname;
  const file = at('in-fd-named.ksvc');
  for (const args of [
    ['check', '--bogus', '/dev/fd/3'],
    ['check', '--bogus', '--', '-o', file],
  ]) {
    writeFileSync(file, KSVC);
    const rw = openSync(file, 'r+');
    const input = openSync(file, 'r');
    try {
      const r = spawnSync(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', rw, input], encoding: 'utf8' });
      assert.is(r.status, 2, args.join(' '));
      assert.is(readFileSync(file, 'utf8'), KSVC, args.join(' '));
    } finally {
      closeSync(rw);
      closeSync(input);
    }
  }
});

test("-o '' is a usage error", async () => {
  const r = await compileTo('');
  assert.is(r.code, 2);
  assert.match(r.err, '-o needs a file name');
  const i = await ksvc('import', 'x.yaml', '-o', '');
  assert.is(i.code, 2);
  assert.match(i.err, '-o needs a file name');
});

test('an existing file keeps its mode (compile -o and fmt)', async () => {
  writeFileSync(at('private.rules'), 'old\n');
  chmodSync(at('private.rules'), 0o600);
  assert.is((await compileTo('private.rules')).code, 0);
  assert.is(statSync(at('private.rules')).mode & 0o777, 0o600);
  writeFileSync(at('private.ksvc'), MESSY);
  chmodSync(at('private.ksvc'), 0o640);
  const f = await ksvc('fmt', 'private.ksvc');
  assert.is(f.code, 0, f.err);
  assert.is.not(readFileSync(at('private.ksvc'), 'utf8'), MESSY);
  assert.is(statSync(at('private.ksvc')).mode & 0o777, 0o640);
});

rootOnly("as root, fmt keeps another user's file owned by that user", async () => {
  writeFileSync(at('theirs.ksvc'), MESSY);
  chownSync(at('theirs.ksvc'), NOBODY, NOBODY);
  const f = await ksvc('fmt', 'theirs.ksvc');
  assert.is(f.code, 0, f.err);
  assert.is.not(readFileSync(at('theirs.ksvc'), 'utf8'), MESSY);
  const st = statSync(at('theirs.ksvc'));
  assert.is(st.uid, NOBODY);
  assert.is(st.gid, NOBODY);
});

rootOnly('a read-only file is refused as `echo >>` refuses it (user nobody); nothing is replaced', async () => {
  writeFileSync(at('readonly.ksvc'), MESSY);
  chownSync(at('readonly.ksvc'), NOBODY, NOBODY);
  chmodSync(at('readonly.ksvc'), 0o444);
  const f = await asNobody(() => ksvc('fmt', 'readonly.ksvc'));
  assert.is(f.code, 2);
  assert.match(f.err, 'readonly.ksvc: permission denied');
  assert.is(readFileSync(at('readonly.ksvc'), 'utf8'), MESSY);
  writeFileSync(at('readonly.rules'), 'old\n');
  chownSync(at('readonly.rules'), NOBODY, NOBODY);
  chmodSync(at('readonly.rules'), 0o444);
  const c = await asNobody(() => compileTo('readonly.rules'));
  assert.is(c.code, 2);
  assert.is(readFileSync(at('readonly.rules'), 'utf8'), 'old\n');
  assert.equal(leftovers(), []);
});

rootOnly(
  'a link another user planted in a sticky world-writable directory (/tmp) is not followed, whatever fs.protected_symlinks says',
  async () => {
    mkdirSync(at('sticky'));
    chmodSync(at('sticky'), 0o1777);
    writeFileSync(at('precious'), 'precious\n');
    symlinkSync(at('precious'), at('sticky/out.rules'));
    const { lchownSync } = await import('node:fs');
    lchownSync(at('sticky/out.rules'), NOBODY, NOBODY);
    const r = await compileTo('sticky/out.rules');
    assert.is(r.code, 2, r.err);
    assert.match(r.err, 'sticky/out.rules: ');
    assert.match(r.err, 'refused');
    assert.not.match(r.err, /\n\s+at /);
    assert.is(readFileSync(at('precious'), 'utf8'), 'precious\n');
    assert.ok(lstatSync(at('sticky/out.rules')).isSymbolicLink());
    // a link of root's own there is followed, as before
    rmSync(at('sticky/out.rules'));
    symlinkSync(at('precious'), at('sticky/out.rules'));
    const own = await compileTo('sticky/out.rules');
    assert.is(own.code, 0, own.err);
    assert.ok(readFileSync(at('precious'), 'utf8').startsWith('*filter\n'));
    rmSync(at('sticky'), { recursive: true });
    rmSync(at('precious'));
  },
);

test('errors name the path the user gave, never a temporary file', async () => {
  const r = await compileTo('no-such-dir/out.rules');
  assert.is(r.code, 2);
  assert.match(r.err, 'no-such-dir/out.rules: no such file or directory');
  assert.not.match(r.err, /tmp/);
  const d = await compileTo('real');
  assert.is(d.code, 2);
  assert.match(d.err, 'real: is a directory');
  assert.not.match(d.err, /tmp/);
  // one line: the flags were right, so no pointer to --help
  assert.is(d.err.trimEnd().split('\n').length, 1, d.err);
  assert.not.match(d.err, /--help/);
});

test('a file whose directory makes no files (/proc/version) is refused for that reason, not as missing', async () => {
  const r = await compileTo('/proc/version');
  assert.is(r.code, 2);
  assert.not.match(r.err, /no such file/);
  // root may open it for writing (`echo >>` fails only at the write); others may not
  assert.match(
    r.err,
    root
      ? "/proc/version: the output is written to a new file in its directory, then renamed into place, and no file can be created there (its file system makes none, as /proc's does)"
      : '/proc/version: permission denied',
  );
});

rootOnly('a file the user may write in a directory it may not is refused as such (user nobody)', async () => {
  mkdirSync(at('locked'));
  chmodSync(at('locked'), 0o755);
  writeFileSync(at('locked/theirs.rules'), 'old\n');
  chownSync(at('locked/theirs.rules'), NOBODY, NOBODY);
  const c = await asNobody(() => compileTo('locked/theirs.rules'));
  assert.is(c.code, 2);
  assert.match(
    c.err,
    'locked/theirs.rules: the output is written to a new file in its directory, then renamed into place, and no file can be created there (permission denied)',
  );
  assert.is(readFileSync(at('locked/theirs.rules'), 'utf8'), 'old\n');
});

test('writeAllSync writes the UTF-8 bytes of any text, across its megabyte pieces', () => {
  // Pieces of 2^20 UTF-16 units: a surrogate pair across the boundary, 2- and 3-byte characters,
  // lone surrogates (written as U+FFFD, as Buffer.from does), several pieces in one call.
  const piece = 1 << 20;
  const texts = [
    `${'a'.repeat(piece - 1)}\u{1F600}${'é'.repeat(piece)}\u20ac${'x'.repeat(piece)}`,
    `${'€'.repeat(piece + 3)}\ud800tail\udc00${'\u{10FFFF}'.repeat(piece / 2 + 1)}`,
    '',
    'short ascii\n',
  ];
  for (const [i, text] of texts.entries()) {
    const file = at(`utf8-${i}`);
    const fd = openSync(file, 'w');
    writeAllSync(fd, text);
    writeAllSync(fd, 'and more');
    closeSync(fd);
    assert.ok(readFileSync(file).equals(Buffer.from(`${text}and more`, 'utf8')), `text ${i}`);
  }
});

test('a signal that ends the command while the output is written removes the temporary file', () => {
  // In a child (the signal ends it): the chunks raise the signal after the first one is written,
  // the way Ctrl-C or `kill` arrives while compile renders. The old file stays, the temporary file
  // goes, and the process ends by that signal (what a shell reads as interrupted).
  const module = new URL('../../cli/output-file.ts', import.meta.url).href;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    const sub = mkdtempSync(path.join(dir, 'signal-'));
    writeFileSync(path.join(sub, 'out.rules'), 'old\n');
    const script = `
      const { writeOutput } = await import(${JSON.stringify(module)});
      const io = { stdout: () => {}, stderr: () => {}, color: false, env: {}, cwd: ${JSON.stringify(sub)} };
      function* chunks() { yield 'first\\n'; process.kill(process.pid, '${signal}'); yield 'second\\n'; }
      await writeOutput(io, 'out.rules', chunks());
      console.log('not ended');`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    assert.is(child.signal, signal, `${signal}: ${child.stdout}${child.stderr}`);
    assert.equal(readdirSync(sub), ['out.rules'], signal);
    assert.is(readFileSync(path.join(sub, 'out.rules'), 'utf8'), 'old\n', signal);
  }
});

test('without a signal the same chunks are written and committed', async () => {
  const { writeOutput } = await import('../../cli/output-file.ts');
  const io: CliIO = { stdout: () => {}, stderr: () => {}, color: false, env: {}, cwd: dir };
  assert.is(await writeOutput(io, 'chunks.rules', ['first\n', 'second\n']), null);
  assert.is(readFileSync(at('chunks.rules'), 'utf8'), 'first\nsecond\n');
  assert.equal(leftovers(), []);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
