// `npm run bench`: issue 10's numbers side by side in one run (root: loads use network namespaces).
//   npm run bench -- [--sizes 1000,5000,10000] [--multi-port 10000] [--endpoints 10] [--repeat 1]
//                    [--packets 2000] [--batches 5] [--no-translate] [--no-first-packet] [--out FILE]
// For each input (bench/generate.ts, issue 10's mix: 70 % ClusterIP, 20 % NodePort, 10 %
// LoadBalancer, half of those eTP=Local, 30 % of the LBs with source ranges, 5 % ClientIP
// affinity, one port per service; plus its multi-port twin at --multi-port services):
//  - compile: `node bin/ksvc.cjs compile` end to end for each backend (wall, CPU, peak RSS),
//    alternating --repeat times;
//  - output sizes and object counts;
//  - load into fresh namespaces: `nft -j -f` (ksvc's nftables JSON), `iptables-nft-restore` and
//    `iptables-legacy-restore` (ksvc's iptables output with the builtin-chain hooks), alternating
//    --repeat times;
//  - the stock path: iptables-restore-translate of the iptables output, loaded as is and patched
//    (bench/stock-translate.ts);
//  - first-packet CPU cost to the first and the last service in dispatch order (bench/first-packet.ts).
// Prints one table and writes every figure (with the load average at each step, and the host probe
// of bench/host-probe.ts before and after) as JSON
// (default bench/out/bench-<time>.json). Timing figures are never asserted by tests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { processIO } from '../cli/io.ts';
import { writeOutput } from '../cli/output-file.ts';
import { makeSourceFile } from '../common/source.ts';
import { loadKsvc } from '../compiler/load-ksvc.ts';
import { lowerModel } from '../compiler/lower/index.ts';
import { createKubeProxyNfacct, kernelSkipReason, type Netns, withNetns } from '../test/kernel/netns.ts';
import { benchArgs } from './args.ts';
import { countIptables, countNft, type IptablesCounts, type NftCounts } from './counts.ts';
import { type FirstPacketResult, firstPacketTargets, measureFirstPacket, prepareNode } from './first-packet.ts';
import { type GenerateOptions, generateKsvc } from './generate.ts';
import { type HostProbe, hostProbe } from './host-probe.ts';
import { printTable } from './report.ts';
import { stockTranslate, type TranslateReport } from './stock-translate.ts';
import { type Timing, timed } from './timed.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export type LoaderName = 'nft' | 'iptables-nft' | 'iptables-legacy';

export interface InputResult {
  name: string;
  generate: GenerateOptions;
  servicePorts: number;
  endpoints: number;
  ksvcBytes: number;
  /** One entry per repeat (the backends alternate); the table shows the least-CPU run. */
  compile: { nftables: Timing[]; iptables: Timing[] };
  bytes: { nftJson: number; iptablesRestore: number };
  counts: { nft: NftCounts; iptables: IptablesCounts };
  /** One entry per repeat. */
  load: Record<LoaderName, Timing[]>;
  translate: TranslateReport | null;
  firstPacket: Record<LoaderName, FirstPacketResult[]> | null;
}

export interface BenchReport {
  date: string;
  machine: { cpus: number; kernel: string; node: string; nft: string; iptables: string; loadAtStart: number[] };
  /** the host's state before and after the run (bench/host-probe.ts): slow spells show here */
  probeAtStart: HostProbe | null;
  probeAtEnd: HostProbe | null;
  options: Record<string, unknown>;
  inputs: InputResult[];
  loadAtEnd: number[];
}

const version = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0]!;
  } catch {
    return 'unknown';
  }
};

