// `ksvc check FILE...`: parse and check each file on its own (one file = one cluster) and report
// every diagnostic. Exit 0 when clean or warnings only, 1 with errors (or warnings with --strict),
// 2 for usage problems (bad flags, unreadable files).
import { appendAll } from '../common/append.ts';
import type { Diagnostic } from '../common/diagnostics.ts';
import type { SourceFile } from '../common/source.ts';
import { outputFormatOf, parseCommandArgs, usageError } from './args.ts';
import type { Command } from './command.ts';
import { unreadableDiagnostic } from './input-codes.ts';
import { type CliIO, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type InputFailure } from './io.ts';
import { loadKsvcFile } from './load-input.ts';
import { renderDiagnostics, renderSummary } from './render-diagnostics.ts';
import { escapeLines } from './terminal-text.ts';

const HELP = `Usage: ksvc check [options] FILE...

Parse and check .ksvc files without compiling them. Each file is one cluster and is checked on
its own; FILE '-' reads standard input. Diagnostics go to stdout (text, JSON or GitHub
annotations); a summary line goes to stderr.

Options:
  --output FORMAT   text (default), json or github
  --strict          treat warnings as errors (exit 1 when there are any)
  -h, --help        show this help

Exit codes: 0 clean or warnings only, 1 errors (or warnings with --strict), 2 usage
(unknown flag, unreadable file).

Examples:
  ksvc check examples/*.ksvc
  ksvc check --strict cluster.ksvc
  ksvc check --output json cluster.ksvc | jq '.diagnostics[].code'
  ksvc check --output github services.ksvc     # annotations in a GitHub Actions log
  generate-services | ksvc check -
`;

export const checkCommand: Command = {
  name: 'check',
  help: HELP,
  run(argv, io) {
    return runCheck(argv, io);
  },
};

async function runCheck(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseCommandArgs(io, 'check', argv, {
    output: { type: 'string' },
    strict: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals: files } = parsed;
  if (values.help) {
    io.stdout(HELP);
    return EXIT_OK;
  }
  const format = outputFormatOf(io, 'check', values.output);
  if (typeof format === 'number') return format;
  if (files.length === 0) return usageError(io, 'check', "no input files (use '-' for standard input)");
  if (files.filter((f) => f === '-').length > 1) {
    return usageError(io, 'check', "'-' (standard input) can be given only once");
  }

  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, SourceFile>();
  const unreadable: InputFailure[] = [];
  for (const file of files) {
    const loaded = await loadKsvcFile(io, file, undefined, { model: false });
    if (loaded.readError !== undefined) {
      unreadable.push(loaded.readError);
      continue;
    }
    for (const [k, v] of loaded.sources) sources.set(k, v);
    appendAll(diagnostics, loaded.diagnostics);
  }
  const shown = values.strict
    ? diagnostics.map((d) => (d.severity === 'warning' ? { ...d, severity: 'error' as const } : d))
    : diagnostics;

  // for a program reading them, an unreadable file is one more error (text: its line on stderr)
  const reported = format === 'text' ? shown : [...shown, ...unreadable.map(unreadableDiagnostic)];
  io.stdout(renderDiagnostics(reported, sources, format, io.color && format === 'text'));
  for (const failure of unreadable) io.stderr(`ksvc check: ${escapeLines(failure.message)}\n`);
  const checked = files.length - unreadable.length;
  io.stderr(`${checked} file${checked === 1 ? '' : 's'} checked: ${renderSummary(shown, io.color)}`);
  if (unreadable.length > 0) return EXIT_USAGE;
  return shown.some((d) => d.severity === 'error') ? EXIT_FINDINGS : EXIT_OK;
}
