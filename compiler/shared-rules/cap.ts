// A file with 3,000 endpoints on misspelt nodes should not print 3,000 errors: past a few of one
// code, the rest are counted in one summary diagnostic, as syntax errors are capped.
import { type Diagnostic, hasErrors } from '../../common/diagnostics.ts';
import { sharedCodes } from './codes.ts';

/** Diagnostics shown per code; the rest of that code become one "N more" summary. */
export const MAX_DIAGNOSTICS_PER_CODE = 25;

/** Keep the first `max` diagnostics of each code (in list order) and summarise the rest per code. */
export function capRepeated(diags: readonly Diagnostic[], max = MAX_DIAGNOSTICS_PER_CODE): Diagnostic[] {
  const counts = new Map<string, number>();
  const kept: Diagnostic[] = [];
  const omitted = new Map<string, Diagnostic[]>();
  for (const d of diags) {
    const n = (counts.get(d.code) ?? 0) + 1;
    counts.set(d.code, n);
    if (n <= max) kept.push(d);
    else {
      const list = omitted.get(d.code);
      if (list) list.push(d);
      else omitted.set(d.code, [d]);
    }
  }
  for (const [code, list] of omitted) {
    // Point at the first omitted one: the summary sorts right after the shown ones of its code.
    const first = list[0]!;
    const where = { file: first.file, span: first.span };
    const hasError = list.some((d) => d.severity === 'error');
    kept.push(
      hasError
        ? sharedCodes['more-errors-omitted'](where, list.length, code)
        : sharedCodes['more-warnings-omitted'](where, list.length, code),
    );
  }
  return kept;
}

/**
 * The diagnostics a front end (the .ksvc checker, the Kubernetes import) gives: capped per code,
 * and with errors without `no-services`: nothing is written then, and "the ruleset routes nothing"
 * would speak of no ruleset.
 */
export function shownDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  const shown = capRepeated(diags);
  return hasErrors(shown) ? shown.filter((d) => d.code !== 'no-services') : shown;
}
