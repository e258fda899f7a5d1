// What a subcommand may touch: output streams, standard input, the environment, files. Commands
// take a CliIO so tests run them in-process and read what they printed.
import { constants as bufferConstants, isUtf8 } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { escapeControls } from '../common/diagnostics.ts';
import { describeErrno } from './errno-text.ts';
import { type FileIdentity, identityOf, NOT_UTF8, NOT_UTF8_NAME } from './output-file.ts';
import { streamGuard } from './stream-guard.ts';
import { writeAllSync } from './write-descriptor.ts';

export const EXIT_OK = 0;
/** Findings: errors in the input, a failed check, a `fmt --check` difference. */
export const EXIT_FINDINGS = 1;
/** Usage: bad flags, unreadable files. */
export const EXIT_USAGE = 2;
/**
 * Errors about a flag's value (a --node the input does not have, or none where one is needed):
 * usage, exit 2, as verify, diff and explain give them, though they come as diagnostics.
 */
const FLAG_ERROR_CODES: ReadonlySet<string> = new Set(['node-required', 'unknown-target-node', 'unknown-node-flag']);

/** The exit code of a run stopped by `diags`' errors: usage when one is about a flag, else findings. */
export const exitForErrors = (diags: readonly { code: string; severity: string }[]): number =>
  diags.some((d) => d.severity === 'error' && FLAG_ERROR_CODES.has(d.code)) ? EXIT_USAGE : EXIT_FINDINGS;

/** The reader of our output went away (EPIPE): 128 + SIGPIPE, what a shell reports for `cat`. */
export const EXIT_OUTPUT_CLOSED = 141;

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /**
   * Standard input, read whole (for the file name `-`); default: file descriptor 0, refused
   * (InputTooLarge) past maxBytes.
   */
  stdin?: (maxBytes: number) => string;
  /** Colours are allowed (a TTY, and no NO_COLOR). */
  color: boolean;
  /**
   * Standard error is a terminal that takes cursor control: a long command may keep a transient
   * status line there (cli/status-line.ts). Absent: false.
   */
  statusLine?: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
  /**
   * The regular files read as inputs so far (readInputFile adds them): processIO's writers refuse
   * a standard stream that is one of them (`1<>in.ksvc`, `2<>in.ksvc`), which would overwrite what
   * was read. Absent: not tracked (tests' in-process IO).
   */
  readInputs?: FileIdentity[];
}

/**
 * What an input is to its reader. A source (.ksvc, Kubernetes YAML and JSON) drops a leading byte
 * order mark — editors on some systems write one, and left in it would be a character before the
 * first (line 1's columns one off, a '\ufeff' in excerpts) — and must be UTF-8: bytes that are not
 * would be read as U+FFFD, which fmt then wrote back in place of a comment's Latin-1 letter. An
 * artifact (iptables or nft text) keeps both, for its reader to refuse as iptables-restore and nft
 * do (nft refuses text that is not UTF-8; iptables-restore reads bytes).
 */
export type InputKind = 'source' | 'artifact';

/** The text of an input's bytes, or why a source's bytes are not UTF-8 (where the first bad one is). */
function decodeInput(bytes: Buffer, kind: InputKind): { ok: true; text: string } | { ok: false; reason: string } {
  const text = bytes.toString('utf8');
  if (kind === 'artifact' || isUtf8(bytes)) return { ok: true, text: kind === 'source' ? withoutMark(text) : text };
  const at = firstReplacedByte(bytes, text);
  // PowerShell 5's `>` writes UTF-16 with a byte order mark (`kubectl get -o yaml > f.yaml`)
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  const convert = utf16 ? 'it is UTF-16 (its byte order mark says so): convert it to UTF-8' : 'convert the file';
  return {
    ok: false,
    reason: `not valid UTF-8 at line ${at.line}, column ${at.column} (byte ${at.byte}): ksvc reads its inputs as UTF-8; ${convert}`,
  };
}

const withoutMark = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

/**
 * Where the decoder first put U+FFFD for bytes that are not its UTF-8 (EF BF BD is a real one): up
 * to there every character was decoded from its own bytes, so their lengths give the offset.
 */
