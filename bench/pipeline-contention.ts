// Would a pipeline on the second core speed compile up? The front end of FILE on the main thread
// and, side by side, a worker rendering an IR saved beforehand with the iptables backend (each
// thread warms up only its own code, unlike bench/parallel-halves.ts), against the two one after
// the other. Timing only (docs/benchmarks.md, issue 10, twenty-fifth session). Bundle it first, so
// that the worker loads what the CLI would load (not tsx):
//   npx esbuild bench/pipeline-contention.ts --bundle --platform=node --format=esm --outfile=/tmp/pc.mjs
//   node /tmp/pc.mjs FILE save      # lower FILE once and save its IR (/tmp/ksvc-pipeline-ir.bin)
//   node /tmp/pc.mjs FILE apart     # front end, then the render
//   node /tmp/pc.mjs FILE together  # both at once
import { readFileSync, writeFileSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { compileIptablesChunks } from '../api/iptables.ts';
import { lowerText } from '../api/ksvc.ts';
import type { IRProgram } from '../compiler/ir/types.ts';

const SAVED = '/tmp/ksvc-pipeline-ir.bin';
const lowerFile = (text: string) => lowerText(text, { node: 'node-01', family: 'ipv4' });

/** The saved IR rendered (not written): ms to deserialize it, and in all. */
function renderSaved(): string {
  const t0 = performance.now();
  const ir = deserialize(readFileSync(SAVED)) as IRProgram;
  const read = performance.now() - t0;
  let chars = 0;
  for (const chunk of compileIptablesChunks(ir)) chars += chunk.length;
  return `render: deserialize ${read.toFixed(0)} ms, in all ${(performance.now() - t0).toFixed(0)} ms (${chars} characters)`;
}

if (!isMainThread) parentPort!.postMessage(renderSaved());
else {
  const [file, mode] = process.argv.slice(2);
  if (file === undefined || !['save', 'apart', 'together'].includes(mode ?? '')) {
    console.error('usage: node pc.mjs FILE save|apart|together');
    process.exit(2);
  }
  const text = readFileSync(file, 'utf8');
  if (mode === 'save') {
    writeFileSync(SAVED, serialize(lowerFile(text)!.programs![0]!));
  } else {
    const t0 = performance.now();
    const worker = mode === 'together' ? new Worker(new URL(import.meta.url)) : null;
    const rendered = worker ? new Promise<string>((resolve) => worker.once('message', resolve)) : null;
    lowerFile(text);
    console.log(`front end: ${(performance.now() - t0).toFixed(0)} ms`);
    console.log(rendered ? await rendered : renderSaved());
    console.log(`in all: ${(performance.now() - t0).toFixed(0)} ms`);
  }
}
