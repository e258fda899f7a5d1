// Benchmark: the verifier's two readers (verifier/iptables, verifier/nftables) on ksvc's own output,
// as `ksvc verify` reads it: the iptables restore text without hooks (assumed) and the nft JSON
// command document, for the first node of bench/generate.ts's cluster.
//   node --import tsx bench/verify-readers.ts [--sizes 1000,5000,10000] [--endpoints 10]
//        [--shapes default,affinity] [--readers iptables,nftables] [--runs 3]
// Shapes: default (generate.ts's mix: 10 % ClientIP affinity, 30 % eTP=Local of NodePort/LB,
// 1-3 ports), affinity (every service ClientIP affinity), single-port (one http port each),
// issue10 (--single-port --etp-local 0.5 --affinity 0.05).
// Inputs are compiled in memory and written to a temporary folder (not timed); each reader runs in
// a fresh child process (same node flags) so its memory figures are its own. Per input and reader:
// CPU time of one read (user+system, GC threads included — the steady figure on a shared machine)
// as min and median of --runs, the wall time of the least-CPU run, the heap the result keeps
// (after a full GC, minus the heap before reading, input text excluded) and the child's peak RSS.
// Under tsx the code runs as bundled code does once loaded; the first run also pays for loading
// the grammar and compiling, and is left out of the figures when --runs > 1.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileIptables } from '../api/iptables.ts';
import { lower } from '../api/lower.ts';
import { compileNftables } from '../api/nftables.ts';
import { makeSourceFile } from '../common/source.ts';
import { loadKsvc } from '../compiler/load-ksvc.ts';
import { readIptables } from '../verifier/iptables/index.ts';
import { readNftables } from '../verifier/nftables/index.ts';
import { benchArgs } from './args.ts';
import { type GenerateOptions, generateKsvc } from './generate.ts';

type Reader = 'iptables' | 'nftables';

const SHAPES: Record<string, Omit<GenerateOptions, 'services' | 'endpointsPerService'>> = {
  default: {},
  affinity: { affinityShare: 1 },
  'single-port': { singlePort: true },
  issue10: { singlePort: true, etpLocalShare: 0.5, affinityShare: 0.05 },
};

interface ChildResult {
  reader: Reader;
  /** CPU ms of each run. */
  cpu: number[];
  /** Wall ms of each run. */
  wall: number[];
  keptMB: number;
  peakRssMB: number;
  summary: string;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const heapMB = (): number => process.memoryUsage().heapUsed / 1024 / 1024;

/** One reader on one file, `runs` times: what the parent prints. */
function child(reader: Reader, file: string, runs: number): ChildResult {
  const text = readFileSync(file, 'utf8');
  gc();
  const before = heapMB();
  const cpu: number[] = [];
  const wall: number[] = [];
  let kept: unknown = null;
  let summary = '';
  for (let i = 0; i < runs; i++) {
    kept = null;
    gc();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    if (reader === 'iptables') {
      const r = readIptables(text, { file, family: 'ipv4', assumeHooks: true });
      kept = r;
      summary = `${r.program?.chains.size ?? 0} chains, ${r.diagnostics.filter((d) => d.severity === 'error').length} errors`;
    } else {
      const r = readNftables(text, { file });
      kept = r;
      const p = r.programs[0];
      summary = `${p?.chains.size ?? 0} chains, ${r.diagnostics.filter((d) => d.severity === 'error').length} errors`;
    }
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  gc();
  const keptMB = heapMB() - before;
  if (kept === null) throw new Error('nothing read');
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  return { reader, cpu, wall, keptMB, peakRssMB, summary };
}

interface Input {
  services: number;
  shape: string;
  servicePorts: number;
  files: Record<Reader, string>;
  lines: number;
  bytes: Record<Reader, number>;
}

/** Generate, check, lower and compile one input; write both artifacts under `dir`. */
function makeInput(dir: string, services: number, endpoints: number, shape: string): Input {
  const options = SHAPES[shape];
  if (!options) throw new Error(`unknown shape ${shape} (${Object.keys(SHAPES).join(', ')})`);
  const source = generateKsvc({ services, endpointsPerService: endpoints, seed: 1, ...options });
  const { model, diagnostics } = loadKsvc(makeSourceFile('generated.ksvc', source));
  if (!model) throw new Error(`the generated cluster does not check: ${diagnostics[0]?.message}`);
  const node = model.nodes[0]?.name;
  const lowered = lower(model, node ? { node } : {});
  const ir = lowered.programs.find((p) => p.family === 'ipv4');
  if (!ir) throw new Error('no IPv4 program');
  const ipt = compileIptables(ir, { hooks: false });
  const nft = compileNftables([ir]);
  const files = {
    iptables: join(dir, `${services}-${shape}.ipt`),
    nftables: join(dir, `${services}-${shape}.nft.json`),
  };
  writeFileSync(files.iptables, ipt);
  writeFileSync(files.nftables, nft);
  return {
    services,
    shape,
    servicePorts: ir.servicePorts.length,
    files,
    lines: ipt.split('\n').length - 1,
    bytes: { iptables: ipt.length, nftables: nft.length },
  };
}

function runChild(reader: Reader, file: string, runs: number): ChildResult {
  const script = fileURLToPath(import.meta.url);
  const args = [...process.execArgv, '--expose-gc', script, '--child', reader, '--file', file, '--runs', String(runs)];
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as ChildResult;
}

function main(): void {
  const { values, numbers } = benchArgs(
    'bench/verify-readers.ts',
    {
      options: {
        sizes: { type: 'string' },
        shapes: { type: 'string' },
        readers: { type: 'string' },
        child: { type: 'string' },
        file: { type: 'string' },
      },
    },
    { runs: 3, endpoints: 10 },
  );
  const { runs, endpoints } = numbers;
  if (values.child) {
    console.log(JSON.stringify(child(values.child as Reader, values.file!, runs)));
    return;
  }
  const sizes = (values.sizes ?? '1000,5000,10000').split(',').map(Number);
  const shapes = (values.shapes ?? 'default,affinity').split(',');
  const readers = (values.readers ?? 'iptables,nftables').split(',') as Reader[];
  const dir = mkdtempSync(join(tmpdir(), 'ksvc-readers-'));
  const load = () => loadavg()[0]!.toFixed(1);
  console.log(`node ${process.version}, flags [${process.execArgv.join(' ')}], ${runs} runs per reader`);
  console.log(
    'services  shape        service ports  reader    input MB  CPU s min / median  wall s  kept MB  peak RSS MB  load  result',
  );
  try {
    for (const services of sizes) {
      for (const shape of shapes) {
        const input = makeInput(dir, services, endpoints, shape);
        for (const reader of readers) {
          const r = runChild(reader, input.files[reader], runs);
          const steady = runs > 1 ? r.cpu.slice(1) : r.cpu;
          const best = r.cpu.indexOf(Math.min(...steady), runs > 1 ? 1 : 0);
          console.log(
            [
              String(services).padStart(8),
              shape.padEnd(12),
              String(input.servicePorts).padStart(13),
              reader.padEnd(9),
              (input.bytes[reader] / 1e6).toFixed(1).padStart(8),
              `${(Math.min(...steady) / 1000).toFixed(2)} / ${(median(steady) / 1000).toFixed(2)}`.padStart(18),
              (r.wall[best]! / 1000).toFixed(2).padStart(6),
              r.keptMB.toFixed(0).padStart(7),
              r.peakRssMB.toFixed(0).padStart(11),
              load().padStart(5),
              reader === 'iptables' ? `${input.lines} lines, ${r.summary}` : r.summary,
            ].join('  '),
          );
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
