// The models behind the nftables goldens: every feature the backend renders, each scenario built
// through the real lowering (model -> lowerModel -> renderer).
import { readdirSync, readFileSync } from 'node:fs';
import { makeSourceFile } from '../../../common/source.ts';
import { loadKsvc } from '../../../compiler/load-ksvc.ts';
import { type LowerOptions, type LowerResult, lowerModel } from '../../../compiler/lower/index.ts';
import type { ClusterModel } from '../../../compiler/model.ts';
import { CASES, caseOptions } from '../iptables/cases.ts';
import { cidr, cluster, ep, ip, node, overallModel, port, service } from '../iptables/model-builders.ts';

export interface Scenario {
  name: string;
  what: string;
  model: () => ClusterModel;
  options?: LowerOptions;
}

const e = (a: string, o: Parameters<typeof ep>[1] = {}, portName = 'http', p = 8080) =>
  ep(a, { ports: { [portName]: p }, ...o });

/** Dual stack: IPv4 + IPv6 services, UDP, SCTP, iTP=Local, ClientIP affinity over several endpoints. */
function dualStack(): ClusterModel {
  return cluster(
    { localDetector: { mode: 'ClusterCIDR', cidrs: [cidr('10.64.0.0/16'), cidr('fd00:10:64::/48')] } },
    [node('node-a', ['192.168.0.2', '2001:db8::2'])],
    [
      service('default', 'web', {
        type: 'NodePort',
        clusterIPs: ['10.96.0.50', 'fd00:96::50'],
        ports: [port({ name: 'http', port: 80, nodePort: 30080, targetPort: 8080 })],
        sessionAffinity: { type: 'ClientIP', timeoutSeconds: 600 },
        endpoints: [
          e('10.64.1.5', { node: 'node-a' }),
          e('10.64.2.6'),
          e('fd00:10:64:1::5', { node: 'node-a' }),
          e('fd00:10:64:2::6'),
        ],
      }),
      service('kube-system', 'dns', {
        clusterIPs: ['10.96.0.10', 'fd00:96::10'],
        ports: [port({ name: 'dns', port: 53, protocol: 'udp' }), port({ name: 'dns-tcp', port: 53 })],
        endpoints: ['10.64.1.7', '10.64.2.8', '10.64.3.9', 'fd00:10:64:1::7'].map((a) =>
          ep(a, { ports: { dns: 53, 'dns-tcp': 53 } }),
        ),
      }),
      service('telecom', 'sig', {
        clusterIPs: ['10.96.0.77'],
        internalTrafficPolicy: 'Local',
        ports: [port({ name: 'sctp', port: 3868, protocol: 'sctp' })],
        endpoints: [
          ep('10.64.1.20', { node: 'node-a', ports: { sctp: 3868 } }),
          ep('10.64.2.21', { ports: { sctp: 3868 } }),
        ],
      }),
      service('telecom', 'sig-remote', {
        clusterIPs: ['10.96.0.78'],
        internalTrafficPolicy: 'Local',
        ports: [port({ name: 'sctp', port: 3868, protocol: 'sctp' })],
        endpoints: [ep('10.64.2.22', { ports: { sctp: 3868 } })],
      }),
    ],
  );
}

/** Bridge detector, restricted NodePort addresses, eTP=Local with local endpoints, LB range holding the node. */
function bridgeRestricted(): ClusterModel {
  return cluster(
    {
      localDetector: { mode: 'BridgeInterface', interfaceName: 'cbr0' },
      nodePortAddresses: [cidr('192.168.0.0/24')],
      localhostNodePorts: false,
    },
    [node('node-a', ['192.168.0.2', '10.0.0.2'])],
    [
      service('shop', 'front', {
        type: 'LoadBalancer',
        clusterIPs: ['10.96.1.1'],
        ports: [port({ name: 'http', port: 80, nodePort: 31080, targetPort: 8080 })],
        loadBalancerIngress: [ip('203.0.113.10')],
        loadBalancerSourceRanges: [cidr('192.168.0.0/16'), cidr('198.51.100.0/24')],
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 32000,
        endpoints: [e('10.64.1.5', { node: 'node-a' }), e('10.64.2.6'), e('10.64.1.9', { node: 'node-a' })],
      }),
      service('shop', 'empty', {
        type: 'LoadBalancer',
        clusterIPs: ['10.96.1.2'],
        ports: [port({ name: 'http', port: 80, nodePort: 31081, targetPort: 8080 })],
        loadBalancerIngress: [ip('203.0.113.11')],
        externalIPs: [ip('192.168.0.50')],
      }),
    ],
  );
}