function firstReplacedByte(bytes: Buffer, text: string): { line: number; column: number; byte: number } {
  let byte = 0;
  let line = 1;
  let column = 1;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0xfffd && !(bytes[byte] === 0xef && bytes[byte + 1] === 0xbf && bytes[byte + 2] === 0xbd)) break;
    byte += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (cp === 0x0a) {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column, byte };
}

/** What reading stops with when more than the allowed bytes arrive. */
class InputTooLarge extends Error {}

/** Standard input's bytes (processIO's stdin decodes them; readInputFile reads them here). */
function readProcessStdinBytes(maxBytes: number): Buffer {
  const bytes = readToEnd(0, maxBytes);
  if (bytes === null) throw new InputTooLarge();
  return bytes;
}

const readProcessStdin = (maxBytes: number): string => readProcessStdinBytes(maxBytes).toString('utf8');

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * The bytes of a descriptor up to its end, or null once more than maxBytes have arrived: a device
 * or a pipe has no size to check first, and one like /dev/zero never ends. A non-blocking
 * descriptor (a terminal or pipe another process made so) is waited on rather than failed.
 */
function readToEnd(fd: number, maxBytes: number): Buffer | null {
  const chunks: Buffer[] = [];
  let total = 0;
  const buffer = Buffer.allocUnsafe(1 << 16);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buffer, 0, buffer.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 5);
      continue;
    }
    if (n === 0) return Buffer.concat(chunks, total);
    total += n;
    if (total > maxBytes) return null;
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
}

const isatty = (fd: number): boolean =>
  (createRequire(import.meta.url)('node:tty') as typeof import('node:tty')).isatty(fd);

/** CI is set as CI services set it (true, 1, a name); unset, empty, false or 0 mean not. */
export const inCI = (env: Record<string, string | undefined>): boolean =>
  env.CI !== undefined && !['', '0', 'false'].includes(env.CI.toLowerCase());

export function processIO(): CliIO {
  const env = process.env;
  // Diagnostics go to stdout (check, fmt) or stderr (compile, import): colour only when both are
  // terminals, so a piped or redirected output never receives escape codes. NO_COLOR always wins;
  // FORCE_COLOR (non-zero) forces colour otherwise.
  const noColor = 'NO_COLOR' in env || env.TERM === 'dumb';
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0';
  let color: boolean | undefined;
  let statusLine: boolean | undefined;
  const readInputs: FileIdentity[] = [];
  // no report is written over a file the command reads (cli/stream-guard.ts)
  const guard = streamGuard(readInputs, process.argv.slice(2), process.cwd());
  const write = (fd: 1 | 2, t: string) => {
    guard(fd);
    writeAllSync(fd, t);
  };
  return {
    // Synchronous writes to the descriptors: a closed pipe is an OutputClosedError right here (the
    // command then ends quietly, as `cat` does), and a 100 MB output is never queued in memory.
    stdout: (t) => write(1, t),
    stderr: (t) => write(2, t),
    stdin: readProcessStdin,
    // Asked only by a command that renders diagnostics or a report: node:tty loads node:net and
    // the streams, a tenth of `ksvc --version`'s time. isatty, not process.stdout.isTTY: creating
    // Node's stdout stream would make a pipe non-blocking.
    get color() {
      color ??= !noColor && (forced || (isatty(1) && isatty(2)));
      return color;
    },
    // a CI job with a pseudo-terminal (docker run -t) would log every redraw: CI set turns it off
    get statusLine() {
      statusLine ??= env.TERM !== 'dumb' && !inCI(env) && isatty(2);
      return statusLine;
    },
    env,
    cwd: process.cwd(),
    readInputs,
  };
}

/** Input files are refused above this size: a .ksvc or YAML file this large is a mistake. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;
/**
 * Kubernetes YAML/JSON: a `kubectl get -o yaml` export of a large cluster is legitimately large
 * (10,000 services with their EndpointSlices are about 50 MB with kubectl's usual fields). Reading
 * YAML takes 25–40 bytes of memory per byte (96 MB: 70 s and 2.4 GiB here), and past Node's heap
 * limit (about 4 GiB) the process would be killed rather than answer: refused above this.
 */
export const MAX_KUBE_INPUT_BYTES = 96 * 1024 * 1024;
/**
 * Rulesets read back by verify/explain (10,000 services: 42 MB of nft JSON, 63 MB of iptables
 * text): up to the longest string Node makes (about 512 MiB; UTF-8 never decodes to more UTF-16
 * units than it has bytes), so that a larger file is "larger than N bytes", not ERR_STRING_TOO_LONG.
 */
