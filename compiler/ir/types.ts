// The IR: kube-proxy's policy decisions, computed once (compiler/lower) for one node and one IP
// family, as plain data. Backends (backends/iptables, backends/nftables) render it and decide
// nothing; the verifier's reference semantics evaluates it directly. docs/ir.md gives the packet
// semantics of every field — change them together.
import type { CIDRText, Family, IPText } from '../../common/ip.ts';
import type { Protocol, TrafficPolicy } from '../../common/kubernetes.ts';

export const IR_VERSION = 1;

/** The local-traffic detector resolved for one family ("is this source a pod of this cluster?"). */
export type IRLocalDetector =
  | { kind: 'none' }
  /** source address inside this CIDR */
  | { kind: 'cidr'; cidr: CIDRText }
  /** packet arrived on exactly this interface */
  | { kind: 'interface'; name: string }
  /** packet arrived on an interface whose name starts with this prefix */
  | { kind: 'interfacePrefix'; prefix: string };

/** Where NodePorts are reachable. */
export type IRNodePortScope =
  /** every local address (iptables: `-m addrtype --dst-type LOCAL`), loopback excluded unless localhost NodePorts */
  | { kind: 'allLocal' }
  /** only these node addresses (--nodeport-addresses matched against the node's addresses) */
  | { kind: 'addresses'; addresses: IPText[] };

export interface IRProgram {
  version: typeof IR_VERSION;
  family: Family;
  /** The node compiled for; null when the input names no node (then nothing is local). */
  node: string | null;
  /**
   * This node's addresses of this family, in declaration order. The "LOCAL" addresses (iptables
   * `addrtype LOCAL`) are these plus the loopback block (127.0.0.0/8 or ::1).
   */
  nodeIPs: IPText[];
  /**
   * kube-proxy's primary node IP of this family (the first of nodeIPs; loopback when there is
   * none, as kube-proxy falls back to 127.0.0.1 / ::1). Only used to decide
   * IRServicePort.firewall.allowLoadBalancerIPs; recorded for the verifier.
   */
  primaryNodeIP: IPText;
  /** kube-proxy's masquerade mark value (1 << bit). */
  masqueradeMark: number;
  /** --masquerade-all */
  masqueradeAll: boolean;
  /** The cluster-wide detector (a service may override it, see IRServicePort.localDetector). */
  localDetector: IRLocalDetector;
  nodePorts: IRNodePortScope;
  /**
   * NodePorts answer on 127.0.0.0/8 (IPv4 only): route_localnet + the KUBE-FIREWALL localnet
   * block. Already false for IPv6 and when the NodePort addresses exclude loopback.
   */
  localhostNodePorts: boolean;
  /** Facts about the node's netfilter, not policy: they only change how rules are spelled. */
  environment: {
    /** nfacct objects can be used (kube-proxy's ct_state_invalid / localhost NodePort counters). */
    nfacct: boolean;
    /** MASQUERADE --random-fully / masquerade fully-random is supported. */
    randomFully: boolean;
    /** nf_conntrack_tcp_be_liberal is set: no conntrack-INVALID drop rule. */
    conntrackLiberal: boolean;
  };
  /**
   * More than 1000 endpoints in total (every endpoint of this family of every service port of this
   * family, whatever its conditions, deduplicated by ip:port): kube-proxy elides per-endpoint rule
   * comments. Spelling only.
   */
  largeCluster: boolean;
  /** Total endpoints counted for largeCluster (for diagnostics and the verifier). */
  totalEndpoints: number;
  /** One entry per (service, port) of this family, in a deterministic order (see docs/ir.md). */
  servicePorts: IRServicePort[];
}

export interface IREndpoint {
  ip: IPText;
  /** The endpoint's (target) port. */
  port: number;
  /** Go net.JoinHostPort(ip, port): "10.0.0.1:80", "[fd00::1]:80" — the sort key and hash input. */
  hostPort: string;
  /** nodeName equals IRProgram.node. */
  isLocal: boolean;
}

