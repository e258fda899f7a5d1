// `ksvc` entry point: dispatch to a subcommand, loaded only when it runs; turn any unexpected
// exception into a one-line message and exit 2 (never a stack trace, unless KSVC_DEBUG=1). A
// closed output pipe ends the command quietly, as it ends `cat` (killed by SIGPIPE).
import { commands } from './commands.ts';
import { type CliIO, EXIT_OK, EXIT_OUTPUT_CLOSED, EXIT_USAGE, processIO } from './io.ts';
import { escapeForTerminal, escapeLines } from './terminal-text.ts';
import { OutputClosedError, OutputWriteError } from './write-descriptor.ts';

const VERSION = '0.1.0';

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'ksvc — compile Kubernetes service routing to kube-proxy-exact iptables and equivalent nftables',
    '',
    'Usage: ksvc <command> [options] FILE...',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `ksvc <command> --help` for the options of a command.',
    "FILE '-' is standard input; after '--' every argument is a FILE.",
    'Exit codes: 0 ok, 1 findings (errors in the input, a failed check), 2 usage.',
    '',
  ].join('\n');
}

/** The arguments before a `--` (after it, everything is a file name, even `--help`). */
const optionArgs = (argv: readonly string[]): readonly string[] => {
  const end = argv.indexOf('--');
  return end === -1 ? argv : argv.slice(0, end);
};

async function dispatch(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(usage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(`ksvc ${VERSION}\n`);
    return EXIT_OK;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.stderr(`ksvc: unknown command '${escapeForTerminal(name)}'\n\n${usage()}`);
    return EXIT_USAGE;
  }
  const cmd = await entry.load();
  const options = optionArgs(rest);
  if (options.includes('--help') || options.includes('-h')) {
    io.stdout(cmd.help);
    return EXIT_OK;
  }
  return await cmd.run(rest, io);
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (e) {
    if (e instanceof OutputClosedError) return EXIT_OUTPUT_CLOSED;
    try {
      const command = argv[0] ? ` ${escapeForTerminal(argv[0])}` : '';
      if (e instanceof OutputWriteError) {
        io.stderr(`ksvc${command}: ${e.message}\n`);
        return EXIT_USAGE;
      }
      io.stderr(`ksvc${command}: internal error: ${escapeLines((e as Error)?.message ?? String(e))}\n`);
      if (io.env.KSVC_DEBUG) io.stderr(`${(e as Error)?.stack ?? ''}\n`);
    } catch {
      // stderr is gone too: the exit code says it
    }
    return EXIT_USAGE;
  }
}

/** End the process as `cat` ends when its reader goes away: killed by SIGPIPE (exit 141 if that fails). */
function dieOfSigpipe(): void {
  // Node ignores SIGPIPE; adding and removing a listener restores the default action.
  process.on('SIGPIPE', () => {});
  process.removeAllListeners('SIGPIPE');
  process.kill(process.pid, 'SIGPIPE');
  process.exitCode = EXIT_OUTPUT_CLOSED;
}

// The module the CLI was started from: `verify --jobs` and `diff --jobs` start their child processes from it (cli/child-jobs.ts).
(globalThis as { [key: symbol]: unknown })[Symbol.for('ksvc.entry')] = import.meta.url;

/** Set by bin/ksvc.cjs before it loads the CLI, whatever name the command was started by (a link). */
const LAUNCHED = Symbol.for('ksvc.launched');

// Run when started as the program (sources, bin/ksvc.cjs or the dist/ bundle), not when imported.
const isMain =
  (globalThis as { [LAUNCHED]?: boolean })[LAUNCHED] === true ||
  (process.argv[1] !== undefined &&
    /(?:cli[\\/]main\.ts|bin[\\/]ksvc(?:\.c?js)?|dist[\\/]ksvc\.mjs)$/.test(process.argv[1]));

/** The ksvc command this process works for, if any (cli/netns.ts reads it too). */
const ENGINE_PARENT = Symbol.for('ksvc.engineParent');

/**
 * The pid of the ksvc command this process is a helper of: verify's engine child (bin/ksvc.cjs
 * verifyInChild) and a `--jobs` check child (cli/child-jobs.ts) are told it by the environment,
 * which is not passed on to their own children. Once that command has ended (SIGKILL, a signal it
 * does not pass on) the helper ends too (end-with-parent.ts) and makes no more network namespaces.
 */
function commandParent(): number | undefined {
  const parent = process.env.KSVC_ENGINE_PARENT;
  if (parent === undefined) return undefined;
  delete process.env.KSVC_ENGINE_PARENT;
  if (parent !== String(process.ppid)) return undefined;
  (globalThis as { [key: symbol]: unknown })[ENGINE_PARENT] = process.ppid;
  return process.ppid;
}

if (isMain || process.env.KSVC_MAIN === '1') {
  const parent = commandParent();
  // loaded only here: every other command runs without a thread of its own
  if (parent !== undefined) void import('./end-with-parent.ts').then((m) => m.endWithParent(parent));
  runCli(process.argv.slice(2), processIO()).then((code) => {
    if (code === EXIT_OUTPUT_CLOSED) dieOfSigpipe();
    else process.exitCode = code;
  });
}
