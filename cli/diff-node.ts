// One node of `ksvc diff` on two versions of a cluster: each family lowered for both versions,
// compiled to the backend and compared (api/diff.ts diffRouting). Run by diff itself, node after
// node, or by a child of `diff --jobs` (cli/diff-job-child.ts) for its node.
import type { DiffRun } from '../api/diff.ts';
import type { VerifyProgress } from '../api/verify.ts';
import { appendAll } from '../common/append.ts';
import type { Diagnostic } from '../common/diagnostics.ts';
import type { Family } from '../common/ip.ts';
import type { LowerOptions } from '../compiler/lower/index.ts';
import type { ClusterModel } from '../compiler/model.ts';
import type { Backend } from '../verifier/model/program.ts';
import { inputName } from './io.ts';

export interface DiffNodeOptions {
  backend: Backend;
  maxChanges: number;
  shapes: boolean;
  lowering: Omit<LowerOptions, 'node' | 'family'>;
  /** the families compared (both versions' together, or --family) */
  families: Family[];
  /** OLD and NEW as given on the command line (the name lowering's diagnostics show) */
  files: [string, string];
  progressFor?: (what: string) => { progress?: (p: VerifyProgress) => void };
}

export async function diffNode(
  models: { old: ClusterModel; new: ClusterModel },
  node: string | null,
  o: DiffNodeOptions,
): Promise<{ runs: DiffRun[]; diagnostics: Diagnostic[] }> {
  const api = await import('../api/diff.ts');
  const { lower } = await import('../api/lower.ts');
  const runs: DiffRun[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const family of o.families) {
    const lowerFor = (model: ClusterModel, file: string) => {
      const r = lower(model, { ...o.lowering, ...(node === null ? {} : { node }), family, file: inputName(file) });
      // a family one version does not use is compared as its fixed chains alone
      return { program: r.programs[0], diagnostics: r.diagnostics.filter((d) => d.code !== 'family-unused') };
    };
    const [before, after] = [lowerFor(models.old, o.files[0]), lowerFor(models.new, o.files[1])];
    appendAll(diagnostics, forReview(before.diagnostics, after.diagnostics));
    if (!before.program || !after.program) continue;
    const r = api.diffRouting(before.program, after.program, {
      backend: o.backend,
      maxChanges: o.maxChanges,
      shapes: o.shapes,
      ...(o.progressFor?.(`compiling and reading ${family}`) ?? {}),
    });
    appendAll(diagnostics, r.diagnostics);
    runs.push(r.run);
  }
  return { runs, diagnostics };
}

/** The errors of either version; of the warnings, the new version's that the old one did not have. */
export function forReview(old: readonly Diagnostic[], next: readonly Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic) => `${d.code} ${d.message}`;
  const before = new Set(old.map(key));
  return [
    ...old.filter((d) => d.severity === 'error'),
    ...next.filter((d) => d.severity === 'error' || !before.has(key(d))),
  ];
}
