// A reader-accepted ruleset the engine cannot check: said as a diagnostic (verify, diff, explain).
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
