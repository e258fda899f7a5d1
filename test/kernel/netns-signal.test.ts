// A run stopped by a signal (Ctrl-C, a CI timeout, `npm run bench` killed, SIGKILL) leaves no
// namespace: it dies of the signal at once, in synchronous work too, and the watchdog cli/netns.ts
// starts deletes what it held.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { kernelTests, run } from './netns.ts';

const test = kernelTests('netns cleanup on signals');

const namespaces = (): string[] =>
  run('ip', ['netns', 'list'])
    .stdout.split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n !== '');

/**
 * Start the child, wait for its namespace's name (at most 20 s), send `signal` (null: none, the
 * child throws on its own), wait for its end (at most 10 s).
 */
async function stopHolder(
  signal: NodeJS.Signals | null,
  mode: 'wait' | 'busy' | 'shrink' = 'wait',
): Promise<{
  name: string;
  signal: string | null;
  code: number | null;
  stderr: string;
  existed: boolean;
  left: boolean;
}> {
  const holder = new URL('./hold-netns.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', holder, signal === null ? 'throw' : mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  let name = '';
  try {
    name = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the child did not report its namespace in 20 s')), 20_000);
      let out = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve(out.trim());
        }
      });
      child.on('exit', () => reject(new Error(`the child ended first: ${out}`)));
    });
    const existed = namespaces().includes(name);
    let code: number | null = null;
    const ended = new Promise<string | null>((resolve) =>
      child.on('exit', (c, sig) => {
        code = c;
        resolve(sig);
      }),
    );
    if (signal !== null) child.kill(signal);
    const bound = new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 10_000));
    const endedBy = await Promise.race([ended, bound]);
    // the watchdog deletes it just after the end (at most 5 s)
    for (let i = 0; i < 50 && namespaces().includes(name); i++) await new Promise((r) => setTimeout(r, 100));
    return { name, signal: endedBy, code, stderr, existed, left: namespaces().includes(name) };
  } finally {
    child.kill('SIGKILL');
    // If the child failed to clean up, this test does, and says so through its assertions.
    if (name !== '' && namespaces().includes(name)) run('ip', ['netns', 'del', name]);
  }
}

for (const [signal, mode] of [
  ['SIGTERM', 'wait'],
  ['SIGINT', 'wait'],
  ['SIGTERM', 'busy'],
  ['SIGKILL', 'busy'],
  ['SIGKILL', 'shrink'],
] as const) {
  test(`${signal} (${mode}): the namespace is deleted and the process dies of the signal`, async () => {
    const before = namespaces();
    const started = Date.now();
    const r = await stopHolder(signal, mode);
    // at once: not after the synchronous work (30 s)
    assert.ok(Date.now() - started < 25_000, `${Date.now() - started} ms`);
    assert.ok(r.name.startsWith('ksvc-signal-'), `the child made a namespace (${r.name})`);
    assert.ok(r.existed, 'it existed while the child ran');
    assert.is(r.signal, signal, 'the child died of the signal');
    assert.not.ok(r.left, 'it is gone');
    assert.equal(
      namespaces().filter((n) => !before.includes(n) && n.startsWith('ksvc-signal-')),
      [],
    );
  });
}

// An exit that skips withNetns' `finally`: a killed test runner's child dies this way when it
// writes to the pipe its parent held (EPIPE, an uncaught error event).
test('an uncaught exception: the namespace is deleted on exit', async () => {
  const before = namespaces();
  const r = await stopHolder(null);
  assert.ok(r.name.startsWith('ksvc-signal-'), `the child made a namespace (${r.name})`);
  assert.ok(r.existed, 'it existed while the child ran');
  assert.is(r.signal, null, 'the child was not signalled');
  assert.is(r.code, 1, 'the child died of its uncaught exception');
  assert.match(r.stderr, 'an uncaught exception, on purpose');
  assert.not.ok(r.left, 'it is gone');
  assert.equal(
    namespaces().filter((n) => !before.includes(n) && n.startsWith('ksvc-signal-')),
    [],
  );
});

// The watchdog reads its state a line at a time: a TMPDIR with a newline in it made the line of an
// nftWithFile directory two lines, the first naming a directory not ours (here `victim`, which the
// watchdog of a killed run deleted with rm -rf).
test('a TMPDIR holding a newline: a killed run deletes no directory but its own', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'ksvc-test-tmpdir-'));
  const victim = join(scratch, 'victim');
  const odd = `${victim}\ndir ${join(scratch, 't')}`;
  mkdirSync(victim);
  writeFileSync(join(victim, 'kept'), 'kept\n');
  mkdirSync(odd, { recursive: true });
  const bin = join(scratch, 'bin');
  mkdirSync(bin);
  const ready = join(scratch, 'ready');
  writeFileSync(join(bin, 'nft'), `#!/bin/sh\ntouch '${ready}'\nsleep 5\n`);
  chmodSync(join(bin, 'nft'), 0o755);
  const before = namespaces();
  const holder = new URL('./hold-nft-file.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', holder], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: odd, PATH: `${bin}:${process.env.PATH ?? ''}` },
  });
  const ended = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let exited = false;
  void ended.then(() => (exited = true));
  try {
    // killed while the fake nft runs (the directory listed), or ended by itself (refused)
    for (let i = 0; i < 200 && !exited && !existsSync(ready); i++) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGKILL');
    await ended;
    for (let i = 0; i < 30; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(existsSync(join(victim, 'kept')), 'a directory the run did not make is left alone');
  } finally {
    child.kill('SIGKILL');
    for (const n of namespaces())
      if (!before.includes(n) && n.startsWith('ksvc-signal-')) run('ip', ['netns', 'del', n]);
    rmSync(scratch, { recursive: true, force: true });
  }
});

test.run();
