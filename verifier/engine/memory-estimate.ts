// A check's memory grows with the square of one service port's endpoint count: each of its
// classes (a few per endpoint) holds a distribution over every endpoint. The distributions share
// their exact weights (chain-eval.ts, shared-steps.ts), so it is N² entries, no longer N² weights of
// 31·N bits each: 1,200 endpoints take 612 MiB, where they filled the default 4 GB heap until V8
// ended the process. Still refused first, with a reason, past what the heap can hold.
import { heapBudget, memoryText } from '../../common/heap-budget.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { UnsupportedRuleset } from './unsupported.ts';

/**
 * Heap per endpoint squared of the largest service port, under what peak memory grows by (one
 * LoadBalancer with eTP=Local, 400 → 1,200 endpoints: 234 → 612 MiB, 295 B; a ClusterIP, 400 → 800:
 * 213 → 375 MiB, 337 B): refused only when it cannot fit (3,300 endpoints at the default heap).
 */
export const CHECK_BYTES_PER_ENDPOINT_SQUARED = 300;

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
