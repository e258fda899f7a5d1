// One full garbage collection between lowering and the backend, for large inputs. Lowering a file
// a part at a time leaves tens of MB of promoted garbage in V8's old generation (each part's AST and
// model); collected now, the backend's allocations reuse those pages instead of faulting in fresh
// memory, which costs 10–14 µs a page on the machines ksvc is measured on. At 10,000 services:
// 4,000–12,000 fewer page faults and 2–5 % less time (docs/benchmarks.md, tenth session).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { IRProgram } from '../compiler/ir/types.ts';

/** Below this many service ports the garbage is small and a collection is not worth its few ms. */
export const COLLECT_FROM_SERVICE_PORTS = 2000;

export const worthCollecting = (programs: readonly IRProgram[]): boolean =>
  programs.reduce((n, p) => n + p.servicePorts.length, 0) >= COLLECT_FROM_SERVICE_PORTS;

/**
 * A full collection now; false when this Node cannot be asked for one. `gc` is V8's, exposed on
 * a fresh context once --expose-gc is set (a flag read when a context is made, so it can be set
 * now); without it the process goes on as before.
 */
export function collectGarbageNow(): boolean {
  try {
    const exposed = (globalThis as { gc?: unknown }).gc;
    if (typeof exposed === 'function') {
      exposed();
      return true;
    }
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    if (typeof gc !== 'function') return false;
    gc();
    return true;
  } catch {
    return false;
  }
}
