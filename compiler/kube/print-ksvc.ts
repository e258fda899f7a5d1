// ClusterModel -> the .ksvc file `ksvc import` writes: the model as an AST (to-ast.ts), printed in
// the canonical layout (grammar/format.ts), then read back through the .ksvc front end
// (compiler/load-ksvc.ts), which must give the same model. The read-back is what makes the printed
// file trustworthy; it is here, in the library, so that every caller gets it, not only the CLI.
import { type Diagnostic, hasErrors } from '../../common/diagnostics.ts';
import { makeSourceFile } from '../../common/source.ts';
import { formatFile } from '../../grammar/format.ts';
import { loadKsvc } from '../load-ksvc.ts';
import type { ClusterModel } from '../model.ts';
import { kubeCodes } from './codes.ts';
import type { SkippedService } from './index.ts';
import { notImportedComment } from './not-imported.ts';
import { modelToAst } from './to-ast.ts';

export interface PrintedKsvc {
  /** The formatted .ksvc text; null when there are errors. */
  text: string | null;
  /** not-representable errors, or the internal read-back error. */
  diagnostics: Diagnostic[];
}

/** The model without what may differ between reading YAML and reading the printed file. */
export const comparableModel = (m: ClusterModel): string =>
  JSON.stringify(m, (k, v) => (k === 'origin' || k === 'targetPort' ? undefined : v));

/**
 * Print `model` as .ksvc text and prove the text reads back as the same model. `skipped` (the
 * import's services kube-proxy writes nothing for) are named in a comment at the top.
 */
export function printKsvc(
  model: ClusterModel,
  fileName = 'imported.ksvc',
  skipped: readonly SkippedService[] = [],
): PrintedKsvc {
  const ast = modelToAst(model);
  if (hasErrors(ast.diagnostics)) return { text: null, diagnostics: ast.diagnostics };
  const comment = notImportedComment(skipped);
  const body = formatFile(ast.file);
  // a blank line between the comment and the first block; none after it when nothing follows
  const text = comment !== '' && body !== '' ? `${comment}\n${body}` : comment + body;
  const again = loadKsvc(makeSourceFile(fileName, text));
  if (again.model && comparableModel(again.model) === comparableModel(model)) {
    return { text, diagnostics: ast.diagnostics };
  }
  const why = again.diagnostics
    .filter((d) => d.severity === 'error')
    .slice(0, 5)
    .map((d) => `${d.code}: ${d.message}`);
  return {
    text: null,
    diagnostics: [
      ...ast.diagnostics,
      kubeCodes['internal-read-back-error']({ file: fileName, span: null }, why.length > 0 ? why.join('; ') : null),
    ],
  };
}
