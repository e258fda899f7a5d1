// Benchmark: the verifier's iptables reader (not a timed test).
//   node --expose-gc --import tsx bench/read-iptables.ts [--services 10000] [--endpoints 10] [--runs 5] [--file DUMP]
// Input: ksvc's `compile --with-hooks` restore text for the first node of the generated cluster
// (bench/generate.ts, compiled in memory, not timed), or any iptables-restore / iptables-save file
// with --file. Per run it measures readIptables and prints the median, min, CPU time (all
// threads, GC included), the number of distinct line skeletons ohm matched, and the heap the
// last program keeps (after a full GC, with --expose-gc).
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { renderIptables } from '../backends/iptables/index.ts';
import { makeSourceFile } from '../common/source.ts';
import { loadKsvc } from '../compiler/load-ksvc.ts';
import { lowerModel } from '../compiler/lower/index.ts';
import { readIptables } from '../verifier/iptables/index.ts';
import { cachedSkeletonCount } from '../verifier/iptables/template.ts';
import { benchArgs } from './args.ts';
import { generateKsvc } from './generate.ts';

const { values, numbers } = benchArgs(
  'bench/read-iptables.ts',
  {
    options: {
      file: { type: 'string' },
    },
  },
  { runs: 5, services: 10000, endpoints: 10 },
);
const { runs, services, endpoints: endpointsPerService } = numbers;

function generated(): { label: string; text: string } {
  const front = loadKsvc(makeSourceFile('bench.ksvc', generateKsvc({ services, endpointsPerService, seed: 1 })));
  if (!front.model) throw new Error(front.diagnostics[0]?.message ?? 'no model');
  const node = front.model.nodes[0]?.name;
  const ir = lowerModel(front.model, { family: 'ipv4', ...(node ? { node } : {}) }).programs[0]!;
  return {
    label: `generated ${services} services x ${endpointsPerService} endpoints, node ${node}`,
    text: renderIptables(ir, { format: 'restore', hooks: true }),
  };
}

const input = values.file ? { label: values.file, text: readFileSync(values.file, 'utf8') } : generated();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const wall: number[] = [];
const cpu: number[] = [];
let summary = '';
let kept: unknown = null;
for (let i = 0; i < runs; i++) {
  kept = null;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = readIptables(input.text, { file: input.label, assumeHooks: true });
  wall.push(performance.now() - t0);
  const c1 = process.cpuUsage(c0);
  cpu.push((c1.user + c1.system) / 1000);
  kept = r.program;
  const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
  summary = `${r.program?.chains.size ?? 0} chains kept, ${r.program?.ignored.length ?? 0} items ignored, ${errors} errors`;
}
const lines = input.text.split('\n').length - 1;
console.log(`input: ${input.label}: ${lines} lines, ${(input.text.length / 1024 / 1024).toFixed(1)} MB`);
console.log(`result: ${summary}; ${cachedSkeletonCount()} distinct line skeletons matched by ohm`);
console.log(`read: median ${median(wall).toFixed(0)} ms, min ${Math.min(...wall).toFixed(0)} ms over ${runs} runs`);
console.log(`read CPU time (user+sys, all threads incl. GC): median ${median(cpu).toFixed(0)} ms`);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  gc();
  const program = kept !== null ? 'with the last program alive' : '';
  console.log(`heap after a full GC ${program}: ${(process.memoryUsage().heapUsed / 1024 / 1024).toFixed(0)} MB`);
} else {
  console.log('(run node with --expose-gc to see the heap the program keeps)');
}
console.log(
  `machine load average while measuring: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
