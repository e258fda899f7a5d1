// The child side of `diff --jobs` (cli/child-jobs.ts): read a job from standard input, rebuild both
// versions' models from the parent's input texts, compare the job's node (cli/diff-node.ts) and
// write its runs and diagnostics to standard output. The parent shows the models' own diagnostics.
import { type DiffNodeOptions, diffNode } from './diff-node.ts';
import { type CliIO, EXIT_OK, EXIT_USAGE } from './io.ts';
import { INPUT_CHANGED, type JobInput, modelOfJobInput, readJob } from './job-model.ts';
import { encodeWire } from './job-wire.ts';

/** One child's work: both versions' inputs, read by the parent, and the comparison of one node. */
export interface DiffJob extends Omit<DiffNodeOptions, 'progressFor'> {
  old: JobInput;
  new: JobInput;
  node: string | null;
}

export async function runDiffJob(io: CliIO): Promise<number> {
  const job = readJob<DiffJob>(io, 'diff');
  if (job === null) return EXIT_USAGE;
  const [before, after] = [await modelOfJobInput(job.old), await modelOfJobInput(job.new)];
  if (before === null || after === null) {
    io.stderr(`ksvc diff --internal-job: ${INPUT_CHANGED}\n`);
    return EXIT_USAGE;
  }
  const { old: _o, new: _n, node, ...options } = job;
  io.stdout(encodeWire(await diffNode({ old: before, new: after }, node, options)));
  return EXIT_OK;
}
