// Read the input of compile-like commands into a checked model through the library (api/): a .ksvc
// file (parse + check), or Kubernetes YAML/JSON objects (readKubernetes). `-` is standard input.
// The library is imported here, when a command runs, not when the CLI starts.

import type { KubeImportOptions, SkippedService } from '../api/kubernetes.ts';
import type { Diagnostic } from '../common/diagnostics.ts';
import type { SourceFile } from '../common/source.ts';
import type { IRProgram } from '../compiler/ir/types.ts';
import type { LowerOptions } from '../compiler/lower/index.ts';
import type { ClusterModel } from '../compiler/model.ts';
import { type CliIO, type InputFailure, inputFailure, inputName, MAX_KUBE_INPUT_BYTES, readInputFile } from './io.ts';
import { type FileIdentity, sameFile } from './output-file.ts';
import type { Timings } from './timings.ts';

export interface LoadedInput {
  /** null when the input has errors (or could not be read: see `readError`). */
  model: ClusterModel | null;
  diagnostics: Diagnostic[];
  /** The sources read, for diagnostic frames. */
  sources: Map<string, SourceFile>;
  /** The files read (an output file must not be one of them). */
  inputs: FileIdentity[];
  /** A usage-level failure (unreadable file): exit 2, not 1. */
  readError?: InputFailure;
  /** Kubernetes input: the services kube-proxy writes nothing for (named in import's output). */
  skipped?: SkippedService[];
}

const unreadable = (failure: InputFailure): LoadedInput => ({
  model: null,
  diagnostics: [],
  sources: new Map(),
  inputs: [],
  readError: failure,
});

/** `model: false`: diagnostics only (`ksvc check`), `model` is then null. */
export async function loadKsvcFile(
  io: CliIO,
  file: string,
  time?: Timings,
  options: { model?: boolean } = {},
): Promise<LoadedInput> {
  const read = readInputFile(io, file);
  if (!read.ok) return unreadable(read);
  return loadKsvcText(file, read, time, options);
}

/** What lowerKsvcText gives: the programs (null: the file has errors) and the check's diagnostics. */
export interface LoweredInput {
  programs: IRProgram[] | null;
  diagnostics: Diagnostic[];
  /** The source read, for diagnostic frames. */
  sources: Map<string, SourceFile>;
}

/**
 * A .ksvc file already read, lowered a part at a time (api/ksvc.ts lowerText) without its whole
 * model in memory; null when the ordinary path (loadKsvcText, then lower) must be taken.
 */
export async function lowerKsvcText(
  file: string,
  read: { text: string },
  options: LowerOptions,
): Promise<LoweredInput | null> {
  const { lowerText } = await import('../api/ksvc.ts');
  const lowered = lowerText(read.text, { ...options, file: inputName(file) });
  if (lowered === null) return null;
  const { programs, diagnostics, source } = lowered;
  return { programs, diagnostics, sources: new Map([[source.path, source]]) };
}

/** loadKsvcFile on a file already read. */
export async function loadKsvcText(
  file: string,
  read: { text: string; identity?: FileIdentity | undefined },
  time?: Timings,
  options: { model?: boolean } = {},
): Promise<LoadedInput> {
  const { parse, check } = await import('../api/ksvc.ts');
  time?.mark('read');
  const parsed = parse(read.text, { file: inputName(file) });
  time?.mark('parse');
  const checked = check(parsed, options);
  time?.mark('check');
  return {
    model: checked.model,
    diagnostics: checked.diagnostics,
    sources: new Map([[parsed.source.path, parsed.source]]),
    inputs: read.identity ? [read.identity] : [],
  };
}

/**
 * Read Kubernetes YAML/JSON files (Service, EndpointSlice, Node objects) into a checked model, as
 * kube-proxy reads them. Used by `ksvc import` and `ksvc compile --from-k8s`. Cluster settings come
 * from `options` (kube-proxy's flags).
 */
export async function loadKubernetesFiles(
  io: CliIO,
  files: readonly string[],
  options: KubeImportOptions,
): Promise<LoadedInput> {
  if (files.filter((f) => f === '-').length > 1)
    return unreadable(inputFailure('-', 'standard input can be given only once'));
  const texts: { file: string; text: string }[] = [];
  const inputs: FileIdentity[] = [];
  for (const file of files) {
    const read = readInputFile(io, file, MAX_KUBE_INPUT_BYTES);
    if (!read.ok) return unreadable(read);
    // the same file twice (two names for it, a glob and a name): every object would be its own duplicate
    const id = read.identity;
    if (id && sameFile(id, inputs)) {
      return unreadable(inputFailure(file, 'the same file is given twice'));
    }
    texts.push({ file: inputName(file), text: read.text });
    if (id) inputs.push(id);
  }
  const { readKubernetes } = await import('../api/kubernetes.ts');
  const result = readKubernetes(texts, options);
  return {
    model: result.model,
    diagnostics: result.diagnostics,
    sources: new Map(result.sources.map((s) => [s.path, s])),
    inputs,
    skipped: result.skipped,
  };
}
