// Real-netfilter test support: throw-away network namespaces. Every namespace is created here with
// a unique name and deleted in `finally`, so a failing test never leaves one behind, and on
// SIGINT, SIGTERM or SIGHUP, so an interrupted run (Ctrl-C, a CI timeout, `npm run bench` stopped)
// does not either, nor a process that exits past its `finally` (an uncaught exception); nothing
// here touches the host's own ruleset. Outside root (or without the tools) kernel tests skip loudly.
import { spawnSync } from 'node:child_process';
import { type Test, test } from 'uvu';
import { testUnless } from '../support/skips.ts';

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run a command with optional stdin; never throws for a non-zero exit. */
export function run(cmd: string, args: string[], input?: string, timeoutMs = 120_000): RunResult {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 512 * 1024 * 1024 });
  if (r.error) return { status: -1, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${String(r.error.message)}` };
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const has = (cmd: string) => run('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Why kernel tests cannot run here, or null when they can. */
export function kernelSkipReason(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root';
  for (const tool of ['ip', 'iptables-restore', 'iptables-save', 'ip6tables-restore', 'nft', 'nfacct', 'conntrack']) {
    if (!has(tool)) return `'${tool}' is not installed`;
  }
  const probe = `ksvc-probe-${process.pid}`;
  const add = run('ip', ['netns', 'add', probe]);
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  run('ip', ['netns', 'del', probe]);
  return null;
}

let skipReasonCache: string | null | undefined;

/**
 * uvu's `test` when kernel tests can run here. Otherwise prints one loud line (once per tier) and
 * returns a stand-in that registers every test of the tier as skipped, with the reason recorded for
 * the closing line of `npm test` (test/support/skips.ts). In CI (CI=true) `npm test` fails when any
 * test was skipped: the kernel tier must run there.
 */
export function kernelTests(tier: string): Test {
  if (skipReasonCache === undefined) skipReasonCache = kernelSkipReason();
  if (skipReasonCache !== null) console.warn(`\n!!! SKIPPING kernel tests (${tier}): ${skipReasonCache} !!!\n`);
  return testUnless(test, `kernel tests (${tier})`, skipReasonCache);
}

let counter = 0;

export interface Netns {
  name: string;
  /** Run a command inside the namespace. */
  exec(cmd: string, args: string[], input?: string, timeoutMs?: number): RunResult;
}

/** The namespaces this process created and has not deleted yet. */
const live = new Set<string>();
let signalCleanupArmed = false;

function deleteLive(): void {
  for (const name of live) run('ip', ['netns', 'del', name]);
  live.clear();
}

/**
 * On a terminating signal, delete the live namespaces, then die of the signal as if no handler had
 * been installed (the listener is gone once it runs). Node runs the handler once the current
 * synchronous step ends: a command under spawnSync finishes first (each has a timeout). And on
 * exit, which skips `finally`: an uncaught exception (a write to a pipe whose reader died, as when
 * a test runner is killed under its children) or process.exit while a namespace is live.
 */
function armSignalCleanup(): void {
  if (signalCleanupArmed) return;
  signalCleanupArmed = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      deleteLive();
      process.kill(process.pid, signal);
    });
  }
  process.once('exit', deleteLive);
}

/** Create a namespace, run `body`, delete the namespace whatever happens. */
export async function withNetns<T>(purpose: string, body: (ns: Netns) => Promise<T> | T): Promise<T> {
  const name = `ksvc-${purpose}-${process.pid}-${++counter}`.slice(0, 40);
  armSignalCleanup();
  const add = run('ip', ['netns', 'add', name]);
  if (add.status !== 0) throw new Error(`ip netns add ${name}: ${add.stderr}`);
  live.add(name);
  const ns: Netns = {
    name,
    exec: (cmd, args, input, timeoutMs) => run('ip', ['netns', 'exec', name, cmd, ...args], input, timeoutMs),
  };
  try {
    ns.exec('ip', ['link', 'set', 'lo', 'up']);
    return await body(ns);
  } finally {
    run('ip', ['netns', 'del', name]);
    live.delete(name);
  }
}

/** Create the nfacct objects kube-proxy's rules reference (they must exist before a load). */
export function createKubeProxyNfacct(ns: Netns): void {
  for (const counterName of ['ct_state_invalid_dropped_pkts', 'localhost_nps_accepted_pkts']) {
    const r = ns.exec('nfacct', ['add', counterName]);
    if (r.status !== 0 && !/exist/i.test(r.stderr)) throw new Error(`nfacct add ${counterName}: ${r.stderr}`);
  }
}
