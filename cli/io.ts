// What a subcommand may touch: output streams, the environment, files. Commands take a CliIO so
// tests run them in-process and read what they printed.
import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const EXIT_OK = 0;
/** Findings: errors in the input, a failed check, a `fmt --check` difference. */
export const EXIT_FINDINGS = 1;
/** Usage: bad flags, unreadable files. */
export const EXIT_USAGE = 2;

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Colours are allowed (a TTY, and no NO_COLOR). */
  color: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
}

export function processIO(): CliIO {
  const env = process.env;
  // Diagnostics go to stdout (check, fmt) or stderr (compile, import): colour only when both are
  // terminals, so a piped or redirected output never receives escape codes. NO_COLOR always wins;
  // FORCE_COLOR (non-zero) forces colour otherwise.
  const noColor = 'NO_COLOR' in env || env.TERM === 'dumb';
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0';
  const tty = Boolean(process.stdout.isTTY) && Boolean(process.stderr.isTTY);
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    color: !noColor && (forced || tty),
    env,
    cwd: process.cwd(),
  };
}

/** Input files are refused above this size: a .ksvc or YAML file this large is a mistake. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

export type ReadResult = { ok: true; text: string } | { ok: false; message: string };

/** Read a UTF-8 input file, with a readable message instead of an exception. */
export function readInputFile(io: CliIO, file: string): ReadResult {
  const full = path.resolve(io.cwd, file);
  try {
    const st = statSync(full);
    if (st.isDirectory()) return { ok: false, message: `${file}: is a directory` };
    if (st.size > MAX_INPUT_BYTES) return { ok: false, message: `${file}: larger than ${MAX_INPUT_BYTES} bytes` };
    return { ok: true, text: readFileSync(full, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String((e as Error).message);
    return { ok: false, message: `${file}: ${why}` };
  }
}

/**
 * Write an output file all at once (temp file + rename), so a failure never leaves a partial file.
 * "-" writes to stdout.
 */
export function writeOutputFile(io: CliIO, file: string, text: string): ReadResult {
  if (file === '-') {
    io.stdout(text);
    return { ok: true, text };
  }
  const full = path.resolve(io.cwd, file);
  const tmp = `${full}.ksvc-tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, full);
    return { ok: true, text };
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean up
    }
    return { ok: false, message: `${file}: ${(e as Error).message}` };
  }
}
