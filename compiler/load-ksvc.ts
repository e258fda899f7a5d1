// .ksvc text -> checked model: parse, then check when the parse succeeded.
import { type Diagnostic, hasErrors } from '../common/diagnostics.ts';
import type { SourceFile } from '../common/source.ts';
import type { FileNode } from '../grammar/ast.ts';
import { parseKsvc } from '../grammar/parse-ksvc.ts';
import { checkFile } from './check/index.ts';
import type { ClusterModel } from './model.ts';

export interface FrontResult {
  ast: FileNode;
  /** null when there are errors. */
  model: ClusterModel | null;
  diagnostics: Diagnostic[];
}

export function loadKsvc(source: SourceFile): FrontResult {
  const parsed = parseKsvc(source);
  if (hasErrors(parsed.diagnostics)) return { ast: parsed.file, model: null, diagnostics: parsed.diagnostics };
  const checked = checkFile(parsed.file, source);
  return {
    ast: parsed.file,
    model: hasErrors(checked.diagnostics) ? null : checked.model,
    diagnostics: [...parsed.diagnostics, ...checked.diagnostics],
  };
}
