// The heap a run may fill: most of V8's limit for this process, the rest for what is not counted.
// What refuses an input too large to hold (cli/memory-budget.ts, compiler/kube/yaml-size.ts) measures against it.
import { getHeapStatistics } from 'node:v8';

/** V8's default --max-semi-space-size on 64-bit, in MiB. */
const DEFAULT_SEMI_SPACE_MIB = 16;

/**
 * --max-semi-space-size as this process was started with it (MiB): the command line's last, else
 * NODE_OPTIONS' last (the command line wins), else V8's default.
 */
export function semiSpaceMiB(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): number {
  const last = (args: readonly string[]): number | null => {
    let found: number | null = null;
    for (let i = 0; i < args.length; i++) {
      const m = /^--max[-_]semi[-_]space[-_]size(?:=(.*))?$/.exec(args[i]!);
      if (!m) continue;
      const n = Number(m[1] ?? args[i + 1]);
      if (Number.isFinite(n) && n > 0) found = n;
    }
    return found;
  };
  return last(execArgv) ?? last(nodeOptions.split(/\s+/).filter(Boolean)) ?? DEFAULT_SEMI_SPACE_MIB;
}

/**
 * heap_size_limit is the old generation's limit plus the young generation's: three semi-spaces, 48
 * MiB at V8's default and 96 MiB under the --max-semi-space-size=32 verify and diff run with
 * (bin/ksvc.cjs). What a run holds lives in the old generation, so the budget is most of that: with
 * --max-old-space-size=100 under verify's flags, 80 MiB, not 157 (a check the young generation was
 * counted for passed the guard and filled the heap until V8 ended the process).
 */
export const heapBudget = (limit = getHeapStatistics().heap_size_limit, semiSpace = semiSpaceMiB()): number => {
  const young = 3 * semiSpace * 2 ** 20;
  // a young generation V8 sized smaller than the flags say never leaves less than half the limit
  return Math.max(limit - young, limit / 2) * 0.8;
};

/** Bytes as a refusal says them: GiB with one decimal, MiB below one GiB, KiB below one MiB. */
export const memoryText = (n: number): string =>
  n >= 2 ** 30
    ? `${(n / 2 ** 30).toFixed(1)} GiB`
    : n >= 2 ** 20
      ? `${Math.ceil(n / 2 ** 20)} MiB`
      : `${Math.ceil(n / 2 ** 10)} KiB`;

/** What a refusal for memory says to do about it. */
export const MORE_HEAP_HINT = 'give Node more (NODE_OPTIONS=--max-old-space-size=MiB)';
