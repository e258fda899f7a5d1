// Benchmark: compile 10,000 services x 10 endpoints to the nftables JSON document.
//   node --import tsx bench/compile-nftables.ts [--services 10000] [--endpoints 10] [--runs 5] [--out FILE] [--direct]
// The model comes from bench/generate.ts (generateKsvc -> loadKsvc) — the project's shared scale
// input (1-3 ports per service, NodePorts, LBs, affinity, eTP/iTP Local). If the .ksvc front end
// cannot read it yet, a ClusterModel of the same shape is built directly (printed as "model: direct").
// --direct always uses the direct model: one port per service (10,000 service ports, the shape of
// bench/compile-iptables.ts), where the generated file has 1-3 ports per service (~18,000).
// Times: lowering (model -> IR) and rendering (IR -> JSON text), median of --runs, wall and CPU
// (user+system of the process, GC threads included: on a shared machine the CPU time is the
// stable figure); peak RSS.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { renderNftablesJson } from '../backends/nftables/index.ts';
import type { CIDRText, IPText } from '../common/ip.ts';
import { makeSourceFile } from '../common/source.ts';
import { lowerModel } from '../compiler/lower/index.ts';
import { type ClusterModel, defaultClusterSettings, type ServiceModel } from '../compiler/model.ts';
import { benchArgs } from './args.ts';
import { generateKsvc } from './generate.ts';

const v4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.') as IPText;

/** A model like generateKsvc's (one port per service): 70% ClusterIP, 20% NodePort, 10% LoadBalancer. */
export function directModel(services: number, endpoints: number): ClusterModel {
  const nodes = [0, 1, 2].map((n) => ({
    name: `node-0${n + 1}`,
    addresses: [v4((172 << 24) + (16 << 16) + 10 + n)],
    podCIDRs: [`10.${64 + n}.0.0/16` as CIDRText],
  }));
  const out: ServiceModel[] = [];
  let nextNodePort = 30000;
  let pod = 1;
  for (let i = 0; i < services; i++) {
    const type = i % 10 < 7 ? 'ClusterIP' : i % 10 < 9 ? 'NodePort' : 'LoadBalancer';
    const eps = [];
    for (let e = 0; e < endpoints; e++) {
      const n = (i + e) % 3;
      eps.push({
        address: v4((10 << 24) + ((64 + n) << 16) + (pod++ % 65534) + 1),
        family: 'ipv4' as const,
        nodeName: nodes[n]!.name,
        zone: null,
        conditions: { ready: true, serving: true, terminating: false },
        ports: { http: 8080 },
      });
    }
    out.push({
      namespace: ['default', 'shop', 'payments', 'search', 'media'][i % 5]!,
      name: `svc-${i}`,
      type,
      clusterIPs: [v4((10 << 24) + (96 << 16) + 1 + i)],
      ports: [
        {
          name: 'http',
          protocol: 'tcp',
          port: 80,
          nodePort: type === 'ClusterIP' ? null : nextNodePort++,
          targetPort: 8080,
        },
      ],
      externalIPs: [],
      loadBalancerIngress: type === 'LoadBalancer' ? [v4((203 << 24) + 1 + i)] : [],
      loadBalancerSourceRanges: [],
      externalTrafficPolicy: i % 30 === 9 ? 'Local' : 'Cluster',
      internalTrafficPolicy: 'Cluster',
      sessionAffinity: i % 10 === 3 ? { type: 'ClientIP', timeoutSeconds: 10800 } : { type: 'None' },
      healthCheckNodePort: null,
      localDetectorOverride: null,
      endpoints: eps,
    });
  }
  return {
    settings: {
      ...defaultClusterSettings(),
      localDetector: { mode: 'ClusterCIDR', cidrs: ['10.64.0.0/10' as CIDRText] },
      nodePortRange: { min: 30000, max: Math.max(32767, nextNodePort) },
    },
    nodes,
    services: out,
  };
}

/** The benchmark model: generated .ksvc when the front end reads it, else the direct model. */
export async function benchModel(
  services: number,
  endpoints: number,
): Promise<{ model: ClusterModel; source: string }> {
  try {
    // Imported lazily: the benchmark still runs (on the direct model) while the front end is broken.
    const { loadKsvc } = await import('../compiler/load-ksvc.ts');
    const text = generateKsvc({ services, endpointsPerService: endpoints });
    const r = loadKsvc(makeSourceFile('generated.ksvc', text));
    if (r.model) return { model: r.model, source: 'generated .ksvc (bench/generate.ts)' };
    console.error(
      `note: generated .ksvc did not check (${r.diagnostics[0]?.message ?? 'no model'}); using the direct model`,
    );
  } catch (e) {
    console.error(`note: .ksvc front end failed (${(e as Error).message}); using the direct model`);
  }
  return {
    model: directModel(services, endpoints),
    source: 'direct ClusterModel (bench/compile-nftables.ts directModel)',
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function main(): Promise<void> {
  const { values, numbers } = benchArgs(
    'bench/compile-nftables.ts',
    {
      options: {
        out: { type: 'string' },
        node: { type: 'string' },
        direct: { type: 'boolean' },
      },
    },
    { services: 10000, endpoints: 10, runs: 5 },
  );
  const { services, endpoints, runs } = numbers;
  const { model, source } = values.direct
    ? { model: directModel(services, endpoints), source: 'direct ClusterModel (one port per service)' }
    : await benchModel(services, endpoints);
  const node = values.node ?? model.nodes[0]?.name;
  const lowerMs: number[] = [];
  const renderMs: number[] = [];
  const cpuMs: number[] = [];
  const cpuNow = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let json = '';
  let rules = 0;
  for (let i = 0; i < runs; i++) {
    const c0 = cpuNow();
    const t0 = performance.now();
    const lowered = lowerModel(model, node ? { node } : {});
    const t1 = performance.now();
    json = renderNftablesJson(lowered.programs);
    const t2 = performance.now();
    cpuMs.push(cpuNow() - c0);
    lowerMs.push(t1 - t0);
    renderMs.push(t2 - t1);
    rules = lowered.programs.reduce((n, p) => n + p.servicePorts.length, 0);
  }
  if (values.out) writeFileSync(values.out, json);
  const lines = json.split('\n').length - 2;
  const totals = lowerMs.map((l, i) => l + renderMs[i]!);
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  console.log(`model: ${source}; ${services} services x ${endpoints} endpoints = ${rules} service ports, node ${node}`);
  console.log(`output: ${lines} nft commands, ${(json.length / 1e6).toFixed(1)} MB JSON`);
  console.log(
    `lower  (model -> IR)    median ${median(lowerMs).toFixed(0)} ms   [${lowerMs.map((x) => x.toFixed(0)).join(', ')}]`,
  );
  console.log(
    `render (IR -> nft JSON) median ${median(renderMs).toFixed(0)} ms   [${renderMs.map((x) => x.toFixed(0)).join(', ')}]`,
  );
  console.log(
    `compile total           median ${median(totals).toFixed(0)} ms wall, min ${Math.min(...totals).toFixed(0)} ms   (goal < 1000 ms)`,
  );
  console.log(`compile CPU (user+sys) median ${median(cpuMs).toFixed(0)} ms, min ${Math.min(...cpuMs).toFixed(0)} ms`);
  console.log(
    `machine load average: ${(await import('node:os'))
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  console.log(`peak RSS ${rssMiB.toFixed(0)} MiB`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
