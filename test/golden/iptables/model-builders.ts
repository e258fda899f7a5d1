// Small builders for TypeScript-built models (tests and goldens that do not go through .ksvc text).
import type { CIDRText, IPText } from '../../../common/ip.ts';
import { familyOf } from '../../../common/ip.ts';
import {
  type ClusterModel,
  type ClusterSettings,
  defaultClusterSettings,
  type EndpointConditions,
  type EndpointModel,
  type NodeModel,
  type ServiceModel,
  type ServicePortModel,
} from '../../../compiler/model.ts';

export const ip = (s: string) => s as IPText;
export const cidr = (s: string) => s as CIDRText;

export function cluster(
  settings: Partial<ClusterSettings>,
  nodes: NodeModel[],
  services: ServiceModel[],
): ClusterModel {
  return { settings: { ...defaultClusterSettings(), ...settings }, nodes, services };
}

export const node = (name: string, addresses: string[], podCIDRs: string[] = [], zone?: string): NodeModel => ({
  name,
  addresses: addresses.map(ip),
  podCIDRs: podCIDRs.map(cidr),
  ...(zone === undefined ? {} : { zone }),
});

export const port = (p: Partial<ServicePortModel> & { port: number }): ServicePortModel => ({
  name: '',
  protocol: 'tcp',
  nodePort: null,
  targetPort: p.port,
  ...p,
});

export interface EpOpts {
  node?: string | null;
  ports?: Record<string, number>;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  /** topology hints (hints.forZones / forNodes) */
  zoneHints?: string[];
  nodeHints?: string[];
}

export function ep(address: string, o: EpOpts = {}): EndpointModel {
  const conditions: EndpointConditions = {
    ready: o.ready ?? true,
    serving: o.serving ?? o.ready ?? true,
    terminating: o.terminating ?? false,
  };
  return {
    address: ip(address),
    family: familyOf(address),
    nodeName: o.node ?? null,
    zone: null,
    ...(o.zoneHints === undefined ? {} : { zoneHints: o.zoneHints }),
    ...(o.nodeHints === undefined ? {} : { nodeHints: o.nodeHints }),
    conditions,
    ports: o.ports ?? {},
  };
}

export function service(
  ns: string,
  name: string,
  s: Partial<Omit<ServiceModel, 'clusterIPs'>> & { clusterIPs: string[] },
): ServiceModel {
  const { clusterIPs, ...rest } = s;
  return {
    namespace: ns,
    name,
    type: 'ClusterIP',
    ports: [],
    externalIPs: [],
    loadBalancerIngress: [],
    loadBalancerSourceRanges: [],
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
    sessionAffinity: { type: 'None' },
    healthCheckNodePort: null,
    localDetectorOverride: null,
    endpoints: [],
    ...rest,
    clusterIPs: clusterIPs.map(ip),
  };
}

/**
 * kube-proxy's TestOverallIPTablesRules fixture (pkg/proxy/iptables/proxier_test.go): node test-node
 * 192.168.0.2, detector 10.0.0.0/8, NodePorts 3001-3003 (so the range starts at 3000).
 */
export function overallModel(): ClusterModel {
  const p80 = (extra: Partial<ServicePortModel> = {}) => port({ name: 'p80', port: 80, ...extra });
  const e = (a: string, o: EpOpts = {}) => ep(a, { ports: { p80: 80 }, ...o });
  return cluster(
    { localDetector: { mode: 'ClusterCIDR', cidrs: [cidr('10.0.0.0/8')] }, nodePortRange: { min: 3000, max: 32767 } },
    [node('test-node', ['192.168.0.2'])],
    [
      service('ns1', 'svc1', { clusterIPs: ['172.30.0.41'], ports: [p80()], endpoints: [e('10.180.0.1')] }),
      service('ns2', 'svc2', {
        type: 'LoadBalancer',
        clusterIPs: ['172.30.0.42'],
        ports: [p80({ nodePort: 3001 })],
        loadBalancerIngress: [ip('1.2.3.4')],
        externalIPs: [ip('192.168.99.22')],
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 30000,
        endpoints: [e('10.180.0.2')],
      }),
      service('ns3', 'svc3', {
        type: 'NodePort',
        clusterIPs: ['172.30.0.43'],
        ports: [p80({ nodePort: 3003 })],
        endpoints: [e('10.180.0.3')],
      }),
      service('ns4', 'svc4', {
        type: 'NodePort',
        clusterIPs: ['172.30.0.44'],
        ports: [p80()],
        externalIPs: [ip('192.168.99.33')],
        endpoints: [e('10.180.0.4'), e('10.180.0.5', { node: 'test-node' })],
      }),
      service('ns5', 'svc5', {
        type: 'LoadBalancer',
        clusterIPs: ['172.30.0.45'],
        ports: [p80({ nodePort: 3002 })],
        loadBalancerIngress: [ip('5.6.7.8')],
        loadBalancerSourceRanges: [cidr('203.0.113.0/25')],
        healthCheckNodePort: 30000,
        sessionAffinity: { type: 'ClientIP', timeoutSeconds: 10800 },
        endpoints: [e('10.180.0.3')],
      }),
      service('ns6', 'svc6', { clusterIPs: ['172.30.0.46'], ports: [p80()] }),
    ],
  );
}
