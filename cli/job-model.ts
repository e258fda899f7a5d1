// What a child of --jobs (cli/child-jobs.ts) does first: read its job from standard input, and
// rebuild the model from the input texts its parent read, the way the parent built it
// (cli/load-input.ts): a .ksvc file parsed and checked, or Kubernetes objects imported.
import type { KubeImportOptions } from '../api/kubernetes.ts';
import type { ClusterModel } from '../compiler/model.ts';
import { type CliIO, MAX_KUBE_INPUT_BYTES, readInputFile } from './io.ts';
import { decodeWire, type JobSource } from './job-wire.ts';

export interface JobInput {
  input: 'ksvc' | 'k8s';
  /** the input files as the parent read them, in order */
  sources: JobSource[];
  /** Kubernetes input: the import's options */
  kube: KubeImportOptions | null;
}

/** Null when the input has errors (the parent had none: it starts no job then). */
export async function modelOfJobInput(job: JobInput): Promise<ClusterModel | null> {
  if (job.input === 'k8s') {
    const { readKubernetes } = await import('../api/kubernetes.ts');
    const r = readKubernetes(
      job.sources.map((s) => ({ file: s.path, text: s.text })),
      job.kube ?? {},
    );
    return r.diagnostics.some((d) => d.severity === 'error') ? null : r.model;
  }
  const { parse, check } = await import('../api/ksvc.ts');
  const source = job.sources[0];
  if (source === undefined) return null;
  const checked = check(parse(source.text, { file: source.path }));
  return checked.diagnostics.some((d) => d.severity === 'error') ? null : checked.model;
}

/** A job's input: what the parent loaded (its sources' paths and texts, in order) and how. */
export const jobInputOf = (
  loaded: { sources: ReadonlyMap<string, { path: string; text: string }> },
  kube: KubeImportOptions | null,
): JobInput => ({
  input: kube ? 'k8s' : 'ksvc',
  sources: [...loaded.sources.values()].map((s) => ({ path: s.path, text: s.text })),
  kube,
});

/** A job holds every input text: up to several inputs of MAX_KUBE_INPUT_BYTES, JSON-escaped. */
export const MAX_JOB_BYTES = 8 * MAX_KUBE_INPUT_BYTES;

/** The job on standard input; a message on standard error and null when it cannot be read. */
export function readJob<J>(io: CliIO, command: string): J | null {
  const read = readInputFile(io, '-', MAX_JOB_BYTES);
  if (!read.ok) {
    io.stderr(`ksvc ${command} --internal-job: ${read.message}\n`);
    return null;
  }
  try {
    return decodeWire<J>(read.text);
  } catch {
    io.stderr(`ksvc ${command} --internal-job: standard input is not a job (it is written by --jobs)\n`);
    return null;
  }
}

export const INPUT_CHANGED = 'the input has errors here but had none in the parent';
