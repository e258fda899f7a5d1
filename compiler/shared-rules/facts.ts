// What the shared rules read: the facts of one cluster that both front ends know, each with a
// location `L` in the front end's own terms (a .ksvc span, a YAML node's place). A front end builds
// the facts from what it read and gives a FactReporter that turns its locations into diagnostics'.
import type { Diagnostic, DiagnosticWhere, RelatedLocation } from '../../common/diagnostics.ts';
import type { Family, IPText, ParsedCIDR } from '../../common/ip.ts';
import type { Protocol } from '../../common/kubernetes.ts';

export interface AddressFact<L> {
  ip: IPText;
  family: Family;
  at: L;
}

export interface CIDRFact<L> {
  cidr: ParsedCIDR;
  at: L;
}

export interface PortFact<L> {
  /** How the port is named in messages: `'http'`, or `(unnamed)`. */
  label: string;
  port: number;
  protocol: Protocol;
  /** The families the port is served in (those of the service's cluster IPs, for .ksvc of its lines). */
  families: readonly Family[];
  nodePort: { value: number; at: L } | null;
}

export interface EndpointFact<L> {
  ip: IPText;
  family: Family;
  node: string | null;
  at: L;
}

export interface ServiceFacts<L> {
  /** "namespace/name" */
  key: string;
  /** Each cluster IP once (the first place it is written). */
  clusterIPs: AddressFact<L>[];
  /** Each service port once. */
  ports: PortFact<L>[];
  externalIPs: AddressFact<L>[];
  loadBalancerIPs: AddressFact<L>[];
  healthCheckNodePort: { value: number; at: L } | null;
  endpoints: EndpointFact<L>[];
  /** This service's own `masq from outside CIDR` (the .ksvc per-service detector). */
  detectorCIDRs: CIDRFact<L>[];
  /** type LoadBalancer (its source ranges filter its load-balancer IPs; other types have none) */
  loadBalancer: boolean;
  /** loadBalancerSourceRanges, as written */
  sourceRanges: CIDRFact<L>[];
}

export interface NodeFacts<L> {
  name: string;
  addresses: AddressFact<L>[];
  podCIDRs: CIDRFact<L>[];
}

export interface ClusterFacts<L> {
  /** Where a finding about the whole input points (the file, no position). */
  inputAt: L;
  /** Services the input declares, valid or not (a service with errors is not in `services`). */
  declaredServices: number;
  services: ServiceFacts<L>[];
  nodes: NodeFacts<L>[];
  /** The cluster's detector CIDRs (`masq from outside CIDR`, kube-proxy's --cluster-cidr). */
  clusterCIDRs: CIDRFact<L>[];
}

export interface FactReporter<L> {
  report(d: Diagnostic): void;
  where(at: L, extra?: { hint?: string; related?: RelatedLocation[] }): DiagnosticWhere;
  related(message: string, at: L): RelatedLocation;
}
