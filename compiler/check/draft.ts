// The checker's working form of a file: the AST nodes grouped per object, with every address and
// CIDR already parsed (invalid ones were reported and left out). Rules read this; when no rule
// reported an error, assemble.ts turns it into the model.
import type { Family, IPText, ParsedCIDR } from '../../common/ip.ts';
import type { Protocol, ServiceType, TrafficPolicy } from '../../common/kubernetes.ts';
import type { Span } from '../../common/source.ts';
import type { SpecialKind } from '../../common/special-address.ts';
import type {
  ClusterSetting,
  EndpointEntry,
  Located,
  MasqFromOutside,
  NodeBlock,
  PortLine,
  ServiceAttribute,
  ServiceBlock,
} from '../../grammar/ast.ts';
import type { EndpointConditions } from '../model.ts';
import type { ParsedAddress, ParsedCidrLit } from './values.ts';

export interface Occurrence<T> {
  value: T;
  span: Span;
}

/** One `masq from outside ...`; for the CIDR form, the parsed CIDR (entries with a bad CIDR are dropped). */
export interface DetectorItem {
  ast: MasqFromOutside;
  cidr: ParsedCIDR | null;
}

export interface NodeDraft {
  ast: NodeBlock;
  name: string;
  addresses: ParsedAddress[];
  podCIDRs: ParsedCidrLit[];
  /** `zone ZONE` statements, in order (more than one is an error). */
  zones: Located<string>[];
}

/** One port line, flattened like EndpointDraft (the AST is kept for spans). */
export interface PortLineDraft {
  ast: PortLine;
  /** "" for an unnamed port. */
  name: string;
  type: ServiceType;
  /** The cluster IP; null (with family and special) when it did not parse. */
  ip: IPText | null;
  family: Family | null;
  special: SpecialKind | null;
  port: number;
  protocol: Protocol;
  nodePort: number | null;
  /** As written: a number, a port name, or null for `-> endpoints`. */
  target: number | string | null;
}

export type AffinityAst = Extract<ServiceAttribute, { kind: 'SessionAffinity' }>;

/**
 * One endpoint, flattened: rules read these fields instead of walking back into the AST (on a large
 * file every extra pointer chase into the AST costs a cache miss per endpoint per rule).
 */
export interface EndpointDraft {
  /** For diagnostics' spans only. */
  ast: EndpointEntry;
  span: Span;
  /** The address (canonical text); `at` is its span. The draft is also the shared rules' EndpointFact. */
  ip: IPText;
  at: Span;
  family: Family;
  /** The special-purpose kind of the address; null for an ordinary unicast address. */
  special: SpecialKind | null;
  node: string | null;
  zone: string | null;
  /** `ports NAME=N` as written (a shared empty array when there are none). */
  portEntries: EndpointEntry['ports'];
  /** null when the conditions contradict each other (reported). */
  conditions: EndpointConditions | null;
  /** `ports NAME=N`, first entry of each name. */
  namedPorts: ReadonlyMap<string, number>;
}

export interface ServiceDraft {
  ast: ServiceBlock;
  namespace: string;
  name: string;
  /** "namespace/name" */
  key: string;
  lines: PortLineDraft[];
  /** The type of the first port line (null without port lines). */
  type: ServiceType | null;
  /** Families of the cluster IPs, in order of first appearance (the first is the primary). */
  families: Family[];
  etp: Occurrence<TrafficPolicy>[];
  itp: Occurrence<TrafficPolicy>[];
  affinity: AffinityAst[];
  masq: DetectorItem[];
  externalIPs: ParsedAddress[];
  lbIngress: ParsedAddress[];
  /** Spans of the `loadBalancerIngress` statements. */
  lbIngressAt: Span[];
  sourceRanges: ParsedCidrLit[];
  sourceRangesAt: Span[];
  /** healthCheckNodePort statements, with the digits as written. */
  hcnp: (Occurrence<number> & { text: string })[];
  endpoints: EndpointDraft[];
}

export interface FileDraft {
  clusterSettings: ClusterSetting[];
  detectors: DetectorItem[];
  nodePortAddresses: Occurrence<ParsedCidrLit[] | 'primary'>[];
  /** The effective NodePort range (the first valid `nodePort range`, else the default). */
  nodePortRange: { min: number; max: number };
  nodes: NodeDraft[];
  /** First declaration of each node name. */
  nodesByName: Map<string, NodeDraft>;
  services: ServiceDraft[];
}

export { familyName } from '../../common/ip.ts';
