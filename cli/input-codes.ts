// The diagnostic for an input the CLI cannot read. Printed as a diagnostic only with --output json
// or github (cli/args.ts inputError), so a program reading them never takes the run for a clean one;
// text output keeps the one-line `ksvc COMMAND: FILE: reason`.
import { type Diagnostic, defineCodes } from '../common/diagnostics.ts';
import type { InputFailure } from './io.ts';

export const { codes: inputCodes, table: inputCodeTable } = defineCodes({
  /** Not found, a directory, too large, unreadable, or standard input given twice: exit 2. */
  'unreadable-input': {
    severity: 'error',
    message: (reason: string) => `cannot read this input: ${reason}`,
  },
});

/** FAILURE as a diagnostic of the input it names (no place in it: it was not read). */
export const unreadableDiagnostic = (failure: InputFailure): Diagnostic =>
  inputCodes['unreadable-input']({ file: failure.file, span: null }, failure.reason);
