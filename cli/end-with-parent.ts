// A process started for a ksvc command (verify's engine child, bin/ksvc.cjs; a `--jobs` check child,
// cli/child-jobs.ts) ends once that command has ended. Killed with SIGKILL, the command cannot pass
// anything on, and its child went on computing for as long as the check took (a gigabyte at
// 10,000 services), reparented, its result written to nobody. The child's own work is synchronous,
// so no timer of its main thread would run: a small worker thread asks for the parent's id instead
// and, once the child has been reparented, ends the process with SIGTERM, as `kill` of the command
// would have (a temporary output file is removed, cli/netns.ts's watchdog deletes namespaces).
import { Worker } from 'node:worker_threads';

/** How often the worker looks: a reparented child ends within this. */
const EVERY_MS = 200;

// CommonJS (an eval worker's kind); the process's pid and its parent's id are the process's, not the thread's
const WATCHER = `
const { workerData } = require('node:worker_threads');
const timer = setInterval(() => {
  if (process.ppid === workerData.parent) return;
  clearInterval(timer);
  process.kill(process.pid, 'SIGTERM');
}, workerData.everyMs);
`;

/** End this process soon after `parent` is no longer its parent; at once when it already is not. */
export function endWithParent(parent: number): void {
  if (process.ppid !== parent) {
    process.kill(process.pid, 'SIGTERM');
    return;
  }
  try {
    const worker = new Worker(WATCHER, { eval: true, workerData: { parent, everyMs: EVERY_MS } });
    worker.unref(); // never what keeps the process running
    worker.on('error', () => {}); // a watcher that cannot run leaves the command as it was
  } catch {
    // no thread to be had (resource limits): the command runs on without the watcher
  }
}
