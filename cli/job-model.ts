// A child of --jobs (cli/child-jobs.ts) rebuilds the model from the input texts its parent read,
// the way the parent built it (cli/load-input.ts): a .ksvc file parsed and checked, or Kubernetes
// objects imported. Null when the input has errors (the parent had none: it does not start jobs then).
import type { KubeImportOptions } from '../api/kubernetes.ts';
import type { ClusterModel } from '../compiler/model.ts';
import type { JobSource } from './job-wire.ts';

export interface JobInput {
  input: 'ksvc' | 'k8s';
  /** the input files as the parent read them, in order */
  sources: JobSource[];
  /** Kubernetes input: the import's options */
  kube: KubeImportOptions | null;
}

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

/** The job's part of what the parent loaded: its sources' paths and texts, in order. */
export const jobSourcesOf = (sources: ReadonlyMap<string, { path: string; text: string }>): JobSource[] =>
  [...sources.values()].map((s) => ({ path: s.path, text: s.text }));
