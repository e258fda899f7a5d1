// The .ksvc checker: AST -> checked model, with coded diagnostics (compiler/check/codes.ts).
// collect.ts groups the AST per object and parses values; each rule in rules/ checks one thing;
// assemble.ts builds the model when no error was reported. The signature is fixed: other stages
// call it.
import { type Diagnostic, hasErrors } from '../../common/diagnostics.ts';
import type { SourceFile, Span } from '../../common/source.ts';
import type { FileNode } from '../../grammar/ast.ts';
import type { ClusterModel } from '../model.ts';
import { shownDiagnostics } from '../shared-rules/cap.ts';
import type { ClusterFacts } from '../shared-rules/facts.ts';
import { assembleModel } from './assemble.ts';
import { collectFile } from './collect.ts';
import { makeContext } from './context.ts';
import { allRules } from './rules/index.ts';
import { runRules } from './rules/rule.ts';
import { clusterFacts, sharedClusterRules } from './rules/shared.ts';

export interface CheckResult {
  /** null when there are errors. */
  model: ClusterModel | null;
  /** Errors and warnings, in no particular order. */
  diagnostics: Diagnostic[];
}

/** `model: false`: the diagnostics only (`model` is null): `ksvc check` builds no model. */
export function checkFile(file: FileNode, source: SourceFile, options: { model?: boolean } = {}): CheckResult {
  const ctx = makeContext(source);
  const draft = collectFile(ctx, file);
  runRules(allRules, ctx, draft);
  const model = hasErrors(ctx.diagnostics) || options.model === false ? null : assembleModel(ctx, draft);
  return { model, diagnostics: shownDiagnostics(ctx.diagnostics) };
}

/** Every rule but the shared ones, which need the whole file: a part is checked by these. */
const partRules = allRules.filter((r) => r !== sharedClusterRules);

export interface PartCheck extends CheckResult {
  /** The part's facts for the shared rules, holding nothing of its AST. */
  facts: ClusterFacts<Span | null>;
}

/**
 * Check a part of a file: its cluster and node blocks and some of its services (the parts pipeline,
 * compiler/lower-in-parts.ts). Every rule but the shared ones runs, and sees only this part; the
 * caller runs the shared rules (runSharedRulesOn) on the facts of all parts together.
 */
export function checkPart(file: FileNode, source: SourceFile): PartCheck {
  const ctx = makeContext(source);
  const draft = collectFile(ctx, file);
  runRules(partRules, ctx, draft);
  const model = hasErrors(ctx.diagnostics) ? null : assembleModel(ctx, draft);
  return { model, diagnostics: ctx.diagnostics, facts: clusterFacts(draft, true) };
}
