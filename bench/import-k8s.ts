// Benchmark: read Kubernetes YAML (or JSON) for a large cluster into the model, and turn the model
// into the .ksvc AST (not a timed test).
//   node --import tsx bench/import-k8s.ts [--services 10000] [--endpoints 10] [--runs 3] [--json | --list] [--out FILE]
// The input is generated here, deterministically: one Service (ClusterIP/NodePort/LoadBalancer
// mix, two ports) and one EndpointSlice per service, endpoints spread over 5 Nodes, all in one
// multi-document YAML file as `kubectl get -o yaml` would split it (or one JSON List with --json).
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { makeSourceFile } from '../common/source.ts';
import { importKubernetes } from '../compiler/kube/index.ts';
import { modelToAst } from '../compiler/kube/to-ast.ts';
import { benchArgs } from './args.ts';

const { values, numbers } = benchArgs(
  'bench/import-k8s.ts',
  {
    options: {
      json: { type: 'boolean' },
      list: { type: 'boolean' },
      out: { type: 'string' },
    },
  },
  { services: 10000, endpoints: 10, runs: 3 },
);
const { services, endpoints: perService, runs } = numbers;

const v4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

function objects(): unknown[] {
  const out: unknown[] = [];
  for (let n = 0; n < 5; n++) {
    out.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: `node-${n}` },
      spec: { podCIDRs: [`100.${64 + n}.0.0/16`] },
      status: { addresses: [{ type: 'InternalIP', address: v4((192 << 24) + (168 << 16) + 10 + n) }] },
    });
  }
  let ep = 0;
  // Past 2768 NodePorts the import widens the range (no --service-node-port-range given).
  let nodePorts = 0;
  for (let i = 0; i < services; i++) {
    const kind = i % 10;
    const type = kind < 7 ? 'ClusterIP' : kind < 9 ? 'NodePort' : 'LoadBalancer';
    const ports = ['http', 'metrics'].map((name, j) => ({
      name,
      port: 80 + j,
      protocol: 'TCP',
      targetPort: 8080 + j,
      ...(type === 'ClusterIP' ? {} : { nodePort: 30000 + nodePorts++ }),
    }));
    const ns = `ns-${i % 50}`;
    out.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `svc-${i}`, namespace: ns },
      spec: {
        type,
        clusterIP: v4((10 << 24) + (96 << 16) + i + 1),
        clusterIPs: [v4((10 << 24) + (96 << 16) + i + 1)],
        ipFamilies: ['IPv4'],
        ports,
        ...(type === 'ClusterIP' ? {} : { externalTrafficPolicy: 'Cluster' }),
      },
      status: { loadBalancer: type === 'LoadBalancer' ? { ingress: [{ ip: v4((203 << 24) + i) }] } : {} },
    });
    const endpoints = Array.from({ length: perService }, () => {
      const n = ep++;
      return {
        addresses: [v4((100 << 24) + ((64 + (n % 5)) << 16) + Math.floor(n / 5) + 1)],
        conditions: { ready: n % 17 !== 0 },
        nodeName: `node-${n % 5}`,
      };
    });
    out.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `svc-${i}-abcde`, namespace: ns, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
      addressType: 'IPv4',
      ports: ports.map((p) => ({ name: p.name, port: p.targetPort, protocol: 'TCP' })),
      endpoints,
    });
  }
  return out;
}

/** Block YAML, the shape kubectl prints (two-space indent, "- " list items). */
function yaml(v: unknown, indent = ''): string {
  if (Array.isArray(v)) {
    if (v.length === 0) return ' []\n';
    return `\n${v.map((x) => `${indent}-${yaml(x, `${indent}  `).replace(/^\n\s*/, ' ')}`).join('')}`;
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v);
    if (entries.length === 0) return ' {}\n';
    return (
      '\n' +
      entries
        .map(
          ([k, x]) =>
            `${indent}${/^[A-Za-z]/.test(k) && !k.includes('/') ? k : JSON.stringify(k)}:${yaml(x, `${indent}  `)}`,
        )
        .join('')
    );
  }
  return ` ${typeof v === 'string' ? JSON.stringify(v) : String(v)}\n`;
}

const objs = objects();
// --list: YAML as one `kind: List` document, the form `kubectl get a,b -o yaml` prints (its keys in
// kubectl's order: items before kind)
const text = values.json
  ? JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }, null, 2)
  : values.list
    ? yaml({ apiVersion: 'v1', items: objs, kind: 'List', metadata: { resourceVersion: '' } }).replace(/^\n/, '')
    : objs.map((o) => yaml(o).replace(/^\n/, '')).join('---\n');
const source = makeSourceFile(values.json ? 'bench.json' : 'bench.yaml', text);
// --out: the input as a file too, for timing `ksvc compile --from-k8s` on it end to end
if (values.out !== undefined) writeFileSync(values.out, text);

const importTimes: number[] = [];
const importCpu: number[] = [];
const astTimes: number[] = [];
let endpointCount = 0;
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const result = importKubernetes([source], { clusterCIDRs: ['100.64.0.0/10'] });
  const c1 = process.cpuUsage(c0);
  const t1 = performance.now();
  // CPU time as well: on a loaded machine wall time overstates the cost (see os.loadavg below).
  importCpu.push((c1.user + c1.system) / 1000);
  if (!result.model) throw new Error(`import failed: ${JSON.stringify(result.diagnostics.slice(0, 3))}`);
  const ast = modelToAst(result.model);
  const t2 = performance.now();
  if (ast.diagnostics.length > 0) throw new Error(`to-ast failed: ${JSON.stringify(ast.diagnostics.slice(0, 3))}`);
  importTimes.push(t1 - t0);
  astTimes.push(t2 - t1);
  endpointCount = result.model.services.reduce((n, s) => n + s.endpoints.length, 0);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  [
    `input: ${values.json ? 'JSON List' : values.list ? 'YAML List' : 'multi-document YAML'}, ${(text.length / 1e6).toFixed(1)} MB, ${services} services, ${endpointCount} endpoints, 5 nodes`,
    `importKubernetes: median ${median(importTimes).toFixed(0)} ms wall, ${median(importCpu).toFixed(0)} ms CPU; min ${Math.min(...importTimes).toFixed(0)} ms wall (${runs} runs)`,
    `modelToAst:       median ${median(astTimes).toFixed(0)} ms`,
    `peak RSS: ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`,
  ].join('\n'),
);
