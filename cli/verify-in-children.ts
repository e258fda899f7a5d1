// `ksvc verify --jobs N` (cli/child-jobs.ts): one node and IP family per child process, N at a
// time, the results put back together as verifyModel gives them for every node at once — runs
// node by node, each node's families in order; diagnostics: each node's shared ones (lowering,
// reading its nftables document, which holds every family) once, then each family's own.
import type { VerifyResult } from '../api/verify.ts';
import type { Family } from '../common/ip.ts';
import type { ClusterModel } from '../compiler/model.ts';
import type { VerifyJob } from './verify-job-child.ts';

export async function verifyInChildren(
  model: ClusterModel,
  job: Omit<VerifyJob, 'node' | 'checkFamily'>,
  nodes: readonly (string | null)[],
  jobs: number,
  cwd: string,
  onDone: (done: number, total: number) => void,
): Promise<VerifyResult | string> {
  const { runInChildren } = await import('./child-jobs.ts');
  const { familiesOf } = await import('../api/lower.ts');
  // the families lowering gives every node, in its order (verifyPrograms then keeps --family's)
  const only = job.options.family;
  const families: (Family | null)[] = familiesOf(model).filter((f) => only === undefined || f === only);
  const split = families.length > 1 ? families : [null];
  const units: VerifyJob[] = nodes.flatMap((node) => split.map((checkFamily) => ({ ...job, node, checkFamily })));
  const results = await runInChildren<VerifyJob, VerifyResult>(
    'verify',
    units,
    jobs,
    cwd,
    (j) => `node ${j.node ?? '(none)'}${j.checkFamily ? `, ${j.checkFamily}` : ''}`,
    onDone,
  );
  if (typeof results === 'string') return results;
  return {
    runs: results.flatMap((r) => r.runs),
    // a node's later families repeat its shared diagnostics: kept from its first family only
    diagnostics: results.flatMap((r, i) =>
      i % split.length === 0 ? r.diagnostics : r.diagnostics.slice(r.shared ?? 0),
    ),
  };
}
