// `ksvc` entry point: dispatch to a subcommand; turn any unexpected exception into a one-line
// message and exit 2 (never a stack trace, unless KSVC_DEBUG=1).
import { commands } from './commands.ts';
import { type CliIO, EXIT_OK, EXIT_USAGE, processIO } from './io.ts';

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
    'Exit codes: 0 ok, 1 findings (errors in the input, a failed check), 2 usage.',
    '',
  ].join('\n');
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(usage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(`ksvc ${VERSION}\n`);
    return EXIT_OK;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.stderr(`ksvc: unknown command '${name}'\n\n${usage()}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(cmd.help);
    return EXIT_OK;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    io.stderr(`ksvc ${name}: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    if (io.env.KSVC_DEBUG) io.stderr(`${(e as Error)?.stack ?? ''}\n`);
    return EXIT_USAGE;
  }
}

// Run when started as the program (sources, bin/ksvc.js or the dist/ bundle), not when imported.
const isMain =
  process.argv[1] !== undefined &&
  /(?:cli[\\/]main\.ts|bin[\\/]ksvc(?:\.js)?|dist[\\/]ksvc\.mjs)$/.test(process.argv[1]);
if (isMain || process.env.KSVC_MAIN === '1') {
  const io = processIO();
  runCli(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      io.stderr(`ksvc: internal error: ${(e as Error)?.message ?? String(e)}\n`);
      process.exitCode = EXIT_USAGE;
    },
  );
}
