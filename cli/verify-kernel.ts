// `verify --kernel`: the model's rulesets checked as the kernel holds them. For each node and
// family the IR's iptables and nft rulesets are loaded into throw-away namespaces and listed back
// (cli/kernel-listing.ts); the listings are then verified against the IR and each other exactly as
// `verify --iptables --nft --model` verifies artifacts from a node.
import type { CheckOptions, VerifyResult, VerifyRun } from '../api/verify.ts';
import { appendAll } from '../common/append.ts';
import type { Diagnostic } from '../common/diagnostics.ts';
import type { Family } from '../common/ip.ts';
import type { LowerOptions } from '../compiler/lower/index.ts';
import type { ClusterModel } from '../compiler/model.ts';
import { kernelListings } from './kernel-listing.ts';

export interface KernelVerifyOptions {
  nodes: readonly (string | null)[];
  family: Family | undefined;
  lowering: Omit<LowerOptions, 'node' | 'family'>;
  check: CheckOptions;
}

/** The result, or the sentence saying which step in the kernel failed. */
export async function verifyInKernel(model: ClusterModel, o: KernelVerifyOptions): Promise<VerifyResult | string> {
  const api = await import('../api/verify.ts');
  const { lower } = await import('../api/lower.ts');
  const runs: VerifyRun[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const node of o.nodes) {
    const lowered = lower(model, { ...o.lowering, ...(node === null ? {} : { node }) });
    appendAll(diagnostics, lowered.diagnostics);
    for (const ir of lowered.programs) {
      if (o.family !== undefined && ir.family !== o.family) continue;
      let listings: ReturnType<typeof kernelListings>;
      try {
        listings = kernelListings(ir);
      } catch (e) {
        return (e as Error).message;
      }
      const r = api.verifyArtifacts({ ...o.check, ...listings, programs: [ir], family: ir.family });
      appendAll(runs, r.runs);
      appendAll(diagnostics, r.diagnostics);
    }
  }
  return { runs, diagnostics };
}
