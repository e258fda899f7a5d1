// `--jobs N` of `verify --all-nodes` and `diff --all-nodes`: the nodes' checks are independent, so
// up to N run at once, each in a child process of its own (a heap and a collector of its own). A
// child is this CLI (`verify --internal-job` / `diff --internal-job`: cli/verify-job-child.ts,
// cli/diff-job-child.ts) started as the parent was (the bundle, or the sources through tsx) with
// verify's heap flags (bin/ksvc.cjs); its job carries the input texts the parent read, so every
// child checks the very bytes the parent loaded. Results come back in job order, so the output is
// the same as without --jobs, byte for byte.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeWire, encodeWire } from './job-wire.ts';

/** Set by cli/main.ts when it loads: the module URL the CLI was started from. */
const ENTRY = Symbol.for('ksvc.entry');

/** What bin/ksvc.cjs gives verify's process (a larger young generation, slower heap growth, gc()). */
const HEAP_FLAGS = ['--max-semi-space-size=32', '--heap-growing-percent=35', '--expose-gc'];

/** The command line of a child: node, its flags, the CLI entry; a message when it cannot be built. */
function childArgs(command: 'verify' | 'diff'): string[] | string {
  const entry = (globalThis as { [ENTRY]?: string })[ENTRY];
  if (entry === undefined) return 'the CLI entry point is unknown (ksvc was not started through cli/main.ts)';
  const file = fileURLToPath(entry);
  // the sources run through tsx, resolved from here (a child's working directory may be anywhere)
  const loader = file.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
  return [...HEAP_FLAGS, ...loader, file, command, '--internal-job'];
}

/** One child: the job in, the result out; a message when it fails. */
function runChild<R>(args: readonly string[], job: unknown, cwd: string): Promise<R | string> {
  return new Promise((resolve) => {
    // the child ends soon after this process has (cli/end-with-parent.ts), SIGKILL included
    const env = { ...process.env, KSVC_ENGINE_PARENT: String(process.pid) };
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {}); // a child that died early: its exit says why
    child.on('error', (e) => resolve(`cannot start a check process: ${startFailure(e, cwd)}`));
    child.on('close', (code, signal) => {
      if (code === 0) {
        try {
          resolve(decodeWire<R>(Buffer.concat(out).toString('utf8')));
        } catch (e) {
          resolve(`unreadable result from its check process: ${(e as Error).message}`);
        }
        return;
      }
      const text = Buffer.concat(err).toString('utf8');
      // V8's last words on a full heap start with its GC trace: say what they mean instead
      const why = /heap out of memory/.test(text)
        ? 'it ran out of memory (fewer --jobs leave each check more)'
        : (text.trim().split('\n')[0] ?? '');
      resolve(`its check process ${signal ? `was killed (${signal})` : `exited with ${code}`}${why ? `: ${why}` : ''}`);
    });
    child.stdin.end(encodeWire(job));
  });
}

/** Why a child did not start: Node says "spawn node ENOENT" for a missing working directory too. */
function startFailure(e: Error, cwd: string): string {
  try {
    if (!statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) return `the working directory ${cwd} is gone`;
  } catch {
    // not even stat-able (EACCES, ENOTDIR): spawn's own words say enough
  }
  return e.message;
}

/**
 * Each job in a child of `ksvc COMMAND --internal-job`, `parallel` at a time; the results in job
 * order. A message when a job could not run, naming it by `nameOf` (the jobs still running finish;
 * no new one starts).
 */
export async function runInChildren<J, R>(
  command: 'verify' | 'diff',
  jobs: readonly J[],
  parallel: number,
  cwd: string,
  nameOf: (job: J) => string,
  onDone?: (done: number, total: number) => void,
): Promise<R[] | string> {
  const args = childArgs(command);
  if (typeof args === 'string') return args;
  const results: R[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  let failure: string | null = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < jobs.length) {
      const i = next++;
      const r = await runChild<R>(args, jobs[i], cwd);
      if (typeof r === 'string') {
        failure ??= `${nameOf(jobs[i]!)}: ${r}`;
        return;
      }
      results[i] = r;
      onDone?.(++done, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, worker));
  return failure ?? results;
}
