// A command killed with SIGKILL takes its helpers with it: verify's engine child (bin/ksvc.cjs) and
// the `--jobs` check children end soon after the command has ended (cli/end-with-parent.ts), where
// they went on computing for as long as their check took. Linux only: the processes are found in
// /proc. Every process a test starts is killed in the end, whatever the test found.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKsvc } from '../../bench/generate.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const onLinux = process.platform === 'linux';

/** The state letter and parent id of a process (from /proc/PID/stat), or null when it is gone. */
function processState(pid: number): { state: string; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name, in parentheses, may hold spaces: the fields after its last ')'
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state!, ppid: Number(ppid) };
  } catch {
    return null;
  }
}

/** Running: present and not a zombie (an orphan's zombie waits for whoever adopted it). */
const running = (pid: number): boolean => {
  const s = processState(pid);
  return s !== null && s.state !== 'Z';
};

const childrenOf = (pid: number): number[] =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((p) => processState(p)?.ppid === pid && running(p));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `found` every 50 ms for at most `ms`; its last answer. */
async function waitFor<T>(ms: number, found: () => T | undefined): Promise<T | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const value = found();
    if (value !== undefined || Date.now() > end) return value;
    await sleep(50);
  }
}

/** A cluster whose verify takes several seconds (3,000 services: about 9 s for one node here). */
function slowInput(): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ksvc-end-with-parent-'));
  const file = path.join(dir, 'cluster.ksvc');
  writeFileSync(file, generateKsvc({ services: 3000, endpointsPerService: 10 }));
  return { dir, file };
}

/**
 * Starts `ksvc ARGS`, waits until `depth` generations of children run below it (1: the engine
 * child; 2: its check children too) and have been at work for a second, kills the command with
 * SIGKILL, and returns those descendants still running 2 s later.
 */
async function survivorsOfKill(args: string[], depth: number): Promise<{ seen: number[]; left: number[] }> {
  const { dir, file } = slowInput();
  const command = spawn(process.execPath, [path.join(ROOT, 'bin/ksvc.cjs'), ...args, file], {
    stdio: 'ignore',
  });
  const seen: number[] = [];
  try {
    const generations = await waitFor(20_000, () => {
      const found: number[][] = [[command.pid!]];
      for (let d = 0; d < depth; d++) {
        const next = found[d]!.flatMap(childrenOf);
        if (next.length === 0) return undefined;
        found.push(next);
      }
      return found.slice(1);
    });
    assert.ok(generations, `no ${depth} generation(s) of children appeared under the command`);
    seen.push(...generations!.flat());
    await sleep(1000); // into the synchronous check, where no timer of the main thread runs
    assert.ok(seen.every(running), 'a child ended before the command was killed');
    command.kill('SIGKILL');
    await waitFor(2000, () => (seen.some(running) ? undefined : true));
    return { seen, left: seen.filter(running) };
  } finally {
    command.kill('SIGKILL');
    for (const pid of seen) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

test('verify killed with SIGKILL: its engine child ends too', async () => {
  if (!onLinux) return console.warn('SKIP end-with-parent: needs /proc (Linux)');
  const { seen, left } = await survivorsOfKill(['verify', '--node', 'node-01'], 1);
  assert.is(seen.length, 1);
  assert.equal(left, [], `still running 2 s after the command was killed: ${left.join(', ')}`);
});

test('verify --jobs 2 killed with SIGKILL: the engine child and its check children end too', async () => {
  if (!onLinux) return console.warn('SKIP end-with-parent: needs /proc (Linux)');
  const { seen, left } = await survivorsOfKill(['verify', '--all-nodes', '--jobs', '2'], 2);
  assert.ok(seen.length >= 2, `processes seen: ${seen.join(', ')}`);
  assert.equal(left, [], `still running 2 s after the command was killed: ${left.join(', ')}`);
});

test.run();
