// Read the input of compile-like commands into a checked model: a .ksvc file through the front end
// (compiler/front.ts). Kubernetes YAML (--from-k8s) is added by the import work.
import type { Diagnostic } from '../common/diagnostics.ts';
import { makeSourceFile, type SourceFile } from '../common/source.ts';
import { loadKsvc } from '../compiler/front.ts';
import type { ClusterModel } from '../compiler/model.ts';
import { readInputFile, type CliIO } from './io.ts';

export interface LoadedInput {
  /** null when the input has errors (or could not be read: see `readError`). */
  model: ClusterModel | null;
  diagnostics: Diagnostic[];
  /** The sources read, for diagnostic frames. */
  sources: Map<string, SourceFile>;
  /** A usage-level failure (unreadable file): exit 2, not 1. */
  readError?: string;
}

export function loadKsvcFile(io: CliIO, file: string): LoadedInput {
  const read = readInputFile(io, file);
  if (!read.ok) return { model: null, diagnostics: [], sources: new Map(), readError: read.message };
  const source = makeSourceFile(file, read.text);
  const front = loadKsvc(source);
  return { model: front.model, diagnostics: front.diagnostics, sources: new Map([[file, source]]) };
}
