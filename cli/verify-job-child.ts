// The child side of `verify --jobs` (cli/child-jobs.ts): read a job from standard input, rebuild
// the model from the parent's input texts, check the job's node, and write the result to standard
// output. The parent shows the model's own diagnostics; the child returns only what lowering and
// the check add, as verifyModel does.
import type { VerifyResult } from '../api/verify.ts';
import type { Family } from '../common/ip.ts';
import type { Rational } from '../compiler/ir/outcome.ts';
import type { LowerOptions } from '../compiler/lower/index.ts';
import { type CliIO, EXIT_OK, EXIT_USAGE } from './io.ts';
import { INPUT_CHANGED, type JobInput, modelOfJobInput, readJob } from './job-model.ts';
import { encodeWire } from './job-wire.ts';

/** One child's work: the model's input, read by the parent, and the check of one node. */
export interface VerifyJob extends JobInput {
  lowering: Omit<LowerOptions, 'node' | 'family'>;
  family: Family | null;
  withHooks: boolean;
  tvBound: Rational | null;
  maxFindings: number;
  shapes: boolean;
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
  const { verifyPrograms } = await import('../api/verify.ts');
  const { lower } = await import('../api/lower.ts');
  // as verifyModel does for one node: every family lowered, then verified (or one of them checked)
  const lowered = lower(model, { ...job.lowering, ...(job.node === null ? {} : { node: job.node }) });
  const r = verifyPrograms(lowered.programs, job.node, {
    withHooks: job.withHooks,
    maxFindings: job.maxFindings,
    shapes: job.shapes,
    ...(job.family ? { family: job.family } : {}),
    ...(job.tvBound ? { tvBound: job.tvBound } : {}),
    ...(job.checkFamily ? { checkFamilies: [job.checkFamily] } : {}),
  });
  const result: VerifyResult = {
    runs: r.runs,
    diagnostics: [...lowered.diagnostics, ...r.diagnostics],
    shared: lowered.diagnostics.length + (r.shared ?? 0),
  };
  io.stdout(encodeWire(result));
  return EXIT_OK;
}
