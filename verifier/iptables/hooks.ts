// kube-proxy's builtin-chain jumps ("hooks"). kube-proxy does not write them in its restore input:
// it installs them with separate `iptables -I` calls (iptablesJumpChains), each inserted at
// position 1 if missing, so a node ends up with them in the reverse of kube-proxy's processing
// order — the order below, which is also what `ksvc compile --with-hooks` writes. Reading
// kube-proxy's restore input on its own, nothing would be reachable; a caller may assume these
// hooks instead (readIptables' assumeHooks): they are read by the same grammar, marked as
// assumed in their origins, and the program's notes say so.
import type { Table } from './context.ts';

export interface HookRule {
  table: Table;
  /** The builtin chain the rule is appended to. */
  chain: string;
  /** The KUBE- chain it jumps to; the hook is assumed only if the input declares that chain. */
  target: string;
  /** The rule as an iptables-restore line. */
  line: string;
}

const ctNew = '-m conntrack --ctstate NEW';
const hook = (table: Table, chain: string, matches: string, target: string): HookRule => ({
  table,
  chain,
  target,
  line: `-A ${chain}${matches === '' ? '' : ` ${matches}`} -j ${target}`,
});

const firewall = `${ctNew} -m comment --comment "kubernetes load balancer firewall"`;
const portals = '-m comment --comment "kubernetes service portals"';
const external = `${ctNew} -m comment --comment "kubernetes externally-visible service portals"`;

/** Every hook, in the order a node's iptables-save lists them. */
export const KUBE_PROXY_HOOKS: readonly HookRule[] = [
  hook('filter', 'INPUT', firewall, 'KUBE-PROXY-FIREWALL'),
  hook('filter', 'INPUT', '-m comment --comment "kubernetes health check service ports"', 'KUBE-NODEPORTS'),
  hook('filter', 'INPUT', external, 'KUBE-EXTERNAL-SERVICES'),
  // kubelet's and kube-proxy's KUBE-FIREWALL jumps: present when the chain is (IPv4 with localhost NodePorts).
  hook('filter', 'INPUT', '', 'KUBE-FIREWALL'),
  hook('filter', 'FORWARD', firewall, 'KUBE-PROXY-FIREWALL'),
  hook('filter', 'FORWARD', '-m comment --comment "kubernetes forwarding rules"', 'KUBE-FORWARD'),
  hook('filter', 'FORWARD', `${ctNew} ${portals}`, 'KUBE-SERVICES'),
  hook('filter', 'FORWARD', external, 'KUBE-EXTERNAL-SERVICES'),
  hook('filter', 'OUTPUT', firewall, 'KUBE-PROXY-FIREWALL'),
  hook('filter', 'OUTPUT', `${ctNew} ${portals}`, 'KUBE-SERVICES'),
  hook('filter', 'OUTPUT', '', 'KUBE-FIREWALL'),
  hook('nat', 'PREROUTING', portals, 'KUBE-SERVICES'),
  hook('nat', 'OUTPUT', portals, 'KUBE-SERVICES'),
  hook('nat', 'POSTROUTING', '-m comment --comment "kubernetes postrouting rules"', 'KUBE-POSTROUTING'),
];

export const ASSUMED_HOOKS_NOTE =
  "the input has no builtin-chain jumps (kube-proxy's restore input never does); kube-proxy's standard hook rules were assumed (origins marked assumed)";

export const OWN_HOOKS_NOTE = 'the input has its own kube-proxy hook rules; none were assumed';

/** The hooks to assume for an input that declares `declared` chains (per table). */
export function hooksFor(declared: (table: Table, chain: string) => boolean): HookRule[] {
  return KUBE_PROXY_HOOKS.filter((h) => declared(h.table, h.target));
}
