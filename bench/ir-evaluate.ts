// Benchmark: the IR's reference evaluator (compiler/ir/evaluate.ts) per packet, next to the
// unoptimized copy it replaced (test/support/ir-evaluate-reference.ts), on the same program and
// packets in the same process — so the ratio holds even on a loaded machine.
//   node --import tsx bench/ir-evaluate.ts [--services 10000] [--endpoints 10] [--ms 400] [--verify-services 300]
// Under tsx the evaluator measures about twice as slow as bundled (both columns alike); for figures
// comparable with the bundled `ksvc`, bundle first (the define keeps bench/generate.ts's "run as
// a script" check false inside the bundle):
//   npx esbuild bench/ir-evaluate.ts --bundle --platform=node --format=esm \
//     --define:import.meta.url='"bundle"' --outfile=/tmp/ir-evaluate.mjs && node /tmp/ir-evaluate.mjs
// Part 1: CPU µs per evaluate with concreteView for a fixed set of packets (cluster IP, NodePort, LB,
// LB with source ranges, affinity hit and miss, eTP=Local, not new, no frontend), each checked to
// give the same distribution both ways. Part 2: the verifier's view — `verify` with the IR alone
// (no artifacts, every shard) on a smaller cluster, time and evaluate calls with each evaluator.
import type { IPText } from '../common/ip.ts';
import { makeSourceFile } from '../common/source.ts';
import { evaluate } from '../compiler/ir/evaluate.ts';
import { concreteView, type Packet, type PacketView } from '../compiler/ir/packet.ts';
import type { IRProgram, IRServicePort } from '../compiler/ir/types.ts';
import { loadKsvc } from '../compiler/load-ksvc.ts';
import { lowerModel } from '../compiler/lower/index.ts';
import { referenceConcreteView, referenceEvaluate } from '../test/support/ir-evaluate-reference.ts';
import { verify } from '../verifier/verify.ts';
import { benchArgs } from './args.ts';
import { generateKsvc } from './generate.ts';

type Evaluator = (ir: IRProgram, view: PacketView) => ReturnType<typeof evaluate>;
/** Each evaluator with the concreteView of its time. */
const EVALUATORS: [string, Evaluator, (p: Packet) => PacketView][] = [
  ['before (reference)', referenceEvaluate, (p) => referenceConcreteView(p)],
  ['now (evaluate.ts)', evaluate, (p) => concreteView(p)],
];

/** The IPv4 program of the first node of bench/generate.ts's cluster. */
function program(services: number, endpoints: number): IRProgram {
  const { model, diagnostics } = loadKsvc(
    makeSourceFile('generated.ksvc', generateKsvc({ services, endpointsPerService: endpoints })),
  );
  if (!model) throw new Error(`the generated cluster does not check: ${diagnostics[0]?.message}`);
  const node = model.nodes[0]?.name;
  const ir = lowerModel(model, node ? { node } : {}).programs.find((p) => p.family === 'ipv4');
  if (!ir) throw new Error('no ipv4 program');
  return ir;
}

const OUTSIDE = '198.51.100.7' as IPText;

function packet(o: Partial<Packet>): Packet {
  return {
    path: 'arriving',
    src: OUTSIDE,
    dst: '10.96.0.1' as IPText,
    protocol: 'tcp',
    sport: 40000,
    dport: 80,
    inInterface: 'eth0',
    mark: 0,
    ct: { state: 'new', dnat: false },
    affinityAges: {},
    ...o,
  };
}

/** The fixed packet set: one per kind of way through the evaluator. */
function packets(ir: IRProgram): { name: string; p: Packet }[] {
  const find = (what: string, f: (sp: IRServicePort) => boolean): IRServicePort => {
    const sp = ir.servicePorts.find(f);
    if (!sp) throw new Error(`the generated cluster has no ${what}`);
    return sp;
  };
  const full = (sp: IRServicePort) => (sp.cluster?.endpoints.length ?? 0) >= 10;
  const clusterIP = find('ClusterIP port', (sp) => full(sp) && sp.nodePort === null && !sp.affinity);
  const nodePort = find('NodePort', (sp) => full(sp) && sp.nodePort !== null && sp.external?.ext?.policy === 'Cluster');
  const lb = find('LB', (sp) => full(sp) && sp.loadBalancerIPs.length > 0 && !sp.firewall && !sp.affinity);
  const fw = find('LB with source ranges', (sp) => full(sp) && sp.firewall !== null);
  const aff = find('affinity', (sp) => full(sp) && sp.affinity !== null && sp.internal.kind === 'balance');
  const local = find('eTP=Local LB', (sp) => sp.loadBalancerIPs.length > 0 && sp.external?.ext?.policy === 'Local');
  const node = ir.nodeIPs[0]!;
  const pod = '10.65.3.7' as IPText;
  const third = aff.cluster!.endpoints[3]!;
  const list = `${aff.servicePortName}/${aff.protocol}/${third.hostPort}`;
  const at = (sp: IRServicePort) => ({ dst: sp.clusterIP, dport: sp.port, protocol: sp.protocol });
  return [
    { name: 'cluster IP, pod source (10 endpoints)', p: packet({ ...at(clusterIP), src: pod }) },
    { name: 'cluster IP, outside source (masquerade)', p: packet(at(clusterIP)) },
    {
      name: 'NodePort on the node IP',
      p: packet({ dst: node, dport: nodePort.nodePort!, protocol: nodePort.protocol }),
    },
    { name: 'LoadBalancer IP', p: packet({ dst: lb.loadBalancerIPs[0]!, dport: lb.port, protocol: lb.protocol }) },
    { name: 'LB with source ranges, allowed', p: packet({ dst: fw.loadBalancerIPs[0]!, dport: fw.port }) },
    { name: 'affinity: fresh record', p: packet({ ...at(aff), src: pod, affinityAges: { [list]: 5 } }) },
    { name: 'affinity: no record', p: packet({ ...at(aff), src: pod }) },
    { name: 'eTP=Local LB from outside', p: packet({ dst: local.loadBalancerIPs[0]!, dport: local.port }) },
    {
      name: 'established, to an endpoint',
      p: packet({ src: pod, dst: clusterIP.cluster!.endpoints[0]!.ip, ct: { state: 'established', dnat: true } }),
    },
    { name: 'new, no frontend', p: packet({ dst: '8.8.8.8' as IPText, dport: 443 }) },
  ];
}

