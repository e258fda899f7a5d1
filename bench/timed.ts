// Running a command under GNU time: wall seconds, the command's own user and system CPU seconds and
// its peak RSS. On a shared machine the CPU time is the steadier figure; the load average is
// recorded next to every figure (os.loadavg()).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Netns, run } from '../test/kernel/netns.ts';

export interface Timing {
  wall: number;
  user: number;
  sys: number;
  /** Peak resident set size of the command, MiB. */
  maxRssMiB: number;
  /** 1-minute load average when the command started. */
  load: number;
}

export interface TimedResult {
  status: number;
  stdout: string;
  stderr: string;
  timing: Timing;
}

/** Runs `cmd args` under /usr/bin/time (inside `ns` when given). Never throws for a non-zero exit. */
export function timed(cmd: string, args: string[], ns?: Netns, input?: string, timeoutMs = 1_800_000): TimedResult {
  const dir = mkdtempSync(join(tmpdir(), 'ksvc-time-'));
  try {
    const file = join(dir, 'time');
    const load = loadavg()[0]!;
    const argv = ['-f', '%e %U %S %M', '-o', file, cmd, ...args];
    const t0 = performance.now();
    const r = ns ? ns.exec('/usr/bin/time', argv, input, timeoutMs) : run('/usr/bin/time', argv, input, timeoutMs);
    const fallbackWall = (performance.now() - t0) / 1000;
    const last = readFileSync(file, 'utf8').trim().split('\n').pop() ?? '';
    const [wall, user, sys, rss] = last.split(' ').map(Number);
    const timing: Timing = {
      wall: Number.isFinite(wall) ? wall! : fallbackWall,
      user: user ?? Number.NaN,
      sys: sys ?? Number.NaN,
      maxRssMiB: (rss ?? Number.NaN) / 1024,
      load,
    };
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, timing };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const cpu = (t: Timing): number => t.user + t.sys;
