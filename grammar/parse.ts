// PLACEHOLDER — replaced by the chevrotain parser. The signature is fixed: other stages call it.
import type { Diagnostic } from '../common/diagnostics.ts';
import type { SourceFile } from '../common/source.ts';
import type { FileNode } from './ast.ts';

export interface ParseResult {
  file: FileNode;
  diagnostics: Diagnostic[];
}

export function parseKsvc(source: SourceFile): ParseResult {
  const span = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };
  return {
    file: { kind: 'File', span, blocks: [], comments: [] },
    diagnostics: [{ code: 'not-implemented', severity: 'error', message: 'parser not implemented yet', file: source.path, span }],
  };
}
