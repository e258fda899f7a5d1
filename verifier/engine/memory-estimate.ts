// A check's memory grows with the square of one service port's endpoint count: each of its
// classes (a few per endpoint) holds a distribution over every endpoint, whose exact weights grow
// by 31 bits per statistic rule. 400 endpoints took 680 MiB, and a review saw one service of 1,200
// endpoints fill the default 4 GB heap until V8 ended the process. Refused first, with a reason.
import { heapBudget, memoryText } from '../../common/heap-budget.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { UnsupportedRuleset } from './unsupported.ts';

/**
 * Heap per endpoint squared of the largest service port, under the 3.6 KB measured (a ClusterIP
 * and an eTP=Local LoadBalancer of 200 and 400 endpoints alike): refused only when it cannot fit.
 */
export const CHECK_BYTES_PER_ENDPOINT_SQUARED = 3000;

/** What a check would take, beyond what the process may use (api/checked.ts says it as verify-too-large). */
export class CheckTooLarge extends UnsupportedRuleset {
  constructor(
    readonly servicePort: string,
    readonly endpoints: number,
    readonly need: string,
    readonly budget: string,
  ) {
    super(
      `service port ${servicePort} has ${endpoints} endpoints: checking it would take about ${need}, more than ${budget}`,
    );
  }
}

/** Throws CheckTooLarge when `ir`'s largest service port cannot be checked in `budget` bytes. */
export function refuseOversizedCheck(ir: IRProgram, budget = heapBudget()): void {
  let largest: IRProgram['servicePorts'][number] | null = null;
  for (const sp of ir.servicePorts)
    if (largest === null || sp.endpoints.length > largest.endpoints.length) largest = sp;
  if (largest === null) return;
  const n = largest.endpoints.length;
  const need = n * n * CHECK_BYTES_PER_ENDPOINT_SQUARED;
  if (need <= budget) return;
  throw new CheckTooLarge(largest.servicePortName, n, memoryText(need), memoryText(budget));
}
