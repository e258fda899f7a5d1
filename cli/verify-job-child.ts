// The child side of `verify --jobs` (cli/child-jobs.ts): read a job from standard input, rebuild
// the model from the parent's input texts, check the job's node, and write the result to standard
// output. The parent shows the model's own diagnostics; the child returns only what lowering and
// the check add, as verifyModel does.
import type { VerifyModelOptions } from '../api/verify.ts';
import type { Family } from '../common/ip.ts';
import { type CliIO, EXIT_OK, EXIT_USAGE } from './io.ts';
import { INPUT_CHANGED, type JobInput, modelOfJobInput, readJob } from './job-model.ts';
import { encodeWire } from './job-wire.ts';

/** One child's work: the model's input, read by the parent, and the check of one node. */
export interface VerifyJob extends JobInput {
  /** verifyModel's options, as the parent would pass them (no progress: a child shows none) */
  options: Omit<VerifyModelOptions, 'nodes' | 'checkFamilies' | 'progress'>;
  node: string | null;
  /**
   * One family of the node (`shared` of the result then counts the diagnostics every family of the
   * node reports: the parent keeps them from the node's first family only); null: every family
   */
  checkFamily: Family | null;
}

export async function runVerifyJob(io: CliIO): Promise<number> {
  const job = readJob<VerifyJob>(io, 'verify');
  if (job === null) return EXIT_USAGE;
  const model = await modelOfJobInput(job);
  if (model === null) {
    io.stderr(`ksvc verify --internal-job: ${INPUT_CHANGED}\n`);
    return EXIT_USAGE;
  }
  const { verifyModel } = await import('../api/verify.ts');
  const result = verifyModel(model, {
    ...job.options,
    nodes: [job.node],
    ...(job.checkFamily ? { checkFamilies: [job.checkFamily] } : {}),
  });
  io.stdout(encodeWire(result));
  return EXIT_OK;
}
