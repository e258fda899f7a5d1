// Throw-away network namespaces for `verify --kernel`: each is created with a name no other run
// uses, every command runs inside it (`ip netns exec`), and it is deleted when the work is done,
// when the work fails, and when the process is told to stop (SIGINT, SIGTERM, SIGHUP) or exits.
// Nothing here reads or changes the host's own ruleset.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CommandResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run a command (stdin given or empty); never throws for a non-zero exit or a missing command. */
export function runCommand(cmd: string, args: readonly string[], input = '', timeoutMs = 120_000): CommandResult {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1024 * 1024 * 1024 });
  if (r.error) return { status: -1, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error.message}` };
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The first of `tools` not on the PATH, or null when every one is. */
export function missingTool(tools: readonly string[]): string | null {
  return tools.find((tool) => runCommand('sh', ['-c', 'command -v "$1"', 'sh', tool]).status !== 0) ?? null;
}

export interface Netns {
  name: string;
  exec(cmd: string, args: readonly string[], input?: string, timeoutMs?: number): CommandResult;
}

/** The namespaces this process created and has not deleted yet. */
const live = new Set<string>();
let cleanupArmed = false;
let created = 0;

function deleteLive(): void {
  for (const name of live) runCommand('ip', ['netns', 'del', name]);
  live.clear();
}

/**
 * On a terminating signal: delete the live namespaces, then die of the signal as if no handler
 * had been installed (the listener is gone once it runs). Node runs the handler once the current
 * synchronous step ends: a command under spawnSync finishes first (each has a timeout). And on
 * exit, which skips `finally` (an uncaught exception, process.exit while a namespace is live).
 */
function armCleanup(): void {
  if (cleanupArmed) return;
  cleanupArmed = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      deleteLive();
      process.kill(process.pid, signal);
    });
  }
  process.once('exit', deleteLive);
}

/**
 * A new namespace (loopback up) that the caller must `remove()` (also when its work fails), and
 * that a terminating signal or the process's exit removes if the caller could not. Throws an Error
 * when it cannot be created.
 */
export function createNetns(purpose: string): Netns & { remove(): void } {
  const name = `ksvc-${purpose}-${process.pid}-${++created}`.slice(0, 40);
  armCleanup();
  const add = runCommand('ip', ['netns', 'add', name]);
  if (add.status !== 0) throw new Error(`cannot create a network namespace (ip netns add): ${add.stderr.trim()}`);
  live.add(name);
  const exec = (cmd: string, args: readonly string[], input?: string, timeoutMs?: number) =>
    runCommand('ip', ['netns', 'exec', name, cmd, ...args], input, timeoutMs);
  exec('ip', ['link', 'set', 'lo', 'up']);
  return {
    name,
    exec,
    remove() {
      runCommand('ip', ['netns', 'del', name]);
      live.delete(name);
    },
  };
}

/** A namespace for `body`, deleted whatever happens. */
export function withNetns<T>(purpose: string, body: (ns: Netns) => T): T {
  const ns = createNetns(purpose);
  try {
    return body(ns);
  } finally {
    ns.remove();
  }
}

/**
 * `nft ARGS FILE` in `ns` with `content` as the file: nft reads a file, and `-f -` cannot open
 * /dev/stdin when it is a socket (as under Node). The file lives in a private directory, created
 * for this call (no planted name can redirect it) and removed after.
 */
export function nftWithFile(ns: Netns, args: readonly string[], content: string): CommandResult {
  const dir = mkdtempSync(join(tmpdir(), 'ksvc-nft-'));
  try {
    const file = join(dir, 'ruleset');
    writeFileSync(file, content, { flag: 'wx', mode: 0o600 });
    return ns.exec('nft', [...args, file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
