// How many errors one file may give before the rest of it is not read. Without a bound, a file of
// small broken objects (`--- {}` repeated to the 96 MiB input limit: 14 million documents, each an
// error) grows the diagnostics until the process runs out of memory; a real cluster's export gives
// a handful, and past the first few of a code the CLI shows only a count anyway.
import type { Diagnostic } from '../../common/diagnostics.ts';
import type { Span } from '../../common/source.ts';
import { kubeCodes } from './codes.ts';

export const MAX_READ_ERRORS = 10_000;

/**
 * Of one file, whose diagnostics are appended to `diags` from now on: `spent(at)` is true once the
 * file has given MAX_READ_ERRORS errors, and then the reader stops before the object at `at`,
 * reported (once) as where reading stopped.
 */
export interface ErrorBudget {
  spent(at: Span | null): boolean;
}

export function errorBudget(diags: Diagnostic[], file: string): ErrorBudget {
  let scanned = diags.length;
  let errors = 0;
  let stopped = false;
  return {
    spent(at) {
      if (stopped) return true;
      for (; scanned < diags.length; scanned++) if (diags[scanned]!.severity === 'error') errors++;
      if (errors < MAX_READ_ERRORS) return false;
      stopped = true;
      diags.push(kubeCodes['too-many-errors']({ file, span: at }, MAX_READ_ERRORS));
      return true;
    },
  };
}
