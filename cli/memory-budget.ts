// What a run would need to hold, against what the process may use: a ruleset of millions of
// endpoints (a 63 MB .ksvc with 4.5 million on one service) filled the heap while rendering, and
// V8 ends such a process after minutes of collecting, with its own stack trace. Refused first.
import { heapBudget, MORE_HEAP_HINT, memoryText } from '../common/heap-budget.ts';
import type { IRProgram } from '../compiler/ir/types.ts';

/** A compile's peak per endpoint of every service port, front end included (1 million: 1.9 GB, both backends). */
export const COMPILE_BYTES_PER_ENDPOINT = 2000;

/** Why the programs are too large to render within `budget` bytes, or null. */
export function renderMemoryRefusal(
  programs: readonly IRProgram[],
  bytesPerEndpoint: number,
  budget = heapBudget(),
): string | null {
  let endpoints = 0;
  for (const p of programs) for (const sp of p.servicePorts) endpoints += sp.endpoints.length;
  const need = endpoints * bytesPerEndpoint;
  if (need <= budget) return null;
  return `${endpoints.toLocaleString('en-US')} endpoints over the service ports would take about ${memoryText(need)} of memory to render, more than the ${memoryText(budget)} this process may use; ${MORE_HEAP_HINT} or compile fewer services at once`;
}
