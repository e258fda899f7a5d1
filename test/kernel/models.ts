// Small Kubernetes-shaped models for the packet tests, built directly (no parser needed): each is
// a ClusterModel as the checker would produce it.
import type {
  ClusterModel,
  ClusterSettings,
  EndpointModel,
  ServiceModel,
  ServicePortModel,
} from '../../compiler/model.ts';
import { cluster as clusterOf, ip, node } from '../golden/iptables/model-builders.ts';

// The shared model builders; this file only adds the packet tests' positional shorthands.
export { cidr, ip, service } from '../golden/iptables/model-builders.ts';

export function endpoint(
  address: string,
  nodeName: string | null,
  ports: Record<string, number>,
  cond: Partial<EndpointModel['conditions']> = {},
): EndpointModel {
  return {
    address: ip(address),
    family: address.includes(':') ? 'ipv6' : 'ipv4',
    nodeName,
    zone: null,
    conditions: { ready: true, serving: true, terminating: false, ...cond },
    ports,
  };
}

export function port(
  name: string,
  protocol: ServicePortModel['protocol'],
  p: number,
  targetPort: number | string,
  nodePort: number | null = null,
): ServicePortModel {
  return { name, protocol, port: p, nodePort, targetPort };
}

export function cluster(
  settings: Partial<ClusterSettings>,
  nodes: { name: string; addresses: string[]; podCIDRs?: string[] }[],
  services: ServiceModel[],
): ClusterModel {
  return clusterOf(
    settings,
    nodes.map((n) => node(n.name, n.addresses, n.podCIDRs ?? [])),
    services,
  );
}
