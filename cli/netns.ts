// Throw-away network namespaces for `verify --kernel` and the kernel tests: each is created with a
// name no other run uses, every command runs inside it (`ip netns exec`), and it is deleted when
// the work is done, when the work fails, when the process exits, and when it ends any other way —
// a signal, SIGKILL included — by a watchdog that outlives it. Nothing here reads or changes the
// host's own ruleset.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface CommandResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run a command (stdin given or empty); never throws for a non-zero exit or a missing command. */
export function runCommand(cmd: string, args: readonly string[], input = '', timeoutMs = 120_000): CommandResult {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1024 * 1024 * 1024 });
  if (r.error) return { status: -1, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error.message}` };
  // a command ended by a signal says so (its stderr is often empty then)
  if (r.signal !== null) return { status: -1, stdout: r.stdout, stderr: `${r.stderr}${cmd} ended by ${r.signal}` };
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

/** The namespaces and temporary directories this process holds (created, not yet deleted). */
const held = { netns: new Set<string>(), dirs: new Set<string>() };
let created = 0;
/** The watchdog's state: a file with no name left, open here and as the watchdog's descriptor 3. */
let stateFd: number | null = null;

/**
 * What the watchdog does once this process has ended, however (its end of the pipe closes then):
 * delete what the state lists, which only this process writes, read from the start of the file it
 * was given as descriptor 3. Only names of ksvc's own form are deleted (no space or glob character
 * in them; a directory's last component ksvc-nft-XXXXXX, so that a line cut short or spliced by a
 * write an end interrupted, which the padding's newlines would end, names nothing), each again 1 s
 * and 4 s later: an `ip netns add` the process had started runs on after it and can create its
 * namespace after the first delete (a review left one in 25 runs).
 */
const WATCHDOG = `cat >/dev/null
names=
while IFS= read -r line; do
  case "$line" in
    "netns ksvc-"*) names="$names \${line#netns }" ;;
    "dir /"*/ksvc-nft-??????) rm -rf -- "\${line#dir }" ;;
  esac
done <&3
for wait in 0 1 3; do
  sleep "$wait"
  for name in $names; do ip netns del "$name" 2>/dev/null; done
done`;

/** How long the state is: it never shrinks (see writeHeld). */
let stateLength = 0;

/**
 * The state rewritten in place (the watchdog reads it once, at the end, from its start): in one
 * write, padded with empty lines (the watchdog skips them) to the length it had, so that the file
 * always holds the old lines or the new ones. Truncating first left an instant with no line at all:
 * a SIGKILL then leaked every namespace held.
 */
function writeHeld(): void {
  if (stateFd === null) return;
  const lines = [...[...held.netns].map((n) => `netns ${n}`), ...[...held.dirs].map((d) => `dir ${d}`)];
  const text = Buffer.from(lines.map((l) => `${l}\n`).join(''));
  const bytes =
    text.length >= stateLength ? text : Buffer.concat([text, Buffer.alloc(stateLength - text.length, '\n')]);
  writeSync(stateFd, bytes, 0, bytes.length, 0);
  stateLength = bytes.length;
}

/**
 * Start the watchdog once. A signal handler here would not do: the work is synchronous (spawnSync,
 * then evaluation), so Node runs a handler only when it ends — a review saw a SIGINT put off for
 * 164 s while five more namespaces were created, and lost (exit 0) when the run ended without an
 * event-loop turn — and SIGKILL (a CI cancel's second step) runs none. So signals keep their
 * default action, ending the process at once, and a detached shell (its own session: a terminal's
 * Ctrl-C does not reach it) waits for the end of a pipe only this process holds open. The state
 * file is made in a private directory and unlinked at once: the two descriptors are all that
 * reach it, so no one cleaning TMPDIR (the test runner's scratch directory, tmpfiles) takes it.
 */
function startWatchdog(): void {
  if (stateFd !== null) return;
  const dir = mkdtempSync(join(tmpdir(), 'ksvc-netns-'));
  const file = join(dir, 'held');
  const fd = openSync(file, 'wx+', 0o600);
  rmSync(dir, { recursive: true, force: true });
  const dog = spawn('sh', ['-c', WATCHDOG], { detached: true, stdio: ['pipe', 'ignore', 'ignore', fd] });
  // without a watchdog (no shell, no process slot) the exit handler below still deletes
  dog.on('error', () => {});
  dog.stdin?.on('error', () => {});
  // neither the child nor its pipe keeps this process alive
  dog.unref();
  (dog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  stateFd = fd;
  // an orderly end deletes at once (the watchdog then finds nothing left)
  process.once('exit', deleteHeld);
}

function deleteHeld(): void {
  for (const name of held.netns) runCommand('ip', ['netns', 'del', name]);
  for (const dir of held.dirs) rmSync(dir, { recursive: true, force: true });
  held.netns.clear();
  held.dirs.clear();
  writeHeld();
}

/**
 * A new namespace (loopback up) that the caller must `remove()` (also when its work fails), and
 * that the process's exit, or the watchdog after any other end, removes if the caller could not.
 * The name carries the process id and random bits: runs in other PID namespaces share /run/netns.
 * Throws an Error when it cannot be created.
 */
export function createNetns(purpose: string): Netns & { remove(): void } {
  refuseOrphan();
  startWatchdog();
  const prefix = `ksvc-${purpose}`.slice(0, 24);
  const name = `${prefix}-${process.pid}-${++created}-${randomBytes(3).toString('hex')}`;
  // listed before it exists: an end during `ip netns add` must not leave it behind
  held.netns.add(name);
  writeHeld();
  const add = runCommand('ip', ['netns', 'add', name]);
  if (add.status !== 0) {
    held.netns.delete(name);
    writeHeld();
    throw new Error(`cannot create a network namespace (ip netns add): ${add.stderr.trim()}`);
  }
  const exec = (cmd: string, args: readonly string[], input?: string, timeoutMs?: number) =>
    runCommand('ip', ['netns', 'exec', name, cmd, ...args], input, timeoutMs);
  exec('ip', ['link', 'set', 'lo', 'up']);
  return {
    name,
    exec,
    remove() {
      runCommand('ip', ['netns', 'del', name]);
      held.netns.delete(name);
      writeHeld();
    },
  };
}

/** The ksvc command whose engine child this process is (bin/ksvc.cjs verifyInChild), if it is one. */
const engineParent = (globalThis as { [key: symbol]: unknown })[Symbol.for('ksvc.engineParent')] as number | undefined;

/**
 * An engine child whose command has ended (killed with SIGKILL, or a signal it does not pass on)
 * ends too, before making another namespace: it ran on, reparented, loading rulesets into new
 * namespaces after the command had ended (a review). Its exit deletes what it holds.
 */
function refuseOrphan(): void {
  if (engineParent !== undefined && process.ppid !== engineParent) process.exit(143);
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
  // absolute, as the watchdog deletes only absolute paths (TMPDIR may be relative)
  // and one line of the watchdog's state: a newline in TMPDIR would make it two, the first naming
  // a directory not ours (which the watchdog of a killed run then deleted)
  const base = resolve(tmpdir());
  if (base.includes('\n'))
    throw new Error(`the temporary directory has a newline in its name: ${JSON.stringify(base)}`);
  const dir = mkdtempSync(join(base, 'ksvc-nft-'));
  held.dirs.add(dir);
  writeHeld();
  try {
    const file = join(dir, 'ruleset');
    writeFileSync(file, content, { flag: 'wx', mode: 0o600 });
    return ns.exec('nft', [...args, file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    held.dirs.delete(dir);
    writeHeld();
  }
}
