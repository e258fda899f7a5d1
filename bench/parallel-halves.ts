// Would a second thread speed compile's front end up? Lower a generated file's two halves (each with
// the cluster and node blocks) on two threads, the worker's programs brought back by structured
// clone, against the whole file on one thread. Timing only: the cross-half rules are not run, so
// this is an upper bound of what a two-thread lower-in-parts could gain. Bundle it first, so that
// the worker loads what the CLI would load (not tsx):
//   npx esbuild bench/parallel-halves.ts --bundle --platform=node --format=esm --outfile=/tmp/par.mjs
//   node /tmp/par.mjs FILE one    # one thread
//   node /tmp/par.mjs FILE two    # two threads
import { readFileSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { makeSourceFile } from '../common/source.ts';
import { lowerKsvcInParts } from '../compiler/lower-in-parts.ts';

/** The file cut at the service block nearest its middle; each half keeps the blocks before the first service. */
function halves(text: string): [string, string] {
  const first = text.indexOf('\nservice ');
  const mid = text.indexOf('\nservice ', Math.floor(text.length / 2));
  return [text.slice(0, mid + 1), text.slice(0, first + 1) + text.slice(mid + 1)];
}

const lowerHalf = (name: string, text: string) => lowerKsvcInParts(makeSourceFile(name, text), { node: 'node-01' });

if (isMainThread) {
  const [file, mode = 'two'] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: node par.mjs FILE one|two');
  const t0 = performance.now();
  const text = readFileSync(file, 'utf8');
  if (mode === 'one') {
    const r = lowerHalf(file, text);
    console.log(
      `one thread: ${(performance.now() - t0).toFixed(0)} ms, ${r?.programs?.[0]?.servicePorts.length} service ports`,
    );
  } else {
    const [a, b] = halves(text);
    const worker = new Worker(new URL(import.meta.url), { workerData: b });
    const back = new Promise<ReturnType<typeof lowerHalf>>((resolve) => worker.on('message', resolve));
    const mine = lowerHalf('first half', a);
    const mainDone = performance.now() - t0;
    const theirs = await back;
    const total = performance.now() - t0;
    await worker.terminate();
    const ports = (mine?.programs?.[0]?.servicePorts.length ?? 0) + (theirs?.programs?.[0]?.servicePorts.length ?? 0);
    console.log(`two threads: ${total.toFixed(0)} ms (main half ${mainDone.toFixed(0)} ms), ${ports} service ports`);
  }
} else {
  parentPort!.postMessage(lowerHalf('second half', workerData as string));
}
