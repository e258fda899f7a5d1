// What a run would need to hold, against what the process may use: a ruleset of millions of
// endpoints (a 63 MB .ksvc with 4.5 million on one service) filled the heap while rendering, and
// V8 ends such a process after minutes of collecting, with its own stack trace. Refused first.
import { getHeapStatistics } from 'node:v8';
import type { IRProgram } from '../compiler/ir/types.ts';

/** A compile's peak per endpoint of every service port, front end included (1 million: 1.9 GB, both backends). */
export const COMPILE_BYTES_PER_ENDPOINT = 2000;

/** The heap a run may fill: most of V8's limit for this process, the rest for what is not counted. */
export const heapBudget = (): number => getHeapStatistics().heap_size_limit * 0.8;

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
  const gib = (n: number) => (n / 2 ** 30).toFixed(1);
  return `${endpoints.toLocaleString('en-US')} endpoints over the service ports would take about ${gib(need)} GiB of memory to render, more than the ${gib(budget)} GiB this process may use; give Node more (NODE_OPTIONS=--max-old-space-size=MiB) or compile fewer services at once`;
}
