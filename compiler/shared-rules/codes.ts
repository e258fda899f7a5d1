// Codes both front ends report — the .ksvc checker (compiler/check) and the Kubernetes import
// (compiler/kube) — so that one problem has one code however the cluster was written: bad values,
// what the API server's allocators refuse, what kube-proxy cannot program, and the warnings about
// clusters that are valid but probably not what was meant.
import { defineCodes } from '../../common/diagnostics.ts';

const e = 'error' as const;
const w = 'warning' as const;

/** 'an' before a vowel sound (an unspecified, a loopback address). */
export const article = (word: string): string => (/^[aeiou]/i.test(word) ? 'an' : 'a');

export const { codes: sharedCodes, table: sharedCodeTable } = defineCodes({
  // ---- values ----------------------------------------------------------------------------
  'invalid-address': {
    severity: e,
    message: (what: string, text: string, reason: string) => `${what} '${text}' is not a valid IP address: ${reason}`,
  },
  'invalid-cidr': {
    severity: e,
    message: (what: string, text: string, reason: string) => `${what} '${text}' is not a valid CIDR: ${reason}`,
  },
  'invalid-port': {
    severity: e,
    /** `value` as written (a 400-digit number stays those digits). */
    message: (what: string, value: string) => `${what} ${value} is out of range; a port is a number from 1 to 65535`,
  },
  'node-port-out-of-range': {
    severity: e,
    message: (what: string, value: string, min: number, max: number) =>
      `${what} ${value} is outside the NodePort range ${min}-${max}`,
  },
  'reserved-address': {
    severity: e,
    message: (what: string, text: string, kind: string) =>
      `${what} ${text} is ${article(kind)} ${kind} address, which the API server refuses here`,
  },
  /** A special address the API server takes (other multicast, broadcast) or never checks (a node's). */
  'unrouted-address': {
    severity: e,
    message: (what: string, text: string, kind: string) =>
      `${what} ${text} is ${article(kind)} ${kind} address: the API server takes it, but ksvc refuses it here (few clients can reach it)`,
  },
  /** status.loadBalancer.ingress[].ip: the API checks only that it is an IP (ValidateLoadBalancerStatus). */
  'special-load-balancer-ip': {
    severity: w,
    message: (text: string, kind: string) =>
      `load-balancer ingress IP ${text} is ${article(kind)} ${kind} address: the API server accepts it and kube-proxy writes its rules, but few clients can reach it`,
  },
  'local-load-balancer-ip': {
    severity: e,
    message: (text: string, kind: string) =>
      `load-balancer ingress IP ${text} is ${article(kind)} ${kind} address: the API server accepts it, but ksvc does not compile it (a frontend every node would hold as a local address)`,
  },
  'reserved-cluster-ip': {
    severity: e,
    message: (ip: string, kind: string) =>
      `cluster IP ${ip} is ${article(kind)} ${kind} address; a cluster IP must be a unicast address from the service CIDR`,
  },

  // ---- across objects: the API server's allocators, kube-proxy's maps ---------------------
  'cluster-ip-in-use': {
    severity: e,
    message: (ip: string, other: string) =>
      `cluster IP ${ip} is already allocated to service ${other}; every service needs its own cluster IP`,
  },
  'frontend-in-use': {
    severity: e,
    message: (frontend: string, other: string) =>
      `${frontend} is already a frontend of ${other}; two frontends cannot receive the same IP:port/protocol (kube-proxy's iptables mode sends it to the first rule, its nftables mode to the last element written, in Go map order), use another address or port`,
  },
  'duplicate-node-port': {
    severity: e,
    message: (what: string, port: number, other: string) =>
      `${what} ${port} is already used by ${other}; every NodePort needs its own port number`,
  },

  // ---- valid, but probably not what was meant ---------------------------------------------
  'address-family-ignored': {
    severity: w,
    message: (what: string, ip: string, family: string) =>
      `${what} ${ip} is ignored: the service has no ${family} cluster IP, and kube-proxy handles each family's frontends with that family's service`,
  },
  'source-ranges-family-missing': {
    severity: w,
    message: (svc: string, family: string) =>
      `service ${svc} has ${family} load-balancer IPs, and none of its loadBalancerSourceRanges is ${family}: kube-proxy filters each family by that family's ranges, and with none it writes no firewall, so every source reaches them`,
  },
  'source-ranges-not-external-ips': {
    severity: w,
    message: (ip: string) =>
      `external IP ${ip} takes every source: loadBalancerSourceRanges filter the load-balancer IPs only, and kube-proxy sends external IPs to the service without the firewall`,
  },
  'no-services': {
    severity: w,
    message: () =>
      `the input declares no service: the ruleset routes nothing, and loaded on a node it removes the rules of every service`,
  },
  'cluster-ip-in-pod-cidr': {
    severity: w,
    message: (ip: string, cidr: string, whose: string) =>
      `cluster IP ${ip} is inside ${whose} ${cidr}: a pod may get the same address, and traffic to it would be taken by the service`,
  },
  'cluster-ip-is-endpoint': {
    severity: w,
    message: (ip: string, where: string) =>
      `cluster IP ${ip} is also the address of an endpoint of ${where}: traffic meant for that pod is taken by the service`,
  },
  'cluster-ip-is-node-address': {
    severity: w,
    message: (ip: string, node: string) =>
      `cluster IP ${ip} is also an address of node '${node}': traffic meant for the node is taken by the service`,
  },
  'duplicate-node-address': {
    severity: w,
    message: (ip: string, node: string, other: string) =>
      `node '${node}' has address ${ip}, which node '${other}' has too; NodePorts and local traffic on one node would match the other`,
  },
  'overlapping-pod-cidrs': {
    severity: w,
    message: (cidr: string, node: string, other: string, otherCidr: string) =>
      `podCIDR ${cidr} of node '${node}' overlaps ${otherCidr} of node '${other}'; each node should own its own pod range`,
  },
  'endpoint-outside-node-pod-cidr': {
    severity: w,
    /** `what`: "endpoint 10.0.0.1 is", or "3 endpoints (10.0.0.1, ...) are". */
    message: (what: string, node: string, cidr: string) =>
      `${what} on node '${node}' but outside its podCIDR ${cidr} (and not on one of the node's addresses): check the node or the address`,
  },
  'detector-matches-everything': {
    severity: w,
    message: (cidr: string) =>
      `'masq from outside ${cidr}' never masquerades: every source address is inside ${cidr}, so no traffic counts as from outside; and iptables-nft (1.8.9) refuses to load its '! -s ${cidr}' rules (iptables-legacy and nft load them)`,
  },

  // ---- repeated problems -------------------------------------------------------------------
  'more-errors-omitted': {
    severity: e,
    message: (count: number, code: string) =>
      `${count} more '${code}' error${count === 1 ? '' : 's'} not shown (the first ones are above)`,
  },
  'more-warnings-omitted': {
    severity: w,
    message: (count: number, code: string) =>
      `${count} more '${code}' warning${count === 1 ? '' : 's'} not shown (the first ones are above)`,
  },
});
