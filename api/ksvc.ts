// The .ksvc front end as library functions: text -> AST (parse) -> checked model (check), and the
// canonical layout (format). Diagnostics are data; nothing here prints or throws for bad input.
import { type Diagnostic, hasErrors } from '../common/diagnostics.ts';
import { makeSourceFile, type SourceFile } from '../common/source.ts';
import { checkFile } from '../compiler/check/index.ts';
import type { IRProgram } from '../compiler/ir/types.ts';
import type { LowerOptions } from '../compiler/lower/index.ts';
import { lowerKsvcInParts } from '../compiler/lower-in-parts.ts';
import type { ClusterModel } from '../compiler/model.ts';
import type { FileNode } from '../grammar/ast.ts';
import { formatFile } from '../grammar/format.ts';
import { parseKsvc } from '../grammar/parse-ksvc.ts';

export interface SourceOptions {
  /** The file name diagnostics carry (default "input.ksvc"). */
  file?: string;
}

export interface Parsed {
  /** The syntax tree; with syntax errors, what could be read around them. */
  ast: FileNode;
  /** The text with its line index (for rendering diagnostics with source frames). */
  source: SourceFile;
  diagnostics: Diagnostic[];
}

export interface Checked {
  /** null when the input has errors (syntax or semantic). */
  model: ClusterModel | null;
  /** Syntax and semantic diagnostics, errors and warnings. */
  diagnostics: Diagnostic[];
}

/** Parse .ksvc text into an AST with source ranges (1-based lines and columns). Never throws. */
export function parse(text: string, options: SourceOptions = {}): Parsed {
  const source = makeSourceFile(options.file ?? 'input.ksvc', text);
  const parsed = parseKsvc(source);
  return { ast: parsed.file, source, diagnostics: parsed.diagnostics };
}

export interface CheckModelOptions {
  /** false: report the diagnostics only, without building the model (`model` is then null). */
  model?: boolean;
}

/**
 * Check a parse result into the cluster model (docs/language.md): every semantic rule, with coded
 * diagnostics. A parse with syntax errors is not checked: its diagnostics are returned as they are.
 */
export function check(parsed: Parsed, options: CheckModelOptions = {}): Checked {
  if (hasErrors(parsed.diagnostics)) return { model: null, diagnostics: parsed.diagnostics };
  const checked = checkFile(parsed.ast, parsed.source, options);
  return {
    model: hasErrors(checked.diagnostics) ? null : checked.model,
    diagnostics: [...parsed.diagnostics, ...checked.diagnostics],
  };
}

/** parse + check in one call: the usual way from text to a model. */
export function load(text: string, options: SourceOptions = {}): Checked & { source: SourceFile } {
  const parsed = parse(text, options);
  return { ...check(parsed), source: parsed.source };
}

/** The canonical layout of a parsed file (what `ksvc fmt` writes); null when it has syntax errors. */
export function format(parsed: Parsed): string | null {
  return hasErrors(parsed.diagnostics) ? null : formatFile(parsed.ast);
}

/**
 * .ksvc text straight to what `load` and `lower` give, a few hundred services at a time, without
 * the whole file's AST and model ever in memory (compiler/lower-in-parts.ts): the programs with
 * the check's warnings, or (`programs: null`) the errors, exactly as `load` reports them. null when
 * the ordinary path must be taken: a cluster or node block after a service, no service, a service
 * declared twice, more than a screenful of one diagnostic, or lowering would report something.
 * options.file names the file.
 */
export function lowerText(
  text: string,
  options: LowerOptions = {},
): { programs: IRProgram[] | null; diagnostics: Diagnostic[]; source: SourceFile } | null {
  const source = makeSourceFile(options.file ?? 'input.ksvc', text);
  const lowered = lowerKsvcInParts(source, options);
  return lowered === null ? null : { ...lowered, source };
}
