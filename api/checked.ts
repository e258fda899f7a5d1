// A reader-accepted ruleset the engine cannot check, and a count option that is none: said as
// diagnostics (verify, diff, explain).
import type { Diagnostic } from '../common/diagnostics.ts';
import type { Family } from '../common/ip.ts';
import { verifyCodes } from '../verifier/codes.ts';
import { UnsupportedRuleset } from '../verifier/engine/unsupported.ts';

/** f(), or null with a diagnostic when the engine cannot check rulesets the readers accepted. */
export function checked<T>(family: Family, file: string, diagnostics: Diagnostic[], f: () => T): T | null {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof UnsupportedRuleset)) throw e;
    const o = e.origin;
    const at = o?.line !== undefined ? { line: o.line, column: 1, offset: 0 } : null;
    const where = o ? { file: o.file, span: at ? { start: at, end: at } : null } : { file, span: null };
    const message = o?.jsonPath !== undefined ? `${e.message} (the rule at ${o.jsonPath})` : e.message;
    diagnostics.push(verifyCodes['verify-unsupported'](where, family, message));
    return null;
  }
}

/**
 * Errors for the counts among `options` (maxFindings, maxChanges, changesCounted) that are not
 * whole numbers, 0 or more: a library caller's -5 or NaN is said, as the CLI says it, not taken.
 */
export function countOptionErrors(options: object, names: readonly string[]): Diagnostic[] {
  const errors: Diagnostic[] = [];
  for (const name of names) {
    const value = (options as Record<string, unknown>)[name];
    if (value === undefined || (Number.isSafeInteger(value) && (value as number) >= 0)) continue;
    errors.push(verifyCodes['verify-invalid-option']({ file: '<options>', span: null }, name, String(value)));
  }
  return errors;
}
