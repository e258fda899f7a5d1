// Benchmark: lower + render iptables-restore text for a large cluster (not a timed test).
//   node --import tsx bench/compile-iptables.ts [--services 10000] [--endpoints 10] [--runs 5] [--ksvc]
// The model is built directly (one port per service: 70% ClusterIP, 20% NodePort, 10% LoadBalancer
// of which half eTP=Local, endpoints spread over 5 nodes), or with --ksvc from bench/generate.ts
// text through the front end (not timed). Per run it measures lowerModel (one node, ipv4) and
// renderIptables (restore), and prints the median, min, output size and the peak RSS.
import { performance } from 'node:perf_hooks';
import { renderIptables } from '../backends/iptables/index.ts';
import type { CIDRText, IPText } from '../common/ip.ts';
import { makeSourceFile } from '../common/source.ts';
import { loadKsvc } from '../compiler/load-ksvc.ts';
import { lowerModel } from '../compiler/lower/index.ts';
import { type ClusterModel, defaultClusterSettings, type ServiceModel } from '../compiler/model.ts';
import { benchArgs } from './args.ts';
import { generateKsvc } from './generate.ts';

const { values, numbers } = benchArgs(
  'bench/compile-iptables.ts',
  {
    options: {
      ksvc: { type: 'boolean' },
    },
  },
  { services: 10000, endpoints: 10, runs: 5 },
);
const { services, endpoints: endpointsPerService, runs } = numbers;

const v4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.') as IPText;

function directModel(): ClusterModel {
  const nodes = Array.from({ length: 5 }, (_, i) => ({
    name: `node-${i}`,
    addresses: [v4((192 << 24) + (168 << 16) + 10 + i)],
    podCIDRs: [`10.${64 + i}.0.0/16` as CIDRText],
  }));
  const list: ServiceModel[] = [];
  for (let i = 0; i < services; i++) {
    const kind = i % 10;
    const type = kind < 7 ? 'ClusterIP' : kind < 9 ? 'NodePort' : 'LoadBalancer';
    list.push({
      namespace: `ns-${i % 50}`,
      name: `svc-${i}`,
      type,
      clusterIPs: [v4((10 << 24) + (96 << 16) + i + 1)],
      ports: [
        {
          name: 'http',
          protocol: 'tcp',
          port: 80,
          nodePort: type === 'ClusterIP' ? null : 30000 + (i % 2700),
          targetPort: 8080,
        },
      ],
      externalIPs: [],
      loadBalancerIngress: type === 'LoadBalancer' ? [v4((203 << 24) + i)] : [],
      loadBalancerSourceRanges: [],
      externalTrafficPolicy: type === 'LoadBalancer' && i % 20 === 9 ? 'Local' : 'Cluster',
      internalTrafficPolicy: 'Cluster',
      sessionAffinity: { type: 'None' },
      healthCheckNodePort: null,
      localDetectorOverride: null,
      endpoints: Array.from({ length: endpointsPerService }, (_, k) => {
        const n = i * endpointsPerService + k;
        return {
          address: v4((10 << 24) + ((64 + (n % 5)) << 16) + ((n / 5) & 0xffff)),
          family: 'ipv4' as const,
          nodeName: `node-${n % 5}`,
          zone: null,
          conditions: { ready: true, serving: true, terminating: false },
          ports: { http: 8080 },
        };
      }),
    });
  }
  const settings = {
    ...defaultClusterSettings(),
    localDetector: { mode: 'ClusterCIDR' as const, cidrs: ['10.64.0.0/13' as CIDRText] },
  };
  return { settings, nodes, services: list };
}

function ksvcModel(): ClusterModel {
  const front = loadKsvc(makeSourceFile('bench.ksvc', generateKsvc({ services, endpointsPerService, seed: 1 })));
  if (!front.model) {
    console.error(
      front.diagnostics
        .slice(0, 5)
        .map((d) => `${d.code}: ${d.message}`)
        .join('\n'),
    );
    process.exit(1);
  }
  return front.model;
}

const model = values.ksvc ? ksvcModel() : directModel();
const node = model.nodes[0]?.name;
const servicePorts = model.services.reduce((n, s) => n + s.ports.length, 0);
const endpoints = model.services.reduce((n, s) => n + s.endpoints.length, 0);

const rssAfterModel = process.memoryUsage().rss;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const lowerMs: number[] = [];
const renderMs: number[] = [];
const cpuMs: number[] = [];
let bytes = 0;
let lines = 0;
for (let i = 0; i < runs; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = lowerModel(model, { family: 'ipv4', ...(node ? { node } : {}) });
  const t1 = performance.now();
  const out = renderIptables(r.programs[0]!, { format: 'restore' });
  const t2 = performance.now();
  const c1 = process.cpuUsage(c0);
  cpuMs.push((c1.user + c1.system) / 1000);
  lowerMs.push(t1 - t0);
  renderMs.push(t2 - t1);
  bytes = out.length;
  lines = out.split('\n').length - 1;
}
const total = lowerMs.map((l, i) => l + renderMs[i]!);
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
console.log(
  `input: ${services} services, ${servicePorts} service ports, ${endpoints} endpoints, ${model.nodes.length} nodes (node ${node ?? '-'})`,
);
console.log(`output: ${lines} lines, ${mb(bytes)} of iptables-restore text`);
console.log(`lower:  median ${median(lowerMs).toFixed(0)} ms`);
console.log(`render: median ${median(renderMs).toFixed(0)} ms`);
console.log(
  `lower+render: median ${median(total).toFixed(0)} ms, min ${Math.min(...total).toFixed(0)} ms over ${runs} runs`,
);
console.log(`lower+render CPU time (user+sys, all threads incl. GC): median ${median(cpuMs).toFixed(0)} ms`);
console.log(
  `machine load average while measuring: ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
console.log(
  `RSS after building the model: ${mb(rssAfterModel)}; peak RSS of the process: ${mb(process.resourceUsage().maxRSS * 1024)} (use --runs 1 for the peak of a single compile)`,
);
