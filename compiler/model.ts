// The checked model: one cluster's services, endpoints, nodes and kube-proxy settings, as plain
// data close to the Kubernetes objects (Service, EndpointSlice, Node, kube-proxy flags). Both front
// ends produce it — the .ksvc checker (compiler/check) and the Kubernetes import (compiler/kube) —
// and lowering (compiler/lower) reads nothing else. Every address is canonical (IPText/CIDRText),
// every name has been validated; a model that type-checks holds no unvalidated string.
import type { CIDRText, Family, IPText } from '../common/ip.ts';
import type { Protocol, ServiceType, TrafficPolicy } from '../common/kubernetes.ts';
import type { Span } from '../common/source.ts';

/** Where a model object came from, for diagnostics after checking (import: YAML positions). */
export interface Origin {
  file: string;
  span: Span | null;
  /** Field path for structured input ("items[3].spec.ports[0]"). */
  path?: string;
}

export interface ClusterModel {
  settings: ClusterSettings;
  /** In declaration order; names are unique. */
  nodes: NodeModel[];
  /** In declaration order; namespace/name pairs are unique. */
  services: ServiceModel[];
}

/** kube-proxy's local-traffic detector (--detect-local-mode and its companion flag). */
export type LocalDetectorSpec =
  | { mode: 'None' }
  /** --cluster-cidr, at most one CIDR per family (kube-proxy uses the first of each family). */
  | { mode: 'ClusterCIDR'; cidrs: CIDRText[] }
  /** The node's spec.podCIDRs (of the node compiled for). */
  | { mode: 'NodeCIDR' }
  /** --pod-bridge-interface */
  | { mode: 'BridgeInterface'; interfaceName: string }
  /** --pod-interface-name-prefix */
  | { mode: 'InterfaceNamePrefix'; prefix: string };

export interface ClusterSettings {
  localDetector: LocalDetectorSpec;
  /** --masquerade-all */
  masqueradeAll: boolean;
  /** --iptables-masquerade-bit (0..31), default 14. */
  masqueradeBit: number;
  /**
   * --nodeport-addresses as CIDRs; 'primary' = the compiled node's primary address of each family
   * (kube-proxy's `--nodeport-addresses primary`); null = all local addresses (kube-proxy's
   * iptables default).
   */
  nodePortAddresses: CIDRText[] | 'primary' | null;
  /** --iptables-localhost-nodeports, default true. */
  localhostNodePorts: boolean;
  /** The API server's --service-node-port-range, inclusive. */
  nodePortRange: { min: number; max: number };
}

export const defaultClusterSettings = (): ClusterSettings => ({
  localDetector: { mode: 'None' },
  masqueradeAll: false,
  masqueradeBit: 14,
  nodePortAddresses: null,
  localhostNodePorts: true,
  nodePortRange: { min: 30000, max: 32767 },
});

export interface NodeModel {
  name: string;
  /** status.addresses (InternalIP/ExternalIP), canonical, in declaration order. */
  addresses: IPText[];
  /** spec.podCIDRs, at most one per family. */
  podCIDRs: CIDRText[];
  /**
   * The node's topology.kubernetes.io/zone label: which zone hints apply on this node
   * (topology-aware routing, docs/ir.md §2). Absent when the node has none.
   */
  zone?: string;
  origin?: Origin;
}

export interface ServiceModel {
  namespace: string;
  name: string;
  type: ServiceType;
  /** spec.clusterIPs: at most one per family, the primary family first. */
  clusterIPs: IPText[];
  ports: ServicePortModel[];
  /** spec.externalIPs, in spec order. */
  externalIPs: IPText[];
  /** status.loadBalancer.ingress[].ip (ipMode VIP only), in status order. */
  loadBalancerIngress: IPText[];
  /** spec.loadBalancerSourceRanges, normalised, in spec order. */
  loadBalancerSourceRanges: CIDRText[];
  externalTrafficPolicy: TrafficPolicy;
  internalTrafficPolicy: TrafficPolicy;
  sessionAffinity: { type: 'None' } | { type: 'ClientIP'; timeoutSeconds: number };
  /** spec.healthCheckNodePort; null when unset. */
  healthCheckNodePort: number | null;
  /** A ksvc extension: this service's own detector, replacing the cluster's. null = the cluster's. */
  localDetectorOverride: LocalDetectorSpec | null;
  /** The EndpointSlice endpoints of this service (all families, all slices merged). */
  endpoints: EndpointModel[];
  origin?: Origin;
}

export interface ServicePortModel {
  /** "" for an unnamed port (only allowed when the service has a single port). */
  name: string;
  protocol: Protocol;
  port: number;
  /** null when no NodePort is allocated. */
  nodePort: number | null;
  /** spec.ports[].targetPort: a number, or a name resolved per endpoint through EndpointModel.ports. */
  targetPort: number | string;
  origin?: Origin;
}

export interface EndpointConditions {
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

export interface EndpointModel {
  address: IPText;
  family: Family;
  /** nodeName; null = belongs to no node (never local). */
  nodeName: string | null;
  zone: string | null;
  /**
   * The EndpointSlice's hints (topology-aware routing): the zones (hints.forZones) and nodes
   * (hints.forNodes) this endpoint is for, each name once, in the order first written. Absent when
   * there are none — an endpoint without hints turns the service's topology filtering off.
   */
  zoneHints?: readonly string[];
  nodeHints?: readonly string[];
  conditions: EndpointConditions;
  /**
   * The endpoint's port per service port name, as an EndpointSlice lists it: for a numeric
   * targetPort this is that number; for a named one, the endpoint's port of that name. A service
   * port with no entry here has no endpoint on this address.
   */
  ports: { [servicePortName: string]: number };
  origin?: Origin;
}
