// KSVC_TIMINGS=1: each phase of a command on stderr (wall and CPU milliseconds, heap after it),
// measured from process start, for finding where the time of a run goes.
import type { CliIO } from './io.ts';

export interface Timings {
  /** The phase that just ended. */
  mark(phase: string): void;
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export function timings(io: CliIO): Timings {
  if (!io.env.KSVC_TIMINGS) return { mark: () => {} };
  let wall = performance.now();
  let cpu = cpuMs();
  io.stderr(`timing: ${'start'.padEnd(14)} at ${wall.toFixed(0).padStart(5)} ms since process start\n`);
  return {
    mark(phase) {
      const w = performance.now();
      const c = cpuMs();
      const heap = process.memoryUsage();
      io.stderr(
        `timing: ${phase.padEnd(14)} ${(w - wall).toFixed(0).padStart(5)} ms wall ${(c - cpu).toFixed(0).padStart(5)} ms cpu` +
          `  (heap ${(heap.heapUsed / 2 ** 20).toFixed(0)} MiB, rss ${(heap.rss / 2 ** 20).toFixed(0)} MiB)\n`,
      );
      wall = w;
      cpu = c;
    },
  };
}
