// Parse + check of a generated 10,000-service file: median of several runs after a warm-up, and
// the peak RSS of this process.
//   node --import tsx bench/parse-check.ts [--services 10000] [--endpoints 10] [--runs 7]
import { hasErrors } from '../common/diagnostics.ts';
import { makeSourceFile } from '../common/source.ts';
import { checkFile } from '../compiler/check/index.ts';
import { parseKsvc } from '../grammar/parse-ksvc.ts';
import { benchArgs } from './args.ts';
import { generateKsvc } from './generate.ts';

const { numbers } = benchArgs('bench/parse-check.ts', { options: {} }, { services: 10000, endpoints: 10, runs: 7 });
const { services, endpoints, runs: given } = numbers;
const runs = Math.max(1, given);

const t0 = performance.now();
const text = generateKsvc({ services, endpointsPerService: endpoints, seed: 1 });
const genMs = performance.now() - t0;
const source = makeSourceFile('bench.ksvc', text);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

// CPU time (all threads of this process, GC included) next to wall time: on a busy machine the
// wall clock also counts time spent waiting for a CPU.
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function once(): { parse: number; check: number; parseCpu: number; checkCpu: number; diags: number; errors: boolean } {
  const ca = cpuMs();
  const a = performance.now();
  const parsed = parseKsvc(source);
  const b = performance.now();
  const cb = cpuMs();
  if (hasErrors(parsed.diagnostics)) {
    throw new Error(
      `generated file does not parse: ${parsed.diagnostics[0]!.message} at ${parsed.diagnostics[0]!.span?.start.line}`,
    );
  }
  const checked = checkFile(parsed.file, source);
  const c = performance.now();
  const cc = cpuMs();
  return {
    parse: b - a,
    check: c - b,
    parseCpu: cb - ca,
    checkCpu: cc - cb,
    diags: checked.diagnostics.length,
    errors: hasErrors(checked.diagnostics),
  };
}

// A fixed reference loop, timed before the runs: on a shared machine it shows how much CPU this
// process got (a few hundred ms instead of ~60-90 means the figures are inflated about as much).
function referenceLoop(): number {
  const a = performance.now();
  let x = 0;
  for (let i = 0; i < 1e8; i++) x = (x + i * 7) | 0;
  if (x === 42) console.log('');
  return performance.now() - a;
}
const refBefore = referenceLoop();

const warm = once(); // warm-up (JIT, chevrotain's lookahead caches)
if (warm.errors || warm.diags > 0) console.error(`note: the generated file has ${warm.diags} diagnostics`);
const parse: number[] = [];
const check: number[] = [];
const parseCpu: number[] = [];
const checkCpu: number[] = [];
for (let i = 0; i < runs; i++) {
  const r = once();
  parse.push(r.parse);
  check.push(r.check);
  parseCpu.push(r.parseCpu);
  checkCpu.push(r.checkCpu);
}
const total = parse.map((p, i) => p + check[i]!);
const mb = (n: number) => (n / 1024).toFixed(0);
const lines = text.split('\n').length;
console.log(
  `input: ${services} services, ${endpoints} endpoints each, ${lines} lines, ${(text.length / 1e6).toFixed(1)} MB (generated in ${genMs.toFixed(0)} ms)`,
);
console.log(
  `first run (cold JIT, what one \`ksvc check\` pays): parse ${warm.parse.toFixed(0)} ms, check ${warm.check.toFixed(0)} ms`,
);
console.log(
  `parse: median ${median(parse).toFixed(0)} ms  (min ${Math.min(...parse).toFixed(0)}, max ${Math.max(...parse).toFixed(0)}, ${runs} runs)`,
);
console.log(
  `check: median ${median(check).toFixed(0)} ms  (min ${Math.min(...check).toFixed(0)}, max ${Math.max(...check).toFixed(0)})`,
);
console.log(`parse+check: median ${median(total).toFixed(0)} ms wall`);
console.log(`cpu time: parse median ${median(parseCpu).toFixed(0)} ms, check median ${median(checkCpu).toFixed(0)} ms`);
console.log(
  `reference loop (1e8 integer adds) before the runs: ${refBefore.toFixed(0)} ms (~60-90 ms when the machine is idle)`,
);
console.log(
  `load average at the end: ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
console.log(
  `peak RSS: ${mb(process.resourceUsage().maxRSS)} MB; node ${process.version}; ${(await import('node:os')).cpus().length} CPUs`,
);
