// The host's state at one moment, so a bench figure can be read against it: this shared 2-vCPU VM
// has slow spells in which the same compile takes up to 1.5x its CPU time (docs/benchmarks.md).
// Three small fixed workloads, each in a fresh child process (its own heap and page tables):
//  - cpu: a warmed integer loop, no allocation (ms);
//  - pages: first touch of 64 MiB of fresh anonymous memory (µs per 4 KiB page; here a page fault
//    costs ~10 µs, so a run's peak memory is part of its time);
//  - alloc: short-lived objects beside a growing live array, as a compiler makes (ms; includes
//    the garbage collector and its helper threads).
// `node --import tsx bench/host-probe.ts` prints one JSON line; hostProbe() runs it as a child.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface HostProbe {
  cpuMs: number;
  pageUs: number;
  allocMs: number;
}

function cpuMs(): number {
  const work = (n: number): number => {
    let x = 0;
    for (let i = 0; i < n; i++) x = (x + Math.imul(i, 7)) | 0;
    return x;
  };
  for (let k = 0; k < 20; k++) work(1e5);
  const t = performance.now();
  let sink = 0;
  for (let k = 0; k < 50; k++) sink += work(4e6);
  const ms = performance.now() - t;
  return sink === 0.5 ? 0 : ms; // the result is used, so the loop is not removed
}

function pageUs(): number {
  const bytes = 64 * 1024 * 1024;
  const buf = Buffer.allocUnsafeSlow(bytes); // fresh pages: never touched before
  const t = performance.now();
  for (let i = 0; i < bytes; i += 4096) buf[i] = 1;
  return ((performance.now() - t) * 1000) / (bytes / 4096);
}

function allocMs(): number {
  const t = performance.now();
  let sink = 0;
  for (let k = 0; k < 5; k++) {
    const keep: object[] = [];
    for (let i = 0; i < 1e6; i++) {
      const o = { a: i, b: [i, i + 1], c: `x${i & 1023}` };
      sink += o.b[1]!;
      if ((i & 15) === 0) keep.push(o);
    }
    sink += keep.length;
  }
  const ms = performance.now() - t;
  return sink === 0.5 ? 0 : ms;
}

/** Each workload in its own child process; null when a child fails. */
export function hostProbe(): HostProbe | null {
  const run = (what: string): number => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), what], {
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('..', import.meta.url)), // where tsx resolves from
    });
    return Number(out.trim());
  };
  try {
    const round = (x: number, d: number) => Number(x.toFixed(d));
    return { cpuMs: round(run('cpu'), 0), pageUs: round(run('pages'), 2), allocMs: round(run('alloc'), 0) };
  } catch {
    return null;
  }
}

export const probeText = (p: HostProbe | null): string =>
  p === null ? 'probe failed' : `cpu ${p.cpuMs} ms, page ${p.pageUs} µs, alloc ${p.allocMs} ms`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const what = process.argv[2];
  if (what === 'cpu') process.stdout.write(`${cpuMs()}\n`);
  else if (what === 'pages') process.stdout.write(`${pageUs()}\n`);
  else if (what === 'alloc') process.stdout.write(`${allocMs()}\n`);
  else process.stdout.write(`${JSON.stringify(hostProbe())}\n`);
}