/**
 * An endpoint set that traffic is balanced over (kube-proxy's KUBE-SVC / KUBE-SVL chains). A new
 * connection picks endpoints[i] with probability 1/N, unless affinity applies (see docs/ir.md).
 */
export interface IREndpointSet {
  /** Sorted by hostPort, byte-wise (kube-proxy's order; "10.1.1.11:11" < "10.1.1.1:11"). */
  endpoints: IREndpoint[];
}

/** What a new connection to a frontend with no usable endpoint gets (filter table). */
export type IRNoEndpointVerdict = 'reject' | 'drop';

export interface IRServicePort {
  // ---- identity -------------------------------------------------------------------------
  namespace: string;
  name: string;
  /** "" when the service port is unnamed. */
  portName: string;
  /** kube-proxy's ServicePortName string: "ns/name:port", or "ns/name" for an unnamed port. */
  servicePortName: string;
  protocol: Protocol;

  // ---- frontends (all of this family) ---------------------------------------------------
  clusterIP: IPText;
  port: number;
  /** spec.externalIPs, spec order. */
  externalIPs: IPText[];
  /** Load-balancer ingress IPs, status order. */
  loadBalancerIPs: IPText[];
  /** null when the port has no NodePort. */
  nodePort: number | null;
  /** Accepted in the filter table regardless of endpoints; only for eTP=Local LoadBalancers. */
  healthCheckNodePort: number | null;

  // ---- policy inputs --------------------------------------------------------------------
  internalTrafficPolicy: TrafficPolicy;
  /** The effective policy: Local only for externally accessible services — NodePort, LoadBalancer, or ClusterIP with external IPs (kube-proxy's ExternalPolicyLocal). */
  externalTrafficPolicy: TrafficPolicy;
  /** The detector in force for this service (its override, else the cluster's). */
  localDetector: IRLocalDetector;
  /** ClientIP session affinity; null = none. */
  affinity: { timeoutSeconds: number } | null;

  // ---- kube-proxy's decisions -------------------------------------------------------------
  /** Any usable endpoint exists (cluster-wide). */
  hasEndpoints: boolean;
  /**
   * Traffic to clusterIP:port: balanced over `cluster` or `local`, or refused in the filter table
   * ("has no endpoints" REJECT, or "has no local endpoints" DROP for iTP=Local).
   */
  internal: { kind: 'balance'; set: 'cluster' | 'local' } | { kind: 'refuse'; verdict: IRNoEndpointVerdict };
  /** Masquerade rule for internal traffic: always, when the source is not local (detector), or never. */
  internalMasquerade: 'always' | 'ifNotLocal' | 'never';
  /**
   * Traffic to external IPs, LB IPs and the NodePort (null when the port has none of them).
   * `ext` is the KUBE-EXT chain (present iff hasEndpoints); `refuse` is the filter verdict for new
   * connections that were not DNATed (present iff there is no endpoint for external traffic).
   */
  external: {
    ext:
      | null
      /** eTP=Cluster: masquerade, then balance over `cluster`. */
      | { policy: 'Cluster' }
      /**
       * eTP=Local: pod sources (detector) go to `cluster` unmasqueraded; LOCAL sources are
       * masqueraded and go to `cluster`; all others go to `local` if it is non-null, else fall through.
       */
      | { policy: 'Local'; shortCircuitPods: boolean; toLocal: boolean };
    refuse: IRNoEndpointVerdict | null;
  } | null;
  /**
   * loadBalancerSourceRanges for the LB IPs (KUBE-FW): only these sources (and, when a range holds
   * a node IP, the LB IPs themselves) reach `ext`; others are dropped. null when not used.
   */
  firewall: { sourceRanges: CIDRText[]; allowLoadBalancerIPs: boolean } | null;

  /** The cluster-policy set (KUBE-SVC); null when not used or empty. */
  cluster: IREndpointSet | null;
  /** The local-policy set (KUBE-SVL); null when not used or empty. */
  local: IREndpointSet | null;
  /** Every endpoint that gets a KUBE-SEP chain: union of both sets, sorted by hostPort. */
  endpoints: IREndpoint[];
}
