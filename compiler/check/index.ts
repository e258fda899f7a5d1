// PLACEHOLDER — replaced by the checker. The signature is fixed: other stages call it.
import type { Diagnostic } from '../../common/diagnostics.ts';
import type { SourceFile } from '../../common/source.ts';
import type { FileNode } from '../../grammar/ast.ts';
import type { ClusterModel } from '../model.ts';

export interface CheckResult {
  /** null when there are errors. */
  model: ClusterModel | null;
  /** Errors and warnings, in no particular order. */
  diagnostics: Diagnostic[];
}

export function checkFile(_file: FileNode, source: SourceFile): CheckResult {
  return {
    model: null,
    diagnostics: [{ code: 'not-implemented', severity: 'error', message: 'checker not implemented yet', file: source.path, span: null }],
  };
}
