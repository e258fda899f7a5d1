// The three places output goes once output-file.ts has decided where: a standard stream, a
// descriptor written in place (devices, FIFOs), or a temporary file beside the target that is
// renamed over it on commit. Apart from the decision, which is about paths and links.
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fsyncSync,
  openSync,
  renameSync,
  type Stats,
  unlinkSync,
} from 'node:fs';
import path from 'node:path';
import { escapeControls } from '../common/diagnostics.ts';
import { describeErrno, whyNoFileBeside } from './errno-text.ts';
import { OutputClosedError, writeAllSync } from './write-descriptor.ts';

export interface OutputSink {
  /** A temporary file that must not outlive the command (removed if a signal ends it). */
  temporary: boolean;
  /** Append text. Throws OutputClosedError when a pipe reader went away. */
  write(text: string): void;
  /** Make the output visible (rename into place); returns an error message or null. */
  commit(): string | null;
  /** Drop what was written (remove the temporary file). */
  abort(): void;
}

export type OpenResult = { ok: true; sink: OutputSink } | { ok: false; message: string };

/** A message about `file`, its name escaped (a line break in it must not start a line of its own). */
export const aboutFile = (file: string, what: string): string => `${escapeControls(file)}: ${what}`;
export const errnoAboutFile = (file: string, e: unknown) => aboutFile(file, describeErrno(e));

export function streamSink(write: (text: string) => void): OutputSink {
  return { temporary: false, write, commit: () => null, abort: () => {} };
}

/** Write into an already open descriptor in place (devices, FIFOs): nothing to rename. */
export function inPlaceSink(file: string, fd: number, close: boolean): OutputSink {
  let error: string | null = null;
  const done = () => {
    if (close) closeSync(fd);
  };
  return {
    temporary: false,
    write(text) {
      if (error !== null) return;
      try {
        writeAllSync(fd, text);
      } catch (e) {
        if (e instanceof OutputClosedError) throw e;
        error = errnoAboutFile(file, e);
      }
    },
    commit() {
      done();
      return error;
    },
    abort: done,
  };
}

/**
 * `n` random bytes as hex, for a temporary file's name. The Web Crypto global, not node:crypto:
 * its module is loaded when a file is written, not by every command (`ksvc --version` included).
 */
const randomHex = (n: number): string => Buffer.from(crypto.getRandomValues(new Uint8Array(n))).toString('hex');

const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Create the temporary file next to `target`: a fixed-length random name, so any legal target name fits. */
function createTemp(dir: string, mode: number): { fd: number; tmp: string } {
  for (let attempt = 0; ; attempt++) {
    const tmp = path.join(dir, `.ksvc-${randomHex(12)}.tmp`);
    try {
      return { fd: openSync(tmp, TEMP_FLAGS, mode), tmp };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 8) throw e;
    }
  }
}

/** Temp file + rename over `target`; `existing` is the file being replaced (its mode and owner are kept). */
export function replaceSink(file: string, target: string, existing: Stats | null): OpenResult {
  let created: { fd: number; tmp: string };
  try {
    created = createTemp(path.dirname(target), existing ? 0o600 : 0o666);
  } catch (e) {
    return { ok: false, message: aboutFile(file, whyNoFileBeside(path.dirname(target), e)) };
  }
  const { fd, tmp } = created;
  let open = true;
  let error: string | null = null;
  const cleanup = () => {
    if (open) closeSync(fd);
    open = false;
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  };
  if (existing) {
    try {
      // Owner first: chown clears set-id bits, which the chmod then restores.
      if (existing.uid !== process.geteuid?.() || existing.gid !== process.getegid?.()) {
        fchownSync(fd, existing.uid, existing.gid);
      }
      fchmodSync(fd, existing.mode & 0o7777);
    } catch (e) {
      cleanup();
      return {
        ok: false,
        message: aboutFile(
          file,
          `cannot keep its owner (${existing.uid}:${existing.gid}) and mode: ${describeErrno(e)}`,
        ),
      };
    }
  }
  const sink: OutputSink = {
    temporary: true,
    write(text) {
      if (error !== null) return;
      try {
        writeAllSync(fd, text);
      } catch (e) {
        error = errnoAboutFile(file, e);
      }
    },
    commit() {
      try {
        if (error === null) {
          fsyncSync(fd);
          closeSync(fd);
          open = false;
          renameSync(tmp, target);
          return null;
        }
      } catch (e) {
        error = errnoAboutFile(file, e);
      }
      cleanup();
      return error;
    },
    abort: cleanup,
  };
  return { ok: true, sink };
}
