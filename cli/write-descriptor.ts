// Writing text to an open descriptor: all of it, in pieces of bounded size, through short writes
// and EAGAIN, with a vanished reader (EPIPE) told apart from a failed write. Apart from
// output-file.ts because the standard streams (io.ts) write through it too.
import { writeSync } from 'node:fs';
import { describeErrno } from './errno-text.ts';

/** The reader of our output went away (EPIPE, ECONNRESET): the command ends quietly, as `cat` does. */
export class OutputClosedError extends Error {
  constructor() {
    super('output closed (EPIPE)');
    this.name = 'OutputClosedError';
  }
}

/** A write to a standard stream failed otherwise (a full disk, an I/O error): said as such, not as ksvc's defect. */
export class OutputWriteError extends Error {
  /** the errno code, so describeErrno reads it as the write's own error (an -o file's message) */
  readonly code: string | undefined;
  constructor(fd: number, cause: unknown) {
    super(
      `cannot write to ${fd === 1 ? 'standard output' : fd === 2 ? 'standard error' : `descriptor ${fd}`}: ${describeErrno(cause)}`,
    );
    this.name = 'OutputWriteError';
    this.code = (cause as NodeJS.ErrnoException)?.code;
  }
}

const sleepBuffer = new Int32Array(new SharedArrayBuffer(4));

/** Strings are converted to bytes at most this many UTF-16 units at a time (no 200 MB Buffer). */
const MAX_PIECE = 1 << 20;

/**
 * Where pieces are encoded: one buffer, reused (a fresh Buffer per megabyte cost ten times the
 * encoding itself on a 60 MB output). A UTF-16 unit takes at most 3 bytes in UTF-8 (a surrogate
 * pair, two units, takes 4), so a piece always fits.
 */
let encoded: Buffer | null = null;

/** Write all of `text` to a descriptor (retrying short writes and EAGAIN); EPIPE -> OutputClosedError. */
export function writeAllSync(fd: number, text: string): void {
  encoded ??= Buffer.allocUnsafe(3 * MAX_PIECE);
  for (let start = 0; start < text.length; ) {
    let end = Math.min(text.length, start + MAX_PIECE);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--; // keep a surrogate pair together
    const n = encoded.write(start === 0 && end === text.length ? text : text.slice(start, end), 0, 'utf8');
    writeBytes(fd, encoded.subarray(0, n));
    start = end;
  }
}

function writeBytes(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A pipe's reader went away (EPIPE); a socket's (Node's child-process stdio) may reset (ECONNRESET).
      if (code === 'EPIPE' || code === 'ECONNRESET') throw new OutputClosedError();
      if (code !== 'EAGAIN') throw code === undefined ? e : new OutputWriteError(fd, e);
      Atomics.wait(sleepBuffer, 0, 0, 1); // a non-blocking descriptor is full: wait, then retry
    }
  }
}
