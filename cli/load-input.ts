// Read the input of compile-like commands into a checked model: a .ksvc file through the front end
// (compiler/front.ts), or Kubernetes YAML/JSON objects through the import (compiler/kube).
import type { Diagnostic } from '../common/diagnostics.ts';
import { makeSourceFile, type SourceFile } from '../common/source.ts';
import { loadKsvc } from '../compiler/front.ts';
import { importKubernetes, type KubeImportOptions } from '../compiler/kube/index.ts';
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

/**
 * Read Kubernetes YAML/JSON files (Service, EndpointSlice, Node objects) into a checked model, as
 * kube-proxy reads them (compiler/kube). Used by `ksvc import` and `ksvc compile --from-k8s`.
 * Cluster settings come from `options` (kube-proxy's flags).
 */
export function loadKubernetesFiles(io: CliIO, files: readonly string[], options: KubeImportOptions): LoadedInput {
  const sources = new Map<string, SourceFile>();
  for (const file of files) {
    const read = readInputFile(io, file);
    if (!read.ok) return { model: null, diagnostics: [], sources, readError: read.message };
    sources.set(file, makeSourceFile(file, read.text));
  }
  const result = importKubernetes([...sources.values()], options);
  return { model: result.model, diagnostics: result.diagnostics, sources };
}
