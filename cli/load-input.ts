// Read the input of compile-like commands into a checked model: a .ksvc file through the front end
// (compiler/load-ksvc.ts), or Kubernetes YAML/JSON objects through the import (compiler/kube).

import { readFileSync } from 'node:fs';
import type { Diagnostic } from '../common/diagnostics.ts';
import { makeSourceFile, type SourceFile } from '../common/source.ts';
import { importKubernetes, type KubeImportOptions } from '../compiler/kube/index.ts';
import { loadKsvc } from '../compiler/load-ksvc.ts';
import type { ClusterModel } from '../compiler/model.ts';
import { type CliIO, type ReadResult, readInputFile } from './io.ts';

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

/** `-` as an input file: standard input (`kubectl get svc,endpointslices,nodes -A -o yaml | ksvc import -`). */
function readStdin(): ReadResult {
  try {
    return { ok: true, text: readFileSync(0, 'utf8') };
  } catch (e) {
    return { ok: false, message: `-: cannot read standard input: ${(e as Error).message}` };
  }
}

/**
 * Read Kubernetes YAML/JSON files (Service, EndpointSlice, Node objects) into a checked model, as
 * kube-proxy reads them (compiler/kube). Used by `ksvc import` and `ksvc compile --from-k8s`.
 * Cluster settings come from `options` (kube-proxy's flags).
 */
export function loadKubernetesFiles(io: CliIO, files: readonly string[], options: KubeImportOptions): LoadedInput {
  const sources = new Map<string, SourceFile>();
  for (const file of files) {
    const read = file === '-' ? readStdin() : readInputFile(io, file);
    if (!read.ok) return { model: null, diagnostics: [], sources, readError: read.message };
    const name = file === '-' ? '<stdin>' : file;
    sources.set(name, makeSourceFile(name, read.text));
  }
  const result = importKubernetes([...sources.values()], options);
  return { model: result.model, diagnostics: result.diagnostics, sources };
}
