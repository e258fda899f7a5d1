// The child side of `verify --jobs` (cli/verify-jobs.ts): read a job (cli/verify-wire.ts) from
// standard input, rebuild the model from the parent's input texts exactly as the parent built it,
// check the job's node, and write the result to standard output. The parent shows the model's own
// diagnostics; the child returns only what lowering and the check add, as verifyModel does.
import { type CliIO, EXIT_OK, EXIT_USAGE, MAX_KUBE_INPUT_BYTES, readInputFile } from './io.ts';
import { decodeWire, encodeWire, type VerifyJob } from './verify-wire.ts';

/** The job holds every input text: up to several inputs of MAX_KUBE_INPUT_BYTES, JSON-escaped. */
const MAX_JOB_BYTES = 8 * MAX_KUBE_INPUT_BYTES;

export async function runVerifyJob(io: CliIO): Promise<number> {
  const read = readInputFile(io, '-', MAX_JOB_BYTES);
  if (!read.ok) {
    io.stderr(`ksvc verify --internal-job: ${read.message}\n`);
    return EXIT_USAGE;
  }
  const job = decodeWire<VerifyJob>(read.text);
  const model = await modelOf(job);
  if (model === null) {
    io.stderr('ksvc verify --internal-job: the input has errors here but had none in the parent\n');
    return EXIT_USAGE;
  }
  const { verifyModel } = await import('../api/verify.ts');
  const result = verifyModel(model, {
    nodes: [job.node],
    lowering: job.lowering,
    withHooks: job.withHooks,
    maxFindings: job.maxFindings,
    shapes: job.shapes,
    ...(job.family ? { family: job.family } : {}),
    ...(job.tvBound ? { tvBound: job.tvBound } : {}),
  });
  io.stdout(encodeWire(result));
  return EXIT_OK;
}

async function modelOf(job: VerifyJob) {
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
