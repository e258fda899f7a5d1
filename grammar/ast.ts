// The .ksvc AST: what the parser read, with a source span on every node. Leaves keep the text the
// author wrote (addresses, names) so the formatter can print it back and the checker can report
// exactly where a value is wrong; nothing here is validated beyond its token shape. The checker
// (compiler/check) turns this into the model (compiler/model.ts). docs/language.md is the grammar.
import type { Protocol, ServiceType, TrafficPolicy } from '../common/kubernetes.ts';
import type { Span } from '../common/source.ts';

/** A token-level value and where it was written. */
export interface Located<T> {
  value: T;
  span: Span;
}

/**
 * A number and the digits as written: messages quote the written text (a 401-digit port is not
 * "Infinity"), the formatter prints it when the value is not exact.
 */
export interface NumberLit extends Located<number> {
  text: string;
}

export interface Comment {
  /** Text after '#', without the newline. */
  text: string;
  span: Span;
}

export interface FileNode {
  kind: 'File';
  span: Span;
  blocks: TopLevelBlock[];
  /** Every comment in the file, in order (the formatter re-attaches them). */
  comments: Comment[];
}

export type TopLevelBlock = ClusterBlock | NodeBlock | ServiceBlock;

// ---------------------------------------------------------------------------------------------
// Literals

/** An address exactly as written: "10.0.0.1", "fd00::1" (brackets, if any, are not included). */
export interface AddressLit {
  kind: 'Address';
  text: string;
  span: Span;
}

/** A CIDR exactly as written: "10.64.1.0/24". */
export interface CidrLit {
  kind: 'Cidr';
  text: string;
  span: Span;
}

// ---------------------------------------------------------------------------------------------
// cluster { ... }

/**
 * Where a block's `{` was written (a built AST has none): fmt keeps a comment on its line with the
 * header.
 */
type Brace = { brace?: Span };

export interface ClusterBlock extends Brace {
  kind: 'Cluster';
  span: Span;
  settings: ClusterSetting[];
}

export type ClusterSetting =
  | MasqFromOutside
  | { kind: 'MasqAll'; span: Span }
  | { kind: 'MasqBit'; span: Span; bit: NumberLit }
  /** `nodePort addresses CIDR, ...` or `nodePort addresses primary` (cidrs then empty). */
  | { kind: 'NodePortAddresses'; span: Span; cidrs: CidrLit[]; primary: boolean }
  | { kind: 'LocalhostNodePorts'; span: Span; enabled: Located<boolean> }
  | { kind: 'NodePortRange'; span: Span; min: NumberLit; max: NumberLit };

/** `masq from outside ...` — the local-traffic detector (cluster-wide, or one service's override). */
export interface MasqFromOutside {
  kind: 'MasqFromOutside';
  span: Span;
  detector: DetectorSpec;
}

export type DetectorSpec =
  /** --detect-local-mode=ClusterCIDR with this --cluster-cidr */
  | { kind: 'Cidr'; cidr: CidrLit }
  /** --detect-local-mode=NodeCIDR: the compiled node's podCIDRs */
  | { kind: 'NodePodCIDR'; span: Span }
  /** --detect-local-mode=BridgeInterface */
  | { kind: 'BridgeInterface'; name: Located<string> }
  /** --detect-local-mode=InterfaceNamePrefix */
  | { kind: 'InterfaceNamePrefix'; prefix: Located<string> };

// ---------------------------------------------------------------------------------------------
// node NAME { ... }

export interface NodeBlock extends Brace {
  kind: 'Node';
  span: Span;
  name: Located<string>;
  statements: NodeStatement[];
}

export type NodeStatement =
  | { kind: 'NodeAddress'; span: Span; addresses: AddressLit[] }
  | { kind: 'NodePodCIDRs'; span: Span; cidrs: CidrLit[] }
  /** `zone ZONE`: the Node's topology.kubernetes.io/zone label (topology-aware routing). */
  | { kind: 'NodeZone'; span: Span; zone: Located<string> };

// ---------------------------------------------------------------------------------------------
// service NAMESPACE/NAME { ... }

export interface ServiceBlock extends Brace {
  kind: 'Service';
  span: Span;
  namespace: Located<string>;
  name: Located<string>;
  items: ServiceItem[];
}

/** `NAME: TYPE IP:PORT/PROTO [nodePort N] -> endpoints[:TARGET] [, clause]...` */
export interface PortLine {
  kind: 'Port';
  span: Span;
  /** null for an unnamed port (a line without "NAME:"). */
  name: Located<string> | null;
  type: Located<ServiceType>;
  clusterIP: AddressLit;
  /** True when the address was written in brackets ("[fd00::1]:53"). */
  bracketed: boolean;
  port: NumberLit;
  protocol: Located<Protocol>;
  nodePort: NumberLit | null;
  /** `-> endpoints:8080` (number) or `-> endpoints:http` (a port name); null for `-> endpoints`. */
  targetPort: NumberLit | Located<string> | null;
  clauses: ServiceAttribute[];
}

/** Service-wide attributes: allowed both as port-line clauses and as statements. */
export type ServiceAttribute =
  | { kind: 'ExternalTrafficPolicy'; span: Span; policy: Located<TrafficPolicy> }
  | { kind: 'InternalTrafficPolicy'; span: Span; policy: Located<TrafficPolicy> }
  | {
      kind: 'SessionAffinity';
      span: Span;
      affinity: Located<'ClientIP' | 'None'>;
      /** Seconds; null = default (10800). */
      timeout: NumberLit | null;
    }
  | MasqFromOutside;

export type ServiceItem =
  | PortLine
  | ServiceAttribute
  | { kind: 'ExternalIPs'; span: Span; addresses: AddressLit[] }
  | { kind: 'LoadBalancerIngress'; span: Span; addresses: AddressLit[] }
  | { kind: 'LoadBalancerSourceRanges'; span: Span; cidrs: CidrLit[] }
  | { kind: 'HealthCheckNodePort'; span: Span; port: NumberLit }
  | { kind: 'Endpoints'; span: Span; endpoints: EndpointEntry[] };

export type EndpointCondition = 'ready' | 'not-ready' | 'serving' | 'not-serving' | 'terminating';

/** One endpoint: `10.0.0.5 on node-1 zone us-east-1a for-zone us-east-1a terminating ports http=8080 metrics=9090` */
export interface EndpointEntry {
  span: Span;
  address: AddressLit;
  node: Located<string> | null;
  zone: Located<string> | null;
  /** `for-zone ZONE`: the EndpointSlice's hints.forZones (topology-aware routing), as written. */
  forZones: Located<string>[];
  /** `for-node NODE`: hints.forNodes. */
  forNodes: Located<string>[];
  conditions: Located<EndpointCondition>[];
  /** Named ports of this endpoint, used to resolve `-> endpoints:NAME`. */
  ports: { span: Span; name: Located<string>; port: NumberLit }[];
}
