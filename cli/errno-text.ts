// Why a file operation failed, in words that do not repeat any path (the caller names the file
// the user gave): errno codes as the shell says them, and why the file beside an output that
// replaces it could not be made.
import { statSync } from 'node:fs';

/** Why a file operation failed, in words that do not repeat any path. */
export function describeErrno(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENAMETOOLONG':
      return 'file name too long';
    case 'ETXTBSY':
      return 'text file busy';
    case 'EIO':
      return 'input/output error';
    case 'EFBIG':
      return 'file too large';
    case 'ENXIO':
      return 'no such device or address';
    case 'EBADF':
      return 'not an open file descriptor for writing';
    case 'EINVAL':
      return 'invalid argument (a descriptor that is not open?)';
    default:
      return code ?? String((e as Error)?.message ?? e);
  }
}

/**
 * Why the new file an output is written to, in the target's directory `dir`, could not be created.
 * ENOENT there means the directory exists but its file system makes no files (/proc, /sys): `-o
 * /proc/version` said "no such file or directory" of a file that exists.
 */
export function whyNoFileBeside(dir: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' && !statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return describeErrno(e);
  const why = code === 'ENOENT' ? "its file system makes none, as /proc's does" : describeErrno(e);
  return `the output is written to a new file in its directory, then renamed into place, and no file can be created there (${why})`;
}