function must(r: { status: number; stderr: string }, what: string): void {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr.slice(0, 500)}`);
}

interface Options {
  endpoints: number;
  repeat: number;
  packets: number;
  batches: number;
  translate: boolean;
  firstPacket: boolean;
}

async function benchInput(name: string, gen: GenerateOptions, dir: string, o: Options): Promise<InputResult> {
  const log = (s: string) => process.stderr.write(`[${name}] ${s} (load ${loadavg()[0]!.toFixed(1)})\n`);
  const ksvc = join(dir, `${name}.ksvc`);
  const text = generateKsvc(gen);
  writeFileSync(ksvc, text);
  const front = loadKsvc(makeSourceFile(ksvc, text));
  if (!front.model) throw new Error(`${name}: the generated input does not check`);
  const ir = lowerModel(front.model, { node: 'node-01', family: 'ipv4' }).programs[0]!;

  const files = { nft: join(dir, `${name}.nft.json`), restore: join(dir, `${name}.restore`) };
  const cli = (args: string[]) =>
    timed('node', [join(root, 'bin/ksvc.cjs'), 'compile', ksvc, '--node', 'node-01', ...args]);
  const compile: InputResult['compile'] = { nftables: [], iptables: [] };
  for (let round = 0; round < o.repeat; round++) {
    log(`compile (${round + 1}/${o.repeat})`);
    const cNft = cli(['--backend', 'nftables', '-o', files.nft]);
    must(cNft, 'ksvc compile --backend nftables');
    compile.nftables.push(cNft.timing);
    const cIpt = cli(['--backend', 'iptables', '--with-hooks', '-o', files.restore]);
    must(cIpt, 'ksvc compile --backend iptables');
    compile.iptables.push(cIpt.timing);
  }
  const nftJson = readFileSync(files.nft, 'utf8');
  const restore = readFileSync(files.restore, 'utf8');

  const loaders: Record<LoaderName, { cmd: string; args: string[]; prep?: (ns: Netns) => void }> = {
    nft: { cmd: 'nft', args: ['-j', '-f', files.nft] },
    'iptables-nft': { cmd: 'iptables-nft-restore', args: [files.restore], prep: createKubeProxyNfacct },
    'iptables-legacy': { cmd: 'iptables-legacy-restore', args: [files.restore], prep: createKubeProxyNfacct },
  };
  const load: Record<LoaderName, Timing[]> = { nft: [], 'iptables-nft': [], 'iptables-legacy': [] };
  const firstPacket: Record<LoaderName, FirstPacketResult[]> = { nft: [], 'iptables-nft': [], 'iptables-legacy': [] };
  const targets = firstPacketTargets(ir);
  for (let round = 0; round < o.repeat; round++) {
    for (const [loader, l] of Object.entries(loaders) as [LoaderName, (typeof loaders)[LoaderName]][]) {
      log(`load ${loader} (${round + 1}/${o.repeat})`);
      await withNetns('bench', (ns) => {
        prepareNode(ns);
        l.prep?.(ns);
        const r = timed(l.cmd, l.args, ns);
        must(r, `${l.cmd} ${name}`);
        load[loader].push(r.timing);
        if (o.firstPacket && round === 0) {
          log(`first packet ${loader}`);
          firstPacket[loader] = measureFirstPacket(ns, targets, { packets: o.packets, batches: o.batches });
        }
      });
    }
  }
  let translate: TranslateReport | null = null;
  if (o.translate) {
    log('iptables-restore-translate');
    translate = await stockTranslate(files.restore, join(dir, `${name}.translated.nft`));
  }
  return {
    name,
    generate: gen,
    servicePorts: ir.servicePorts.length,
    endpoints: ir.servicePorts.reduce((n, sp) => n + sp.endpoints.length, 0),
    ksvcBytes: statSync(ksvc).size,
    compile,
    bytes: { nftJson: Buffer.byteLength(nftJson), iptablesRestore: Buffer.byteLength(restore) },
    counts: { nft: countNft(nftJson), iptables: countIptables(restore) },
    load,
    translate,
    firstPacket: o.firstPacket ? firstPacket : null,
  };
}

async function main(): Promise<void> {
  const { values } = benchArgs('bench/run.ts', {
    options: {
      sizes: { type: 'string', default: '1000,5000,10000' },
      'multi-port': { type: 'string', default: '10000' },
      endpoints: { type: 'string', default: '10' },
      repeat: { type: 'string', default: '1' },
      packets: { type: 'string', default: '2000' },
      batches: { type: 'string', default: '5' },
      'no-translate': { type: 'boolean' },
      'no-first-packet': { type: 'boolean' },
      out: { type: 'string' },
      keep: { type: 'boolean' },
    },
    strict: true,
  });
  const int = (s: string, what: string, min = 1): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${what} must be an integer >= ${min}`);
    return n;
  };
  const sizes = values.sizes.split(',').map((s) => int(s, 'sizes'));
  const multiPort = int(values['multi-port'], 'multi-port', 0);
  const o: Options = {
    endpoints: int(values.endpoints, 'endpoints'),
    repeat: int(values.repeat, 'repeat'),
    packets: int(values.packets, 'packets'),
    batches: int(values.batches, 'batches'),
    translate: !values['no-translate'],
    firstPacket: !values['no-first-packet'],
  };
  const skip = kernelSkipReason();
  if (skip !== null) {
    process.stderr.write(`npm run bench needs root and the netfilter tools: ${skip}\n`);
    process.exit(2);
  }
  // The CLI is measured as a user runs it: the bundle npm ci builds.
  execFileSync('node', [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      kernel: version('uname', ['-r']),
      node: process.version,
      nft: version('nft', ['--version']),
      iptables: version('iptables', ['--version']),
      loadAtStart: loadavg(),
    },
    options: { sizes, multiPort, ...o },
    probeAtStart: hostProbe(),
    probeAtEnd: null,
    inputs: [],
    loadAtEnd: [],
  };
  const dir = mkdtempSync(join(tmpdir(), 'ksvc-bench-'));
  const mix = { endpointsPerService: o.endpoints, etpLocalShare: 0.5, affinityShare: 0.05 };
  const inputs: [string, GenerateOptions][] = sizes.map((n) => [`mix-${n}`, { services: n, ...mix, singlePort: true }]);
  if (multiPort > 0) inputs.push([`multiport-${multiPort}`, { services: multiPort, ...mix }]);
  try {
    for (const [name, gen] of inputs) report.inputs.push(await benchInput(name, gen, dir, o));
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
    else process.stderr.write(`artifacts kept in ${dir}\n`);
  }
  report.loadAtEnd = loadavg();
  report.probeAtEnd = hostProbe();
  const out = values.out ?? join(root, 'bench', 'out', `bench-${report.date.replace(/[:.]/g, '-')}.json`);
  if (values.out === undefined) mkdirSync(dirname(out), { recursive: true });
  printTable(report); // first: a failed write loses no figures
  // as `ksvc compile -o` writes (the bench runs as root; --out may name a file in /tmp): a planted
  // link or name never redirects it, and a failed write is one line and exit 2, nothing half written
  const failed = await writeOutput(processIO(), out, [`${JSON.stringify(report, null, 2)}\n`]);
  if (failed !== null) {
    process.stderr.write(`bench/run.ts: cannot write ${failed}\n`);
    process.exitCode = 2;
    return;
  }
  process.stdout.write(`\nJSON: ${out}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