const key = (d: ReturnType<typeof evaluate>): string =>
  JSON.stringify(d, (_, v) => (typeof v === 'bigint' ? String(v) : v));

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * CPU µs per call of each function (process CPU time, GC threads included: on a shared machine
 * wall time measures the other tenants). Batches of each run in turn; the best batch counts.
 */
function timeEach(fs: (() => void)[], ms: number): number[] {
  const n = fs.map((f) => {
    let k = 1;
    for (;;) {
      const t0 = cpuMs();
      for (let i = 0; i < k; i++) f();
      if (cpuMs() - t0 >= ms / 20) return k;
      k *= 2;
    }
  });
  const best = fs.map(() => Infinity);
  for (let round = 0; round < 10; round++) {
    fs.forEach((f, j) => {
      const t0 = cpuMs();
      for (let i = 0; i < n[j]!; i++) f();
      best[j] = Math.min(best[j]!, ((cpuMs() - t0) * 1000) / n[j]!);
    });
  }
  return best;
}

function verifyIROnly(ir: IRProgram, f: Evaluator): { ms: number; calls: number; classes: number } {
  let calls = 0;
  const counted: Evaluator = (p, v) => {
    calls++;
    return f(p, v);
  };
  const t0 = cpuMs();
  const r = verify({ family: ir.family, ir: { program: ir, evaluate: counted }, artifacts: [], shapes: false });
  return { ms: cpuMs() - t0, calls, classes: r.stats.classes };
}

async function main(): Promise<void> {
  const { numbers } = benchArgs(
    'bench/ir-evaluate.ts',
    { options: {} },
    { services: 10000, endpoints: 10, ms: 400, 'verify-services': 300 },
  );
  const { services, endpoints, ms, 'verify-services': vServices } = numbers;
  const ir = program(services, endpoints);
  console.log(
    `program: ${ir.servicePorts.length} service ports (${services} services x ${endpoints} endpoints), node ${ir.node}`,
  );
  console.log(`${'packet'.padEnd(42)}${EVALUATORS.map(([n]) => n.padStart(20)).join('')}   speed-up`);
  let sums = EVALUATORS.map(() => 0);
  for (const { name, p } of packets(ir)) {
    const results = EVALUATORS.map(([, f, view]) => key(f(ir, view(p))));
    if (results.some((r) => r !== results[0])) throw new Error(`${name}: the evaluators disagree`);
    const us = timeEach(
      EVALUATORS.map(
        ([, f, view]) =>
          () =>
            f(ir, view(p)),
      ),
      ms,
    );
    sums = sums.map((s, i) => s + us[i]!);
    const outcomes = (JSON.parse(results[0]!) as unknown[]).length;
    console.log(
      `${`${name} [${outcomes}]`.padEnd(42)}${us.map((u) => `${u.toFixed(2)} µs`.padStart(20)).join('')}   ${(us[0]! / us[1]!).toFixed(1)}x`,
    );
  }
  console.log(`${'sum'.padEnd(42)}${sums.map((u) => `${u.toFixed(2)} µs`.padStart(20)).join('')}`);

  if (vServices > 0) {
    const small = program(vServices, endpoints);
    console.log(`\nverify, IR only (classView), every shard: ${small.servicePorts.length} service ports`);
    for (const [, f] of EVALUATORS) verifyIROnly(small, f); // warm-up
    for (const [name, f] of EVALUATORS) {
      const r = verifyIROnly(small, f);
      console.log(
        `${name.padEnd(22)} ${r.ms.toFixed(0).padStart(6)} ms CPU, ${r.calls} evaluate calls, ${r.classes} classes`,
      );
    }
  }
  const load = (await import('node:os')).loadavg().map((x) => x.toFixed(1));
  console.log(`machine load average: ${load.join(' ')}`);
}

await main();
