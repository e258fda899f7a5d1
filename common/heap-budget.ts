// The heap a run may fill: most of V8's limit for this process, the rest for what is not counted.
// What refuses an input too large to hold (cli/memory-budget.ts, compiler/kube/yaml-size.ts) measures against it.
import { getHeapStatistics } from 'node:v8';

export const heapBudget = (): number => getHeapStatistics().heap_size_limit * 0.8;

/** Bytes as a refusal says them: GiB with one decimal, MiB below one GiB, KiB below one MiB. */
export const memoryText = (n: number): string =>
  n >= 2 ** 30
    ? `${(n / 2 ** 30).toFixed(1)} GiB`
    : n >= 2 ** 20
      ? `${Math.ceil(n / 2 ** 20)} MiB`
      : `${Math.ceil(n / 2 ** 10)} KiB`;

/** What a refusal for memory says to do about it. */
export const MORE_HEAP_HINT = 'give Node more (NODE_OPTIONS=--max-old-space-size=MiB)';
