// Benchmark: `ksvc verify` on generated clusters — end to end as a user runs it, and where the time
// goes inside one process.
//   node --import tsx bench/verify.ts [--sizes 1000,3000,10000] [--shapes default,issue10,affinity]
//        [--endpoints 10] [--no-cli] [--no-phases]
// For each size and shape (bench/generate.ts; shapes as in bench/verify-readers.ts):
// - cli: `node bin/ksvc.cjs verify FILE --node node-01 --family ipv4` under GNU time (the bundle
//   `npm run build` makes): wall, user+system CPU, peak RSS, exit code — process start to verdict;
// - phases, in a child process (its own memory): parse+check+lower, compile both artifacts in
//   memory, read each back, build the packet space and compile the rulesets against it, compute
//   every shard's shape, and `verify()` itself on the read artifacts (which builds the space and
//   the shapes again: "check" − "space" − "shapes" is the refinement and comparison of the
//   evaluated shards). CPU time of each, and the child's peak RSS.
// One JSON line per row, and one for the host probe (bench/host-probe.ts) before and after them.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs } from './args.ts';
import { type GenerateOptions, generateKsvc } from './generate.ts';
import { hostProbe } from './host-probe.ts';

const SHAPES: Record<string, Omit<GenerateOptions, 'services' | 'endpointsPerService'>> = {
  default: {},
  issue10: { singlePort: true, etpLocalShare: 0.5, affinityShare: 0.05 },
  affinity: { affinityShare: 1 },
  'single-port': { singlePort: true },
};

const root = fileURLToPath(new URL('..', import.meta.url));

interface CliFigures {
  wallS: number;
  cpuS: number;
  peakMiB: number;
  exit: number;
  summary: string;
}

function runCli(file: string): CliFigures {
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      '%e %U %S %M',
      process.execPath,
      join(root, 'bin/ksvc.cjs'),
      'verify',
      file,
      '--node',
      'node-01',
      '--family',
      'ipv4',
    ],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  const lines = r.stderr.trim().split('\n');
  const [wall, user, sys, rss] = lines[lines.length - 1]!.split(' ').map(Number) as [number, number, number, number];
  const summary = r.stdout.split('\n').find((l) => /equivalent|differ/i.test(l)) ?? r.stdout.split('\n')[0] ?? '';
  return { wallS: wall, cpuS: user + sys, peakMiB: rss / 1024, exit: r.status ?? -1, summary: summary.trim() };
}

function runPhases(file: string): Record<string, number | string> {
  const out = execFileSync(
    process.execPath,
    // the V8 flags bin/ksvc.cjs gives verify, so the phases add up to the CLI's run
    [
      '--expose-gc',
      '--max-semi-space-size=32',
      '--heap-growing-percent=35',
      '--import',
      'tsx',
      join(root, 'bench/verify-phases.ts'),
      file,
    ],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      cwd: root,
    },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number | string>;
}

function main(): void {
  const { values, numbers } = benchArgs(
    'bench/verify.ts',
    {
      options: {
        sizes: { type: 'string', default: '1000,3000,10000' },
        shapes: { type: 'string', default: 'default,issue10,affinity' },
        'no-cli': { type: 'boolean', default: false },
        'no-phases': { type: 'boolean', default: false },
      },
    },
    { endpoints: 10 },
  );
  const { endpoints } = numbers;
  const dir = mkdtempSync(join(tmpdir(), 'ksvc-bench-verify-'));
  // the host's state around the rows (bench/host-probe.ts): slow spells show here
  console.log(JSON.stringify({ probe: 'start', ...hostProbe() }));
  try {
    for (const shape of values.shapes.split(',')) {
      const opts = SHAPES[shape];
      if (!opts) throw new Error(`unknown shape ${shape} (${Object.keys(SHAPES).join(', ')})`);
      for (const size of values.sizes.split(',').map(Number)) {
        const file = join(dir, `${shape}-${size}.ksvc`);
        writeFileSync(file, generateKsvc({ services: size, endpointsPerService: endpoints, ...opts }));
        const row: Record<string, unknown> = { shape, services: size, load1: loadavg()[0]!.toFixed(1) };
        if (!values['no-cli']) row.cli = runCli(file);
        if (!values['no-phases']) row.phases = runPhases(file);
        console.log(JSON.stringify(row));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(JSON.stringify({ probe: 'end', ...hostProbe() }));
}

main();
