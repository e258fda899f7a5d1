// The one table `npm run bench` prints: a row per figure, a column per input.
import { probeText } from './host-probe.ts';
import type { BenchReport, InputResult, LoaderName } from './run.ts';
import { cpu, type Timing } from './timed.ts';

const s = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
const int = (n: number): string => n.toLocaleString('en-US');
/** The best of the repeats (least CPU): on a shared machine the least disturbed run. */
const best = (ts: Timing[]): Timing => ts.reduce((a, b) => (cpu(b) < cpu(a) ? b : a));
const wallCpu = (t: Timing): string => `${s(t.wall)} (${s(cpu(t))})`;
const ratio = (a: Timing, b: Timing): string => `${s(a.wall / b.wall)} (${s(cpu(a) / cpu(b))})`;

function firstPacketRow(r: InputResult, loader: LoaderName): string {
  const fp = r.firstPacket?.[loader];
  if (!fp || fp.length === 0) return '-';
  const at = (label: string) => s(fp.find((x) => x.label === label)?.microseconds ?? Number.NaN, 1);
  return `${at('first')} / ${at('last')} / ${at('miss')}`;
}

export function printTable(report: BenchReport): void {
  const rows: [string, (r: InputResult) => string][] = [
    [
      'services / service ports / endpoints',
      (r) => `${int(r.generate.services)} / ${int(r.servicePorts)} / ${int(r.endpoints)}`,
    ],
    ['.ksvc MB', (r) => mb(r.ksvcBytes)],
    ['compile nftables: wall (CPU) s', (r) => wallCpu(best(r.compile.nftables))],
    ['compile nftables: peak RSS MiB', (r) => s(best(r.compile.nftables).maxRssMiB, 0)],
    ['compile iptables: wall (CPU) s', (r) => wallCpu(best(r.compile.iptables))],
    ['compile iptables: peak RSS MiB', (r) => s(best(r.compile.iptables).maxRssMiB, 0)],
    ['output MB: nft JSON / iptables restore', (r) => `${mb(r.bytes.nftJson)} / ${mb(r.bytes.iptablesRestore)}`],
    [
      'nft: chains / rules / sets+maps / elements',
      (r) => {
        const c = r.counts.nft;
        return `${int(c.chains)} / ${int(c.rules)} / ${int(c.sets)} / ${int(c.elements)}`;
      },
    ],
    ['iptables: chains / rules', (r) => `${int(r.counts.iptables.chains)} / ${int(r.counts.iptables.rules)}`],
    ['load nft -j -f: wall (CPU) s', (r) => wallCpu(best(r.load.nft))],
    ['load iptables-nft-restore: wall (CPU) s', (r) => wallCpu(best(r.load['iptables-nft']))],
    ['load iptables-legacy-restore: wall (CPU) s', (r) => wallCpu(best(r.load['iptables-legacy']))],
    ['ratio nft / iptables-nft: wall (CPU)', (r) => ratio(best(r.load.nft), best(r.load['iptables-nft']))],
    ['ratio nft / iptables-legacy: wall (CPU)', (r) => ratio(best(r.load.nft), best(r.load['iptables-legacy']))],
    ['nft -j -f peak RSS MiB', (r) => s(best(r.load.nft).maxRssMiB, 0)],
    ['stock: iptables-restore-translate wall (CPU) s', (r) => (r.translate ? wallCpu(r.translate.translate) : '-')],
    [
      'stock: nft -f of the translation',
      (r) => {
        const t = r.translate;
        if (!t) return '-';
        return t.load.status === 0 ? `loads, ${wallCpu(t.load.timing)} s` : 'refused';
      },
    ],
    [
      'stock: untranslated rules (recent / nfacct)',
      (r) => (r.translate ? `${int(r.translate.untranslated.recent)} / ${int(r.translate.untranslated.nfacct)}` : '-'),
    ],
    [
      'stock: DNAT without protocol (refused by nft)',
      (r) => (r.translate ? int(r.translate.dnatWithoutProtocol) : '-'),
    ],
    [
      'stock: patched translation, nft -f wall (CPU) s',
      (r) => {
        const t = r.translate;
        if (!t) return '-';
        return t.patchedLoad.status === 0 ? wallCpu(t.patchedLoad.timing) : `refused: ${t.patchedLoad.firstError}`;
      },
    ],
    ['first packet µs CPU, nft: first / last / miss', (r) => firstPacketRow(r, 'nft')],
    ['first packet µs CPU, iptables-nft', (r) => firstPacketRow(r, 'iptables-nft')],
    ['first packet µs CPU, iptables-legacy', (r) => firstPacketRow(r, 'iptables-legacy')],
    [
      'load average during the loads',
      (r) => {
        const loads = Object.values(r.load)
          .flat()
          .map((t) => t.load);
        return `${s(Math.min(...loads), 1)}–${s(Math.max(...loads), 1)}`;
      },
    ],
  ];
  const head = ['', ...report.inputs.map((r) => r.name)];
  const table = [head, ...rows.map(([label, f]) => [label, ...report.inputs.map(f)])];
  const widths = head.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const m = report.machine;
  process.stdout.write(
    `ksvc bench ${report.date}: ${m.cpus} CPUs, kernel ${m.kernel}, node ${m.node}, ${m.nft}, ${m.iptables}; load average at start ${m.loadAtStart.map((x) => x.toFixed(1)).join(' ')}, at end ${report.loadAtEnd.map((x) => x.toFixed(1)).join(' ')}\n`,
  );
  process.stdout.write(
    `host probe (bench/host-probe.ts) at start: ${probeText(report.probeAtStart)}; at end: ${probeText(report.probeAtEnd)}\n\n`,
  );
  for (const row of table) process.stdout.write(`${line(row)}\n`);
}
