// Where a CLI run allocates: V8's sampling heap profiler over one `ksvc` command run in this process
// (the bundle, dist/ksvc.mjs: build it first), counting the objects the collector took as well as
// those still alive, so the figures are bytes allocated, not bytes kept. Unlike a CPU profile this
// does not change with the host's load (a sample every 64 KiB allocated), which makes it the
// measure to compare two versions of a phase on a shared 2-core machine; what allocation costs in
// time (scavenges, their copying) still has to be timed. Not a timed test.
//   node --import tsx bench/allocation-profile.ts [--save FILE] [--phase NAME]... [--top N] -- ksvc-args...
//   e.g. -- verify /tmp/g3000.ksvc --node node-01
// Prints the MiB allocated under each phase (inclusive: each function once per sample's stack;
// default: verify's phases, as bench/profile-inclusive.ts names them) and by the functions that
// allocated most themselves (a builtin such as `push` is named with the function that called it).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { benchArgs } from './args.ts';

interface SampledNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SampledNode[];
}

const VERIFY_PHASES = [
  'lowerText',
  'compileIptables',
  'compileNftables',
  'readIptables',
  'readNftables',
  'prepareVerify',
  'shardShape',
  'refine',
];

const { values, positionals, numbers } = benchArgs(
  'bench/allocation-profile.ts',
  { options: { save: { type: 'string' }, phase: { type: 'string', multiple: true } }, allowPositionals: true },
  { top: 25 },
);
if (positionals.length === 0) {
  console.error('usage: bench/allocation-profile.ts [--save FILE] [--phase NAME]... -- ksvc-args...');
  process.exit(2);
}
const phases = values.phase ?? VERIFY_PHASES;
const top = numbers.top;

const session = new Session();
session.connect();
const post = (method: string, params?: object) =>
  new Promise<unknown>((resolve, reject) =>
    session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
  );
await post('HeapProfiler.enable');
await post('HeapProfiler.startSampling', {
  samplingInterval: 65536,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});

// the CLI reads its arguments from process.argv and runs itself when KSVC_MAIN is set (cli/main.ts)
process.argv = [process.argv[0]!, 'ksvc', ...positionals];
process.env.KSVC_MAIN = '1';
process.on('exit', () => {
  // a synchronous post: the inspector answers in this thread before the process ends
  session.post('HeapProfiler.stopSampling', (err, result) => {
    if (err) return console.error(`stopSampling: ${err.message}`);
    report(result.profile.head as unknown as SampledNode);
    if (values.save) writeFileSync(values.save, JSON.stringify(result.profile));
  });
});
await import(new URL('../dist/ksvc.mjs', import.meta.url).href);

function report(head: SampledNode): void {
  const inPhase = new Map(phases.map((p) => [p, 0]));
  const byFunction = new Map<string, number>();
  let total = 0;
  const walk = (n: SampledNode, names: ReadonlySet<string>, caller: string) => {
    const { functionName, url, lineNumber } = n.callFrame;
    const builtin = url === '';
    const here = `${functionName || '(anonymous)'}${builtin ? '' : ` ${url.split('/').pop()}:${lineNumber + 1}`}`;
    const label = builtin && caller !== '' ? `${here} <- ${caller}` : here;
    total += n.selfSize;
    byFunction.set(label, (byFunction.get(label) ?? 0) + n.selfSize);
    const inner = inPhase.has(functionName) && !names.has(functionName) ? new Set([...names, functionName]) : names;
    for (const p of inner) inPhase.set(p, inPhase.get(p)! + n.selfSize);
    for (const c of n.children) walk(c, inner, builtin ? caller : here);
  };
  walk(head, new Set(), '');
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0).padStart(7);
  console.error(`\nallocated (sampled): ${mib(total)} MiB`);
  for (const [p, bytes] of inPhase) console.error(`${mib(bytes)} MiB  under ${p}`);
  console.error('');
  for (const [label, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.error(`${mib(bytes)} MiB  ${label}`);
}
