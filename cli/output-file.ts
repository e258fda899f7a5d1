// Where `-o FILE` (compile, import) and `fmt` write, and how (README "Output files"):
//   '-'                          standard output
//   /dev/stdout, /dev/fd/N, …    that file descriptor, as a shell's `>` does
//   a character device or FIFO   written in place (`-o /dev/null`), never replaced
//   a regular file, or none yet  a new file with an unpredictable name in the same directory,
//                                created with O_EXCL|O_NOFOLLOW (a planted link or file makes the
//                                open fail, never redirects it), given the old file's mode and
//                                owner (fchown/fchmod), written, fsynced, then renamed over the
//                                target: readers see the old file or the new one, never a part
//   a symbolic link              the file it points to is replaced (found by the kernel, as open()
//                                follows links); the link stays; a link to nothing is refused
// A file the user may not write (`echo >> FILE` would fail) is refused, not replaced; so is the
// input file itself. Error messages name the user's path, never the temporary one.
// Every descriptor is opened close-on-exec (libuv's default).
// No library does this (write-file-atomic and atomically open predictable temp names without
// O_EXCL and follow links there; README "Output files" says more), hence this module.
// This file decides where; output-sinks.ts writes there (stream, in place, temporary file renamed).
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readlinkSync,
  realpathSync,
  type Stats,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { escapeControls } from '../common/diagnostics.ts';
import { endBy, signalsHandled, TURN_MS, watchEndingSignals } from './ending-signals.ts';
import type { CliIO } from './io.ts';
import { aboutFile, errnoAboutFile, inPlaceSink, type OpenResult, replaceSink, streamSink } from './output-sinks.ts';

/**
 * Node reads its arguments as UTF-8 and puts U+FFFD for bytes that are not: a file name that holds
 * it names another file than the one given (`out\xff.ipt` became `out\uFFFD.ipt`, written
 * silently), so it is refused, read or written.
 */
export const NOT_UTF8 = '\uFFFD';
export const NOT_UTF8_NAME =
  'the name is not valid UTF-8 (or holds U+FFFD): Node cannot pass it through unchanged; rename the file';

/** A file's identity (device and inode): the same file under any name. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

export const identityOf = (st: Stats): FileIdentity => ({ dev: st.dev, ino: st.ino });

export interface OpenOutputOptions {
  /** Files that were read as input: writing onto one of them is refused. */
  inputs?: readonly FileIdentity[];
  /**
   * The input the output replaces (fmt): replaced under its name, but refused through a descriptor
   * open on it (`fmt /dev/stdin <> in.ksvc`), which can only be overwritten in place, not replaced.
   */
  replaces?: FileIdentity;
}

/** The descriptor a path names when it is (a link to) /dev/fd/N or /proc/self/fd/N, like /dev/stdout. */
export function descriptorPath(full: string): number | null {
  let p = full;
  for (let hop = 0; hop < 8; hop++) {
    const m = /^\/(?:dev|proc\/self)\/fd\/(\d+)$/.exec(p);
    if (m) return Number(m[1]);
    let st: Stats;
    try {
      st = lstatSync(p);
    } catch {
      return null;
    }
    if (!st.isSymbolicLink()) return null;
    p = path.resolve(path.dirname(p), readlinkSync(p));
  }
  return null;
}

/**
 * The real path of an existing file as the kernel resolves it for open(): opening it for writing
 * also answers "may this user write it?" exactly as `echo >> FILE` would.
 */
function resolveWritable(full: string): { real: string; st: Stats } {
  const fd = openSync(full, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    let real: string;
    try {
      real = readlinkSync(`/proc/self/fd/${fd}`);
      if (!path.isAbsolute(real) || real.endsWith(' (deleted)')) real = realpathSync.native(full);
    } catch {
      real = realpathSync.native(full);
    }
    return { real, st };
  } finally {
    closeSync(fd);
  }
}

/** `f` (a file's stat, or its identity) is one of `ids`. */
export const sameFile = (f: FileIdentity, ids: readonly FileIdentity[]) =>
  ids.some((i) => i.dev === f.dev && i.ino === f.ino);

/**
 * Whether descriptor `fd` is one of the inputs, opened for writing by the shell without truncating
 * it (`1<>in.ksvc`, `3<>in.ksvc -o /dev/fd/3`): written, it would overwrite what was read.
 */
function descriptorIsInput(fd: number, inputs: readonly FileIdentity[]): boolean {
  const st = regularFileOn(fd);
  return st !== null && sameFile(st, inputs);
}

/** The regular file open on descriptor `fd`, or null (another kind of file, or no such descriptor). */
export function regularFileOn(fd: number): Stats | null {
  try {
    const st = fstatSync(fd);
    return st.isFile() ? st : null;
  } catch {
    return null;
  }
}

/**
 * Follow the links at `full`'s last component as open() would, refusing one that another user
 * planted in a sticky, world-writable directory (/tmp): the rule of fs.protected_symlinks=1, kept
 * whatever that sysctl says (it is 0 on some nodes and containers), so a link planted in /tmp never
 * makes root replace /etc/shadow. Returns the refusal, or the identity of the regular file reached
 * (null: none), which the file opened afterwards must be (a link swapped in meanwhile is caught).
 */