/** Interface-prefix detector, masquerade-all, terminating fallback, a 4-endpoint cascade. */
function prefixMasqAll(): ClusterModel {
  return cluster(
    { localDetector: { mode: 'InterfaceNamePrefix', prefix: 'veth' }, masqueradeAll: true },
    [node('node-a', ['192.168.0.2'])],
    [
      service('batch', 'workers', {
        clusterIPs: ['10.96.2.1'],
        ports: [port({ name: 'grpc', port: 9000, targetPort: 9000 })],
        endpoints: ['10.64.1.1', '10.64.1.2', '10.64.1.3', '10.64.1.4'].map((a) => ep(a, { ports: { grpc: 9000 } })),
      }),
      service('batch', 'draining', {
        type: 'NodePort',
        clusterIPs: ['10.96.2.2'],
        ports: [port({ name: 'grpc', port: 9000, nodePort: 30900, targetPort: 9000 })],
        endpoints: [
          ep('10.64.1.7', { ports: { grpc: 9000 }, ready: false, serving: true, terminating: true }),
          ep('10.64.1.8', { ports: { grpc: 9000 }, ready: false, serving: false, terminating: true }),
        ],
      }),
      service('batch', 'edge', {
        type: 'NodePort',
        clusterIPs: ['10.96.2.3'],
        externalTrafficPolicy: 'Local',
        ports: [port({ name: 'grpc', port: 9000, nodePort: 30901, targetPort: 9000 })],
        endpoints: [ep('10.64.1.30', { ports: { grpc: 9000 }, node: 'node-a' })],
      }),
    ],
  );
}

export const scenarios: Scenario[] = [
  { name: 'overall', what: "kube-proxy's TestOverallIPTablesRules services", model: overallModel },
  { name: 'dual-stack', what: 'IPv4 + IPv6, UDP, SCTP, iTP=Local, affinity', model: dualStack },
  {
    name: 'bridge-restricted',
    what: 'bridge detector, NodePort addresses, no localhost NodePorts, eTP=Local, source ranges; liberal conntrack, no fully-random',
    model: bridgeRestricted,
    options: { environment: { conntrackLiberal: true, randomFully: false } },
  },
  {
    name: 'prefix-masquerade-all',
    what: 'interface-prefix detector, masquerade-all, terminating fallback',
    model: prefixMasqAll,
  },
];

// ---- every iptables golden case, rendered by the nftables backend --------------------------------
// test/golden/nftables/case-<name>.nft is the nft twin of test/golden/iptables/<name>.restore: the
// same model and options, so the two goldens can be read side by side (docs/nftables.md maps every
// iptables rule to its nft construct).

export interface LoweredInput {
  name: string;
  lowered: LowerResult;
}

/** The iptables golden cases lowered exactly as test/golden/iptables-cases.test.ts lowers them. */
export function iptablesCases(): LoweredInput[] {
  return CASES.map((c) => {
    const model = c.model();
    return { name: c.name, lowered: lowerModel(model, caseOptions(c, model)) };
  });
}

const examplesDir = new URL('../../../examples/', import.meta.url);

/** Every examples/*.ksvc, lowered for each of its nodes (or for no node when it declares none). */
export function exampleInputs(): LoweredInput[] {
  const out: LoweredInput[] = [];
  for (const file of readdirSync(examplesDir)
    .filter((f) => f.endsWith('.ksvc'))
    .sort()) {
    const front = loadKsvc(makeSourceFile(file, readFileSync(new URL(file, examplesDir), 'utf8')));
    if (!front.model)
      throw new Error(`example ${file} does not check: ${front.diagnostics.map((d) => d.message).join('; ')}`);
    const model = front.model;
    const nodes: (string | undefined)[] = model.nodes.length > 0 ? model.nodes.map((n) => n.name) : [undefined];
    for (const node of nodes)
      out.push({ name: `${file}@${node ?? '-'}`, lowered: lowerModel(model, node === undefined ? {} : { node }) });
  }
  return out;
}
