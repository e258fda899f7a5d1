// `ksvc fmt FILE...`: rewrite .ksvc files in the canonical layout (api format). Files are
// rewritten atomically and only when they change, keeping their mode and owner (cli/output-file.ts);
// a file with syntax errors is never rewritten.
// `--check` writes nothing and reports the files that are not formatted; `--stdout` (or the file
// `-`, read from stdin) prints the formatted text instead of rewriting.
import { appendAll } from '../common/append.ts';
import { type Diagnostic, defineCodes } from '../common/diagnostics.ts';
import { type SourceFile, spanOf } from '../common/source.ts';
import { outputFormatOf, parseCommandArgs, usageError } from './args.ts';
import type { Command } from './command.ts';
import { unreadableDiagnostic } from './input-codes.ts';
import { type CliIO, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, inputName, readInputFile } from './io.ts';
import { writeOutput } from './output-file.ts';
import { renderDiagnostics } from './render-diagnostics.ts';
import { escapeLines } from './terminal-text.ts';

const HELP = `Usage: ksvc fmt [options] FILE...

Rewrite .ksvc files in the canonical layout: 2-space indent, one blank line between blocks, port
lines aligned in columns, canonical keyword spellings, comments kept (docs/language.md,
"Formatting"). Files are rewritten in place, atomically, and only when their text changes; they
keep their mode and owner, a symbolic link keeps pointing at the rewritten file, and a file you
may not write is refused. A file with syntax errors is not rewritten: its errors are shown and the
exit code is 1.

Options:
  --check           write nothing; report every file that is not formatted (exit 1 if any)
  --stdout          print the formatted text to stdout instead of rewriting the files
  --output FORMAT   how errors and --check findings are shown: text (default), json or github
  -h, --help        show this help

FILE '-' reads stdin and prints the formatted text to stdout. Errors and findings are the report
on stdout, or on stderr when stdout carries formatted text (--stdout, '-'); with --output json a
report is written even when it is empty.

Exit codes: 0 formatted (or, with --check, already formatted), 1 syntax errors or (with --check)
files that need formatting, 2 usage (unknown flag, unreadable or unwritable file).

Examples:
  ksvc fmt examples/*.ksvc
  ksvc fmt --check cluster.ksvc                  # in CI: fail when a file is not formatted
  ksvc fmt --check --output github services/*.ksvc
  generate-services | ksvc fmt -                      # format text from a pipe
  ksvc fmt --stdout cluster.ksvc | diff cluster.ksvc -
`;

export const { codes, table: fmtCodeTable } = defineCodes({
  /** `--check`: the file's text differs from its canonical layout. */
  'not-formatted': {
    severity: 'error',
    message: (line: number) =>
      `not in the canonical layout (first difference on line ${line}); run 'ksvc fmt' on this file`,
  },
});

export const fmtCommand: Command = {
  name: 'fmt',
  help: HELP,
  run(argv, io) {
    return runFmt(argv, io);
  },
};

function firstDifferentLine(a: string, b: string): number {
  const x = a.split('\n');
  const y = b.split('\n');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return i + 1;
}

async function runFmt(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseCommandArgs(io, 'fmt', argv, {
    check: { type: 'boolean' },
    stdout: { type: 'boolean' },
    output: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals: files } = parsed;
  if (values.help) {
    io.stdout(HELP);
    return EXIT_OK;
  }
  const format = outputFormatOf(io, 'fmt', values.output);
  if (typeof format === 'number') return format;
  if (values.check && values.stdout) return usageError(io, 'fmt', '--check and --stdout cannot be combined');
  if (files.length === 0) return usageError(io, 'fmt', "no input files (use '-' for stdin)");
  if (files.filter((f) => f === '-').length > 1) return usageError(io, 'fmt', "'-' (stdin) can be given only once");

  const { parse, format: formatKsvc } = await import('../api/ksvc.ts');
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, SourceFile>();
  const problems: string[] = [];
  let changed = 0;
  let unchanged = 0;
  for (const file of files) {
    const read = readInputFile(io, file);
    if (!read.ok) {
      problems.push(read.message);
      // for a program reading the diagnostics, one more error (text: its line on stderr)
      if (format !== 'text') diagnostics.push(unreadableDiagnostic(read));
      continue;
    }
    const text = read.text;
    const name = inputName(file);
    const parsed = parse(text, { file: name });
    const source = parsed.source;
    sources.set(name, source);
    const formatted = formatKsvc(parsed);
    if (formatted === null) {
      appendAll(diagnostics, parsed.diagnostics);
      continue;
    }
    if (values.check) {
      if (formatted === text) unchanged++;
      else {
        changed++;
        const line = Math.min(firstDifferentLine(text, formatted), source.lineStarts.length);
        const start = source.lineStarts[line - 1]!;
        diagnostics.push(codes['not-formatted']({ file: name, span: spanOf(source, start, start) }, line));
      }
      continue;
    }
    if (values.stdout || file === '-') {
      io.stdout(formatted);
      continue;
    }
    if (formatted === text) {
      unchanged++;
      continue;
    }
    const failed = await writeOutput(io, file, [formatted], read.identity ? { replaces: read.identity } : {});
    if (failed !== null) problems.push(failed);
    else changed++;
  }

  // the diagnostics are the report on standard output, unless it carries formatted text (--stdout,
  // '-'): then on stderr, as compile's and import's; a JSON report is written even when empty
  const report = !values.check && (values.stdout || files.includes('-')) ? io.stderr : io.stdout;
  if (diagnostics.length > 0 || format === 'json') {
    report(renderDiagnostics(diagnostics, sources, format, io.color && format === 'text'));
  }
  for (const p of problems) io.stderr(`ksvc fmt: ${escapeLines(p)}\n`);
  const syntaxErrors = diagnostics.some((d) => d.code !== 'not-formatted' && d.code !== 'unreadable-input');
  const plural = (n: number) => `${n} file${n === 1 ? '' : 's'}`;
  if (values.check) {
    io.stderr(
      changed === 0 && !syntaxErrors
        ? `${plural(unchanged)} already formatted\n`
        : `${plural(changed)} would be reformatted, ${plural(unchanged)} already formatted\n`,
    );
  } else if (!values.stdout && !files.includes('-')) {
    io.stderr(`${plural(changed)} reformatted, ${plural(unchanged)} already formatted\n`);
  }
  if (syntaxErrors) io.stderr(`files with syntax errors were not ${values.check ? 'checked' : 'rewritten'}\n`);
  if (problems.length > 0) return EXIT_USAGE;
  return diagnostics.length > 0 ? EXIT_FINDINGS : EXIT_OK;
}
