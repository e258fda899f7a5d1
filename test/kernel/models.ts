// Small Kubernetes-shaped models for the packet tests, built directly (no parser needed): each is
// a ClusterModel as the checker would produce it.
import type { CIDRText, IPText } from '../../common/ip.ts';
import {
  defaultClusterSettings,
  type ClusterModel,
  type ClusterSettings,
  type EndpointModel,
  type ServiceModel,
  type ServicePortModel,
} from '../../compiler/model.ts';

export const ip = (s: string) => s as IPText;
export const cidr = (s: string) => s as CIDRText;

export function endpoint(address: string, nodeName: string | null, ports: Record<string, number>, cond: Partial<EndpointModel['conditions']> = {}): EndpointModel {
  return {
    address: ip(address),
    family: address.includes(':') ? 'ipv6' : 'ipv4',
    nodeName,
    zone: null,
    conditions: { ready: true, serving: true, terminating: false, ...cond },
    ports,
  };
}

export function port(name: string, protocol: ServicePortModel['protocol'], p: number, targetPort: number | string, nodePort: number | null = null): ServicePortModel {
  return { name, protocol, port: p, nodePort, targetPort };
}

export function service(ns: string, name: string, fields: Partial<ServiceModel> & Pick<ServiceModel, 'clusterIPs' | 'ports' | 'endpoints'>): ServiceModel {
  return {
    namespace: ns,
    name,
    type: 'ClusterIP',
    externalIPs: [],
    loadBalancerIngress: [],
    loadBalancerSourceRanges: [],
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
    sessionAffinity: { type: 'None' },
    healthCheckNodePort: null,
    localDetectorOverride: null,
    ...fields,
  };
}

export function cluster(settings: Partial<ClusterSettings>, nodes: { name: string; addresses: string[]; podCIDRs?: string[] }[], services: ServiceModel[]): ClusterModel {
  return {
    settings: { ...defaultClusterSettings(), ...settings },
    nodes: nodes.map((n) => ({ name: n.name, addresses: n.addresses.map(ip), podCIDRs: (n.podCIDRs ?? []).map(cidr) })),
    services,
  };
}