function followOwnLinks(full: string): { refused: string } | { reached: FileIdentity | null } {
  const euid = process.geteuid?.();
  let p = full;
  for (let hop = 0; hop < 40; hop++) {
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (st === undefined) return { reached: null };
    if (!st.isSymbolicLink()) return { reached: st.isFile() ? identityOf(st) : null };
    const parent = statSync(path.dirname(p));
    if ((parent.mode & 0o1002) === 0o1002 && st.uid !== euid && st.uid !== parent.uid) {
      const where = p === full ? '' : ` (${escapeControls(p)})`;
      return {
        refused: `a symbolic link${where} owned by another user (uid ${st.uid}) in a sticky, world-writable directory: not followed (refused), as fs.protected_symlinks refuses it`,
      };
    }
    // from the directory's real path: `..` in a link is resolved as the kernel does, not by name
    p = path.resolve(realpathSync.native(path.dirname(p)), readlinkSync(p));
  }
  return { reached: null }; // a loop: open() says ELOOP
}

/** Open where `file` (as the user wrote it) should be written; see the top of this file. */
export function openOutput(io: CliIO, file: string, options: OpenOutputOptions = {}): OpenResult {
  const inputs = options.inputs ?? [];
  if (file === '-') {
    if (descriptorIsInput(1, inputs)) return { ok: false, message: 'standard output is the input file (refused)' };
    return { ok: true, sink: streamSink((t) => io.stdout(t)) };
  }
  if (file === '') return { ok: false, message: "an empty output file name (use '-' for standard output)" };
  if (file.includes(NOT_UTF8)) return { ok: false, message: aboutFile(file, NOT_UTF8_NAME) };
  // path.resolve drops a trailing slash: `-o name/` would replace the file `name`, where `>`
  // fails with ENOTDIR (a directory, or what should be one, is never written)
  if (file.endsWith('/')) {
    return { ok: false, message: aboutFile(file, "a name ending in '/' is a directory, not a file to write") };
  }
  const full = path.resolve(io.cwd, file);
  const fdNumber = descriptorPath(full);
  const readHere = options.replaces ? [...inputs, options.replaces] : inputs;
  if (fdNumber !== null && descriptorIsInput(fdNumber, readHere)) {
    return { ok: false, message: aboutFile(file, `descriptor ${fdNumber} is the input file (refused)`) };
  }
  if (fdNumber === 1) return { ok: true, sink: streamSink((t) => io.stdout(t)) };
  if (fdNumber === 2) return { ok: true, sink: streamSink((t) => io.stderr(t)) };
  if (fdNumber !== null) {
    // Node itself holds descriptors past 2 (its event loop's epoll, eventfd and wakeup pipes):
    // writing into one of those crashed the process or lost the output. Only a descriptor that is
    // a regular file or a device (a shell's `3>out.txt`) is written in place.
    let st: Stats | null = null;
    try {
      st = fstatSync(fdNumber);
    } catch {
      st = null;
    }
    if (st === null || !(st.isFile() || st.isCharacterDevice())) {
      return {
        ok: false,
        message: aboutFile(
          file,
          `descriptor ${fdNumber} is not an open file or device given to this process (refused); name a file, or use - for standard output`,
        ),
      };
    }
    return { ok: true, sink: inPlaceSink(file, fdNumber, false) };
  }
  try {
    const links = followOwnLinks(full);
    if ('refused' in links) return { ok: false, message: aboutFile(file, links.refused) };
    let st: Stats | null = null;
    try {
      st = statSync(full);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      if (lstatSync(full, { throwIfNoEntry: false })?.isSymbolicLink()) {
        return {
          ok: false,
          message: aboutFile(file, 'a symbolic link to a file that does not exist (refused)'),
        };
      }
    }
    if (st === null) return replaceSink(file, full, null);
    if (st.isDirectory()) return { ok: false, message: aboutFile(file, 'is a directory') };
    if (st.isFIFO() || st.isCharacterDevice()) {
      // No O_NONBLOCK: a FIFO waits for its reader, as `>` does.
      const fd = openSync(full, constants.O_WRONLY | constants.O_NOCTTY);
      return { ok: true, sink: inPlaceSink(file, fd, true) };
    }
    if (!st.isFile()) return { ok: false, message: aboutFile(file, 'not a regular file, character device or FIFO') };
    const { real, st: now } = resolveWritable(full);
    if (!now.isFile() || links.reached === null || !sameFile(now, [links.reached])) {
      return { ok: false, message: aboutFile(file, 'changed while being opened') };
    }
    if (sameFile(now, options.inputs ?? []))
      return { ok: false, message: aboutFile(file, 'is the input file (refused)') };
    return replaceSink(file, real, now);
  } catch (e) {
    return { ok: false, message: errnoAboutFile(file, e) };
  }
}

/**
 * Write every chunk, then commit; on any failure nothing is replaced. Returns an error message or
 * null. A signal that ends the command while a temporary file exists removes it first, and nothing
 * is replaced.
 */
export async function writeOutput(
  io: CliIO,
  file: string,
  chunks: Iterable<string>,
  options: OpenOutputOptions = {},
): Promise<string | null> {
  const opened = openOutput(io, file, options);
  if (!opened.ok) return opened.message;
  const { sink } = opened;
  const watch = sink.temporary ? watchEndingSignals() : null;
  let turn = performance.now();
  try {
    for (const chunk of chunks) {
      sink.write(chunk);
      if (watch === null || performance.now() - turn < TURN_MS) continue;
      await signalsHandled();
      turn = performance.now();
      if (watch.caught() !== null) break;
    }
    // two turns: a signal raised before the event loop first ran is handled only in its second
    if (watch !== null) for (let i = 0; i < 2; i++) await signalsHandled();
  } catch (e) {
    sink.abort();
    watch?.stop();
    throw e;
  }
  const signal = watch?.caught() ?? null;
  if (signal !== null) {
    sink.abort();
    watch!.stop();
    endBy(signal);
  }
  const failed = sink.commit();
  watch?.stop();
  return failed;
}
