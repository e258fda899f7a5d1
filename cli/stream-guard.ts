// No standard stream is written over a file the command reads. A shell can hand a command its
// input as stdout or stderr without truncating it (`ksvc check in.ksvc 1<>in.ksvc`); the report
// written there would overwrite what was read. Each stream is checked at its first write, and
// again after another input was read:
//  - against the inputs read so far (and standard input): refused, whatever the stream's state;
//  - at its first write only, against the files the arguments name (a usage error is written
//    before any input is read; `fmt --stdout a b >> b` writes a's before reading b): refused when
//    the stream is such a file holding data (not emptied by `>`), so `compile … --backend iptables
//    > iptables` or `--node n1 > n1` write as asked. Later the file holds what ksvc wrote itself.
import { type Stats, statSync } from 'node:fs';
import path from 'node:path';
import { descriptorPath, type FileIdentity, identityOf, regularFileOn, sameFile } from './output-file.ts';
import { OutputWriteError } from './write-descriptor.ts';

/** A standard stream is a file the command reads: nothing is written to it. */
export class OutputIsInputError extends OutputWriteError {
  constructor(fd: 1 | 2) {
    super(fd, null);
    this.message = `${fd === 1 ? 'standard output' : 'standard error'} is a file the command reads (refused: writing would overwrite it)`;
    this.name = 'OutputIsInputError';
  }
}

/**
 * The regular files the arguments name, a flag's `=value` too: what a command may read. Not what
 * names an output: `-o FILE` and `--out=FILE` (before `--`), and the stream's own descriptor by
 * name (`-o /dev/stdout > rules.txt` writes to rules.txt as asked).
 */
function namedFiles(args: readonly string[], cwd: string, fd: number): FileIdentity[] {
  const ids: FileIdentity[] = [];
  let flags = true;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (flags && arg === '--') {
      flags = false;
      continue;
    }
    if (flags && (arg === '-o' || arg === '--out')) {
      i++;
      continue;
    }
    if (flags && (arg.startsWith('--out=') || (arg.startsWith('-o') && !arg.startsWith('--')))) continue;
    const value = flags && arg.startsWith('-') && arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : arg;
    if (value === '' || value === '-' || value.includes('\0')) continue;
    const full = path.resolve(cwd, value);
    if (descriptorPath(full) === fd) continue;
    let st: Stats | undefined;
    try {
      st = statSync(full, { throwIfNoEntry: false });
    } catch {
      // not a file name (too long, a component that is not a directory)
    }
    if (st?.isFile()) ids.push(identityOf(st));
  }
  return ids;
}

/**
 * A check for writes to stdout and stderr: throws OutputIsInputError for a stream that is a file
 * the command reads (see the top of this file). `readInputs` grows as inputs are read.
 */
export function streamGuard(readInputs: readonly FileIdentity[], args: readonly string[], cwd: string) {
  const checked = [-1, -1, -1];
  const refused = [false, false, false];
  const written = [false, false, false];
  return (fd: 1 | 2): void => {
    if (checked[fd]! < readInputs.length || !written[fd]) {
      checked[fd] = readInputs.length;
      const st = regularFileOn(fd);
      const stdin = regularFileOn(0);
      const read = [...readInputs, ...(stdin ? [identityOf(stdin)] : [])];
      const first = !written[fd];
      refused[fd] =
        st !== null && (sameFile(st, read) || (first && st.size > 0 && sameFile(st, namedFiles(args, cwd, fd))));
    }
    if (refused[fd]) throw new OutputIsInputError(fd);
    written[fd] = true;
  };
}
