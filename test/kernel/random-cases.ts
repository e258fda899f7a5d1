// Random valid models for the kernel packet tests (packet-property.test.ts, scripts/fuzz-kernel.ts):
// a model (test/property/arbitrary-model.ts), a family and a netfilter environment per seed, lowered
// for the model's first node, and run through both backends in real namespaces (matrix.ts).
import fc from 'fast-check';
import type { Family } from '../../common/ip.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import { arbitraryModel } from '../property/arbitrary-model.ts';
import { iptablesBackend, nftablesBackend } from './load.ts';
import { type DifferentialReport, formatReport, runDifferential } from './matrix.ts';

const caseArbOf = (topology: boolean) =>
  fc.record({
    model: arbitraryModel({ maxServices: 4, maxEndpoints: 5, maxNodes: 3, topology }),
    family: fc.constantFrom<Family>('ipv4', 'ipv6'),
    environment: fc.record({ randomFully: fc.boolean(), nfacct: fc.boolean(), conntrackLiberal: fc.boolean() }),
  });
const caseArb = caseArbOf(false);
/** With node zones and topology hints (a campaign's --topology on; the seeded tests keep caseArb). */
const topologyCaseArb = caseArbOf(true);

type CaseInput = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function caseOf(c: CaseInput) {
  const lowered = lowerModel(c.model, { node: c.model.nodes[0]?.name, family: c.family, environment: c.environment });
  const ir: IRProgram | null = lowered.programs[0] ?? null;
  return { ...c, lowered, ir, probed: ir !== null && ir.servicePorts.length > 0 };
}

export type KernelCase = ReturnType<typeof caseOf>;

/** `count` cases from one seed (a fixed sample: the same cases in every run). */
export const kernelCases = (seed: number, count: number, options: { topology?: boolean } = {}): KernelCase[] =>
  fc.sample(options.topology ? topologyCaseArb : caseArb, { numRuns: count, seed }).map(caseOf);

/** The case of one seed (a campaign's unit: the seed and --topology reproduce it). */
export const kernelCase = (seed: number, options: { topology?: boolean } = {}): KernelCase =>
  kernelCases(seed, 1, options)[0]!;

/** Both backends of a probed case through the differential runner. */
export function runKernelCase(c: KernelCase, tag: string): Promise<DifferentialReport> {
  const ir = c.ir!;
  return runDifferential(ir, [iptablesBackend(ir), nftablesBackend(ir)], { tag });
}

/** A failed case, readable: the model, the environment and every cell. */
export const describeKernelCase = (c: KernelCase, r: DifferentialReport): string =>
  `model ${JSON.stringify(c.model)}\nenvironment ${JSON.stringify(c.environment)}\n` +
  formatReport(r, [iptablesBackend(c.ir!), nftablesBackend(c.ir!)]);
