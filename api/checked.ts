// A reader-accepted ruleset the engine cannot check, a check too large for the heap, and an option
// that is not what it takes: said as diagnostics (verify, diff, explain).
import type { Diagnostic } from '../common/diagnostics.ts';
import { MORE_HEAP_HINT } from '../common/heap-budget.ts';
import type { Family } from '../common/ip.ts';
import { verifyCodes } from '../verifier/codes.ts';
import { CheckTooLarge, largestChoiceText } from '../verifier/engine/memory-estimate.ts';
import { UnsupportedRuleset } from '../verifier/engine/unsupported.ts';

/** f(), or null with a diagnostic when the engine cannot check rulesets the readers accepted (or not here). */
export function checked<T>(family: Family, file: string, diagnostics: Diagnostic[], f: () => T): T | null {
  try {
    return f();
  } catch (e) {
    if (e instanceof CheckTooLarge) {
      const where = { file, span: null, hint: MORE_HEAP_HINT };
      const subject = largestChoiceText(e.largest);
      diagnostics.push(verifyCodes['verify-too-large'](where, family, subject, e.need, e.budget));
      return null;
    }
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
    const where = { file: '<options>', span: null };
    errors.push(verifyCodes['verify-invalid-option'](where, name, String(value), 'a whole number, 0 or more'));
  }
  return errors;
}

/**
 * countOptionErrors for verify's options, and `tvBound`: a probability from 0 to 1 as an exact
 * fraction of BigInts (a negative one failed every check, a zero denominator passed every one,
 * a number threw), as the CLI's --tv-bound takes it.
 */
export function verifyOptionErrors(options: { maxFindings?: number; tvBound?: unknown }): Diagnostic[] {
  const errors = countOptionErrors(options, ['maxFindings']);
  const b = options.tvBound as { num?: unknown; den?: unknown } | undefined;
  if (b === undefined) return errors;
  const fraction = typeof b === 'object' && b !== null && typeof b.num === 'bigint' && typeof b.den === 'bigint';
  if (!fraction || (b.den as bigint) <= 0n || (b.num as bigint) < 0n || (b.num as bigint) > (b.den as bigint)) {
    const shown = fraction ? `${b.num}/${b.den}` : String(b);
    const takes = 'a probability from 0 to 1 ({ num, den } as BigInts, den > 0)';
    errors.push(verifyCodes['verify-invalid-option']({ file: '<options>', span: null }, 'tvBound', shown, takes));
  }
  return errors;
}
