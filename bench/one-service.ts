// One service with many endpoints, for the check's scaling in the endpoints of one service port
// (docs/benchmarks.md, "One service of N endpoints"): its classes grow with N and each holds a
// distribution over all N, so it grows with N² where 10,000 services of 10 grow linearly.
//   node --import tsx bench/one-service.ts --endpoints 400 [--type load-balancer|cluster-ip] > one.ksvc
//   node bin/ksvc.cjs verify one.ksvc --node node-0
// load-balancer: a LoadBalancer with externalTrafficPolicy local and one ingress IP (the
// heaviest: hairpin, local and cluster paths); endpoints spread over three nodes.
import { benchArgs } from './args.ts';

const { values, numbers } = benchArgs(
  'bench/one-service.ts',
  { options: { type: { type: 'string', default: 'load-balancer' } } },
  { endpoints: 400 },
);
if (values.type !== 'load-balancer' && values.type !== 'cluster-ip') {
  console.error(`bench/one-service.ts: --type is load-balancer or cluster-ip, not '${values.type}'`);
  process.exit(2);
}
const n = numbers.endpoints;
if (n < 1 || n > 250 * 256 * 3) {
  console.error(`bench/one-service.ts: --endpoints is 1 to ${250 * 256 * 3}`);
  process.exit(2);
}

const lines = ['cluster {', '  masq from outside 100.64.0.0/10', '}', ''];
for (let i = 0; i < 3; i++) {
  lines.push(`node node-${i} {`, `  address 172.16.0.${10 + i}`, `  podCIDR 100.${64 + i}.0.0/16`, '}', '');
}
lines.push('service default/big {');
if (values.type === 'load-balancer') {
  lines.push(
    '  http: LoadBalancer 10.96.0.2:80/tcp nodePort 30000 -> endpoints:8080, externalTrafficPolicy local',
    '  loadBalancerIngress 203.0.0.2',
    '  healthCheckNodePort 30001',
  );
} else lines.push('  http: ClusterIP 10.96.0.2:80/tcp -> endpoints:8080');
const endpoints: string[] = [];
for (let i = 0; i < n; i++) {
  const node = i % 3;
  const k = Math.floor(i / 3);
  endpoints.push(`100.${64 + node}.${Math.floor(k / 250)}.${(k % 250) + 1} on node-${node}`);
}
lines.push(`  endpoints ${endpoints.join(', ')}`, '}');
process.stdout.write(`${lines.join('\n')}\n`);