export const MAX_ARTIFACT_BYTES = Math.min(1024 * 1024 * 1024, bufferConstants.MAX_STRING_LENGTH);

export type ReadResult =
  | {
      ok: true;
      text: string;
      /** The file that was read (absent when standard input is a pipe or a terminal). */
      identity?: FileIdentity;
    }
  | InputFailure;

/** An input that could not be read: `message` is `reason` after the file's name. */
export interface InputFailure {
  ok: false;
  /** The input as diagnostics name it (standard input is STDIN_NAME). */
  file: string;
  reason: string;
  message: string;
}

/** The failure to read FILE, for REASON. */
export const inputFailure = (file: string, reason: string): InputFailure => ({
  ok: false,
  file: inputName(file),
  reason,
  // the name escaped (a line break in it must not start a line of its own); the message goes to
  // terminals and CI logs
  message: file === '' ? reason : `${escapeControls(file)}: ${reason}`,
});

/** The name diagnostics give standard input. */
export const STDIN_NAME = '<stdin>';

/** The name an input file goes by in diagnostics (`-` is standard input). */
export const inputName = (file: string): string => (file === '-' ? STDIN_NAME : file);

function readStdin(io: CliIO, maxBytes: number, kind: InputKind): ReadResult {
  try {
    // a reader given in place of the process's (tests') gives text, not bytes
    if (io.stdin !== undefined && io.stdin !== readProcessStdin) {
      const text = io.stdin(maxBytes);
      return { ok: true, text: kind === 'source' ? withoutMark(text) : text };
    }
    const decoded = decodeInput(readProcessStdinBytes(maxBytes), kind);
    if (!decoded.ok) return inputFailure('-', decoded.reason);
    const st = fstatSync(0);
    return st.isFile() ? { ok: true, text: decoded.text, identity: identityOf(st) } : { ok: true, text: decoded.text };
  } catch (e) {
    if (e instanceof InputTooLarge) return inputFailure('-', `larger than ${maxBytes} bytes`);
    return inputFailure('-', `cannot read standard input: ${describeErrno(e)}`);
  }
}

/**
 * Read an input file (`-`: standard input), with a readable message instead of an exception; a
 * source must be UTF-8 and loses a leading byte order mark (InputKind).
 */
export function readInputFile(
  io: CliIO,
  file: string,
  maxBytes = MAX_INPUT_BYTES,
  kind: InputKind = 'source',
): ReadResult {
  const r = readInputText(io, file, maxBytes, kind);
  if (r.ok && r.identity) io.readInputs?.push(r.identity);
  return r;
}

function readInputText(io: CliIO, file: string, maxBytes: number, kind: InputKind): ReadResult {
  if (file === '-') return readStdin(io, maxBytes, kind);
  // resolved, '' would name the working directory
  if (file === '') return inputFailure('', 'an empty file name');
  if (file.includes(NOT_UTF8)) return inputFailure(file, NOT_UTF8_NAME);
  const full = path.resolve(io.cwd, file);
  try {
    const st = statSync(full);
    if (st.isDirectory()) return inputFailure(file, 'is a directory');
    const tooLarge = inputFailure(file, `larger than ${maxBytes} bytes`);
    if (st.size > maxBytes) return tooLarge;
    if (!st.isFile()) {
      // a FIFO (`<(…)`) or a device: no size to check, so read it with a limit
      const fd = openSync(full, constants.O_RDONLY);
      try {
        const bytes = readToEnd(fd, maxBytes);
        if (bytes === null) return tooLarge;
        const decoded = decodeInput(bytes, kind);
        return decoded.ok ? decoded : inputFailure(file, decoded.reason);
      } finally {
        closeSync(fd);
      }
    }
    // Bytes, then one decode: readFileSync(full, 'utf8') took twice as long on a 5 MB file (Node 20).
    const decoded = decodeInput(readFileSync(full), kind);
    return decoded.ok ? { ...decoded, identity: identityOf(st) } : inputFailure(file, decoded.reason);
  } catch (e) {
    return inputFailure(file, describeErrno(e));
  }
}
