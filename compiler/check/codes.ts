// Every diagnostic only the .ksvc checker reports: a stable code, its severity and a message that
// says what is wrong and what would be valid. Rules call these factories; the codes the Kubernetes
// import reports too (bad addresses, ports, clashes between services) are compiler/shared-rules'.
import { defineCodes } from '../../common/diagnostics.ts';

const e = 'error' as const;
const w = 'warning' as const;

export const { codes, table: checkCodeTable } = defineCodes({
  // ---- values ----------------------------------------------------------------------------
  'cidr-host-bits': {
    severity: e,
    message: (what: string, text: string, network: string) =>
      `${what} '${text}' has host bits set; the network of that prefix is ${network}`,
  },
  'invalid-node-port-range': {
    severity: e,
    message: (min: string, max: string, why: string) =>
      `nodePort range ${min}-${max} is invalid: ${why}; write 'nodePort range MIN-MAX' with 1 <= MIN <= MAX <= 65535`,
  },
  'number-leading-zero': {
    severity: w,
    message: (what: string, text: string, value: string, octal: string | null) =>
      `${what} ${text} has a leading zero: ksvc reads it as ${value}${octal === null ? '' : `, a YAML manifest (Kubernetes) as octal ${octal}`}`,
  },
  'invalid-masq-bit': {
    severity: e,
    message: (bit: string) =>
      `masquerade mark bit ${bit} is out of range; the bit is a number from 0 to 31 (default 14)`,
  },
  'invalid-affinity-timeout': {
    severity: e,
    message: (value: string) =>
      `session affinity timeout ${value} is out of range; the timeout is a number of seconds from 1 to 86400 (default 10800)`,
  },
  'affinity-timeout-without-client-ip': {
    severity: e,
    message: () =>
      `a session affinity timeout applies only to 'sessionAffinity clientIP'; remove the timeout or use clientIP`,
  },
  'duplicate-list-entry': {
    severity: e,
    message: (what: string, text: string) => `${what} ${text} is listed twice; list each value once`,
  },

  // ---- names -----------------------------------------------------------------------------
  'invalid-namespace': {
    severity: e,
    message: (name: string, why: string) =>
      `namespace '${name}' is not a DNS-1123 label (${why}); use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit`,
  },
  'invalid-service-name': {
    severity: e,
    message: (name: string, why: string) =>
      `service name '${name}' is not a DNS-1035 label (${why}); use at most 63 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit`,
  },
  'invalid-port-name': {
    severity: e,
    message: (name: string, why: string) =>
      `port name '${name}' is not a DNS-1123 label (${why}); use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit`,
  },
  'invalid-target-port-name': {
    severity: e,
    message: (name: string, why: string) =>
      `target port name '${name}' is not an IANA service name (${why}); use at most 15 lowercase letters, digits and single '-', with at least one letter, not starting or ending with '-'`,
  },
  'invalid-endpoint-port-name': {
    severity: e,
    message: (name: string, why: string) =>
      `endpoint port name '${name}' is not an IANA service name (${why}); use at most 15 lowercase letters, digits and single '-', with at least one letter, not starting or ending with '-'`,
  },
  'invalid-node-name': {
    severity: e,
    message: (name: string, why: string) =>
      `node name '${name}' is not a DNS-1123 subdomain (${why}); use at most 253 lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit`,
  },
  'invalid-zone': {
    severity: e,
    message: (name: string, why: string) =>
      `zone '${name}' is not a valid label value (${why}); use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit`,
  },
  'invalid-interface-name': {
    severity: e,
    message: (what: string, name: string, why: string) =>
      `${what} '${name}' is not a usable interface name (${why}); use letters, digits, '_', '-' and '.', starting with a letter, digit or '_': at most 15 for a name, 14 for a prefix`,
  },

  // ---- cluster and nodes -----------------------------------------------------------------
  'conflicting-cluster-setting': {
    severity: e,
    message: (setting: string) => `'${setting}' is set twice with different values; keep one setting`,
  },
  'conflicting-detector': {
    severity: e,
    message: (scope: string, first: string, second: string) =>
      `${scope} uses two local-traffic detectors (${first} and ${second}); kube-proxy has one detect-local mode, keep one kind of 'masq from outside'`,
  },
  'duplicate-cluster-cidr-family': {
    severity: e,
    message: (family: string, first: string, second: string) =>
      `two ${family} cluster CIDRs (${first} and ${second}); kube-proxy takes one cluster CIDR per IP family, keep one`,
  },
  'duplicate-node': {
    severity: e,
    message: (name: string) => `node '${name}' is declared twice; declare each node once`,
  },
  'duplicate-node-zone': {
    severity: e,
    message: (node: string) =>
      `node '${node}' has a second zone; a node is in one zone (its topology.kubernetes.io/zone label)`,
  },
  'duplicate-pod-cidr-family': {
    severity: e,
    message: (node: string, family: string) =>
      `node '${node}' has two ${family} podCIDRs; a node has at most one podCIDR per IP family`,
  },
  'node-cidr-without-pod-cidr': {
    severity: w,
    message: (nodes: string) =>
      `'masq from outside node podCIDR' needs each node's podCIDR, but ${nodes}; no off-cluster masquerade rule is written there (add 'podCIDR CIDR' to the node)`,
  },

  // ---- services --------------------------------------------------------------------------
  'duplicate-service': {
    severity: e,
    message: (key: string) => `service ${key} is declared twice; put all its ports and endpoints in one service block`,
  },
  'service-without-ports': {
    severity: e,
    message: (key: string) =>
      `service ${key} has no ports; add a port line such as 'http: ClusterIP 10.0.0.10:80/tcp -> endpoints'`,
  },
  'mixed-service-types': {
    severity: e,
    message: (type: string, first: string) =>
      `this port line says ${type} but an earlier line of the service says ${first}; a service has one type, write ${first} on every line`,
  },
  'conflicting-cluster-ip': {
    severity: e,
    message: (ip: string, first: string, family: string) =>
      `cluster IP ${ip} differs from ${first} used earlier; a service has one ${family} cluster IP, use ${first} on every ${family} line`,
  },
  'duplicate-port-name': {
    severity: e,
    message: (name: string, family: string) =>
      `port name '${name}' is used twice for ${family}; each port of a service needs its own name (the same name may appear once per IP family)`,
  },
  'duplicate-service-port': {
    severity: e,
    message: (port: string, protocol: string) =>
      `port ${port}/${protocol} is declared twice in this service; each port/protocol pair may appear once (per IP family)`,
  },
  'unnamed-port-in-multi-port-service': {
    severity: e,
    message: () => `this port has no name but the service has several ports; name every port ('NAME: ClusterIP ...')`,
  },
  'dual-stack-port-mismatch': {
    severity: e,
    message: (what: string) =>
      `${what}; a dual-stack service has the same ports in both families, differing only in the cluster IP`,
  },
  'service-detector-family-missing': {
    severity: w,
    message: (svc: string, family: string) =>
      `service ${svc} has ${family} traffic, and its own 'masq from outside' gives no ${family} CIDR: it replaces the cluster's detector, so ${family} packets from outside get no masquerade rule`,
  },
  'node-port-on-cluster-ip': {
    severity: e,
    message: () =>
      `a ClusterIP port cannot have a nodePort; remove 'nodePort N' or make the service NodePort or LoadBalancer`,
  },
  'conflicting-service-attribute': {
    severity: e,
    message: (attr: string, value: string, first: string) =>
      `${attr} ${value} contradicts ${first} given earlier; ${attr} applies to the whole service, so state it once or the same way everywhere`,
  },
  'load-balancer-ingress-not-load-balancer': {
    severity: e,
    message: (type: string) =>
      `loadBalancerIngress is only valid on a LoadBalancer service, this one is ${type}; make the port lines LoadBalancer or use externalIPs`,
  },
  'health-check-node-port-not-allowed': {
    severity: e,
    message: (why: string) =>
      `healthCheckNodePort is only valid on a LoadBalancer service with externalTrafficPolicy local; ${why}`,
  },
  'missing-health-check-node-port': {
    severity: w,
    message: () =>
      `LoadBalancer service with externalTrafficPolicy local but no healthCheckNodePort: the API server would allocate one, and kube-proxy accepts its traffic (KUBE-NODEPORTS, filter input); no rule is written for it here, add 'healthCheckNodePort N'`,
  },
  'external-traffic-policy-not-applicable': {
    severity: w,
    message: () =>
      `externalTrafficPolicy has no effect: this service has no external frontends (no NodePort, LoadBalancer or externalIPs)`,
  },
  'internal-traffic-policy-no-node-endpoints': {
    severity: w,
    message: (hasEndpoints: boolean) =>
      hasEndpoints
        ? `internalTrafficPolicy local drops all traffic from inside the cluster: no endpoint of this service is on a node (add 'on NODE' to the endpoints)`
        : `internalTrafficPolicy local on a service without endpoints: kube-proxy rejects its traffic (as for any service without endpoints), and once endpoints exist only those on the client's node are used`,
  },
  'source-ranges-not-applicable': {
    severity: w,
    message: (type: string) =>
      `loadBalancerSourceRanges has no effect on a ${type} service; it filters LoadBalancer traffic only`,
  },
  'missing-node-port': {
    severity: w,
    message: (type: string) =>
      type === 'LoadBalancer'
        ? `LoadBalancer port without a nodePort: no NodePort rule is written for it (as with allocateLoadBalancerNodePorts: false; otherwise the API server would allocate one); add 'nodePort N' if the nodes should accept it`
        : `${type} port without a nodePort: no NodePort rule is written for it (the API server would allocate one); add 'nodePort N'`,
  },

  // ---- endpoints -------------------------------------------------------------------------
  'unknown-endpoint-node': {
    severity: e,
    message: (name: string) =>
      `endpoint is on node '${name}', which is not declared; declare 'node ${name} { ... }' or fix the name`,
  },
  'endpoint-family-mismatch': {
    severity: e,
    message: (ip: string, family: string, has: string) =>
      `endpoint ${ip} is ${family} but the service has only ${has} cluster IPs; add an ${family} port line or remove the endpoint`,
  },
  'duplicate-endpoint': {
    severity: e,
    message: (ip: string) =>
      `endpoint ${ip} is listed twice for the same port of this service; list each address once per port (an address may appear again only with other named ports, or another number for a named port)`,
  },
  'duplicate-endpoint-port-name': {
    severity: e,
    message: (name: string) => `endpoint port '${name}' is given twice; give each named port once`,
  },
  'contradictory-conditions': {
    severity: e,
    message: (a: string, b: string, why: string) =>
      `conditions '${a}' and '${b}' contradict each other (${why}); keep one`,
  },
  'unusual-conditions': {
    severity: w,
    message: (a: string, b: string) =>
      `an endpoint that is '${a}' and '${b}': Kubernetes' EndpointSlice controller writes this only for a service with publishNotReadyAddresses (ready then means published, whatever the pod's state; otherwise ready means serving and not terminating), and kube-proxy uses the endpoint as ready`,
  },
  'unknown-target-port-name': {
    severity: w,
    message: (name: string) =>
      `target port '${name}' is not defined by any endpoint of this service, so this port has no endpoints and kube-proxy rejects its traffic; add 'ports ${name}=N' to its endpoints, or use a port number`,
  },
  'topology-hint-unmatched': {
    severity: w,
    message: (kind: string, name: string) =>
      kind === 'zone'
        ? `no node is in zone '${name}' (a node's 'zone'): this hint applies on no node`
        : `node '${name}' is not declared: this hint applies on no node`,
  },
  'partial-topology-hints': {
    severity: w,
    message: (kind: string, svc: string, n: number, total: number) =>
      `${n} of the ${total} ready endpoints of ${svc} have ${kind} hints and this one has none: kube-proxy uses ${kind} hints only when every ready endpoint has them, so it ignores them all`,
  },
  'endpoint-never-used': {
    severity: w,
    /** `what` is "endpoint 10.0.0.1", or "12 endpoints (10.0.0.1, 10.0.0.2, ...)" when summarised. */
    message: (what: string, why: string) =>
      `${what} never ${/^endpoint /.test(what) ? 'receives' : 'receive'} traffic: ${why}`,
  },
});

export type CheckCode = keyof typeof codes;
