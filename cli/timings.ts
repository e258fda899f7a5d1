// KSVC_TIMINGS=1: each phase of a command on stderr (wall and CPU milliseconds, heap after it),
// measured from process start, for finding where the time of a run goes.
import type { CliIO } from './io.ts';

export interface Timings {
  /** The phase that just ended. */
  mark(phase: string): void;
  /**
   * The same chunks, with the time spent producing them (rendering) counted apart from the time
   * the consumer spends on them (writing); mark() then reports both.
   */
  split<T>(chunks: Iterable<T>): Iterable<T>;
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const NONE: Timings = { mark: () => {}, split: (chunks) => chunks };

export function timings(io: CliIO): Timings {
  if (!io.env.KSVC_TIMINGS) return NONE;
  let wall = performance.now();
  let cpu = cpuMs();
  let produced: { wall: number; cpu: number } | null = null;
  const ms = (n: number) => n.toFixed(0).padStart(5);
  io.stderr(`timing: ${'start'.padEnd(16)} at ${ms(wall)} ms since process start\n`);
  return {
    mark(phase) {
      const w = performance.now();
      const c = cpuMs();
      const mem = process.memoryUsage();
      const parts = produced
        ? ` (producing ${ms(produced.wall).trim()} ms wall ${ms(produced.cpu).trim()} ms cpu, consuming the rest)`
        : '';
      io.stderr(
        `timing: ${phase.padEnd(16)} ${ms(w - wall)} ms wall ${ms(c - cpu)} ms cpu` +
          `  heap ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB, rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB${parts}\n`,
      );
      wall = w;
      cpu = c;
      produced = null;
    },
    *split(chunks) {
      const spent = { wall: 0, cpu: 0 };
      produced = spent;
      const it = chunks[Symbol.iterator]();
      for (;;) {
        const w = performance.now();
        const c = cpuMs();
        const next = it.next();
        spent.wall += performance.now() - w;
        spent.cpu += cpuMs() - c;
        if (next.done) return;
        yield next.value;
      }
    },
  };
}
