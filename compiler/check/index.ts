// The .ksvc checker: AST -> checked model, with coded diagnostics (compiler/check/codes.ts).
// collect.ts groups the AST per object and parses values; each rule in rules/ checks one thing;
// assemble.ts builds the model when no error was reported. The signature is fixed: other stages
// call it.
import { type Diagnostic, hasErrors } from '../../common/diagnostics.ts';
import type { SourceFile } from '../../common/source.ts';
import type { FileNode } from '../../grammar/ast.ts';
import type { ClusterModel } from '../model.ts';
import { capRepeated } from '../shared-rules/cap.ts';
import { assembleModel } from './assemble.ts';
import { collectFile } from './collect.ts';
import { makeContext } from './context.ts';
import { allRules } from './rules/index.ts';
import { runRules } from './rules/rule.ts';

export interface CheckResult {
  /** null when there are errors. */
  model: ClusterModel | null;
  /** Errors and warnings, in no particular order. */
  diagnostics: Diagnostic[];
}

export function checkFile(file: FileNode, source: SourceFile): CheckResult {
  const ctx = makeContext(source);
  const draft = collectFile(ctx, file);
  runRules(allRules, ctx, draft);
  const model = hasErrors(ctx.diagnostics) ? null : assembleModel(ctx, draft);
  return { model, diagnostics: capRepeated(ctx.diagnostics) };
}
