// `ksvc verify --all-nodes --jobs N`: the nodes' checks are independent, so up to N run at once,
// each in a child process of its own (a heap and a collector of its own: on this project's 2-core
// machines two checks side by side took 0.66× the time of two in a row, docs/benchmarks.md). Each
// child is this CLI (`verify --internal-job`, cli/verify-job-child.ts) started as the parent was
// (the bundle, or the sources through tsx) with verify's heap flags (bin/ksvc.cjs); it gets the
// input texts the parent read, so every child checks the very bytes the parent loaded. Results are
// put back in node order: the output is the same as without --jobs, byte for byte.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { VerifyResult } from '../api/verify.ts';
import { decodeWire, encodeWire, type VerifyJob } from './verify-wire.ts';

/** Set by cli/main.ts when it loads: the module URL the CLI was started from. */
const ENTRY = Symbol.for('ksvc.entry');

/** What bin/ksvc.cjs gives verify's process (a larger young generation, slower heap growth, gc()). */
const HEAP_FLAGS = ['--max-semi-space-size=32', '--heap-growing-percent=35', '--expose-gc'];

/** The command line of a child: node, its flags, the CLI entry; a message when it cannot be built. */
function childArgs(): string[] | string {
  const entry = (globalThis as { [ENTRY]?: string })[ENTRY];
  if (entry === undefined) return 'the CLI entry point is unknown (verify was not started through cli/main.ts)';
  const file = fileURLToPath(entry);
  // the sources run through tsx, resolved from here (a child's working directory may be anywhere)
  const loader = file.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
  return [...HEAP_FLAGS, ...loader, file, 'verify', '--internal-job'];
}

/** One child: the job in, the result out; a message when it fails. */
function runChild(args: readonly string[], job: VerifyJob, cwd: string): Promise<VerifyResult | string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {}); // a child that died early: its exit says why
    child.on('error', (e) => resolve(`cannot start a check process: ${e.message}`));
    child.on('close', (code, signal) => {
      if (code === 0) {
        try {
          resolve(decodeWire<VerifyResult>(Buffer.concat(out).toString('utf8')));
        } catch (e) {
          resolve(`unreadable result from its check process: ${(e as Error).message}`);
        }
        return;
      }
      const why = Buffer.concat(err).toString('utf8').trim().split('\n')[0] ?? '';
      resolve(`its check process ${signal ? `was killed (${signal})` : `exited with ${code}`}${why ? `: ${why}` : ''}`);
    });
    child.stdin.end(encodeWire(job));
  });
}

/**
 * Each node's check in a child, `jobs` at a time; the runs and diagnostics in node order, as
 * verifyModel gives them for all the nodes at once. A message when a check could not run (the
 * nodes still running finish; no new one starts).
 */
export async function verifyNodesInChildren(
  job: Omit<VerifyJob, 'node'>,
  nodes: readonly (string | null)[],
  jobs: number,
  cwd: string,
  onNodeDone?: (done: number, total: number) => void,
): Promise<VerifyResult | string> {
  const args = childArgs();
  if (typeof args === 'string') return args;
  const results: VerifyResult[] = new Array(nodes.length);
  let next = 0;
  let done = 0;
  let failure: string | null = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < nodes.length) {
      const i = next++;
      const r = await runChild(args, { ...job, node: nodes[i]! }, cwd);
      if (typeof r === 'string') {
        failure ??= `node ${nodes[i] ?? '(none)'}: ${r}`;
        return;
      }
      results[i] = r;
      onNodeDone?.(++done, nodes.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, nodes.length) }, worker));
  if (failure !== null) return failure;
  return { runs: results.flatMap((r) => r.runs), diagnostics: results.flatMap((r) => r.diagnostics) };
}
