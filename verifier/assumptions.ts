// What a proof of equivalence assumes about the world outside the two rulesets, and where the
// backends differ by design: stated, never silent. `ksvc verify` prints these with every result;
// docs/verifier.md explains each one (a test keeps the two lists the same, id for id).

export interface Assumption {
  /** Stable short id, e.g. `affinity-capacity`. */
  id: string;
  /** One sentence or two, printable as is. */
  text: string;
}

export const ASSUMPTIONS: readonly Assumption[] = [
  {
    id: 'kube-chains-only',
    text: "The proof covers kube-proxy's rules as the artifacts hold them; other tables and chains the kube-proxy hooks never reach are listed as ignored, and other software's rules at the same hooks (jumps to chains other than kube-proxy's own, before, between or after kube-proxy's; iptables' raw, mangle and security tables; other nft tables' base chains) and builtin chains' policies are assumed not to change the packet. Where a ruleset has such rules, a note names them.",
  },
  {
    id: 'nft-accept-ends-own-table',
    text: "An nft accept ends only its own table's base chain (another table at the same hook still sees the packet); an iptables ACCEPT in kube-proxy's chains ends the builtin chain it shares with the administrator's rules. Outcomes of kube-proxy's rules are the same; interaction with other firewalls differs.",
  },
  {
    id: 'base-chain-order',
    text: 'Base chains at the same hook and priority run the one registered later first, and nat chains run within the nat core at -100 (prerouting, output) or 100 (input, postrouting) whatever their own priority; declaration order is taken as registration order (a chain that existed in the kernel before the document added it again keeps its older place). Each backend is assumed to be the only one registering kube-proxy chains at the nat (-100, 100) and filter (0) priorities.',
  },
  {
    id: 'nfacct-not-counted',
    text: 'The nfacct counters ct_state_invalid_dropped_pkts and localhost_nps_accepted_pkts are incremented by the iptables rules only; counters are not part of an outcome. An -m nfacct match holds: its object has no quota, as kube-proxy creates them (one given a quota fails the match while under it).',
  },
  {
    id: 'affinity-capacity',
    text: 'Session affinity needs room for every record: xt_recent keeps at most ip_list_tot records per endpoint list (default 100) and evicts the oldest, the nft affinity set of a service port holds at most 65,535 (client, endpoint) records (a document that declares fewer is refused) and then stops adding: the update fails, the rule stops there, and the packet of a new client is not DNATed by it. Beyond either limit the backends can choose differently.',
  },
  {
    id: 'affinity-time',
    text: 'A record is fresh while its age in whole seconds is below the timeout; xt_recent counts jiffies, nft set timeouts expire on millisecond timers, so within one tick of the timeout the backends can disagree.',
  },
  {
    id: 'affinity-reload',
    text: 'Affinity state is assumed equal on both sides: both start empty on a fresh node, but reloading the nft table empties its affinity sets, while iptables keeps a recent list for as long as some rule references it.',
  },
  {
    id: 'fragments-reassembled',
    text: "With conntrack loaded, fragments are reassembled before these hooks: every packet has its transport header. An IPv6 packet's transport header is found past its extension headers alike by both backends, except behind an authentication header (AH): ip6tables-legacy's -p tcp skips it, nft's meta l4proto (and ip6tables-nft's) stops there, so TCP or UDP behind AH is DNATed by legacy rules and not by nft ones (measured); such packets are not in the packet space.",
  },
  {
    id: 'martians',
    text: 'Every source is in the packet space on both paths. An IPv4 packet arriving with a LOCAL source (a martian) is compared as the rules treat it, though routing drops it after nat PREROUTING (unless accept_local): its affinity writes stay, its verdict after routing is not what the kernel ends with. IPv6 has no such check: such a packet is forwarded or delivered (measured). An IPv6 packet from or for ::1 arriving on an interface is dropped (for ::1 measured before netfilter) and left out. Arriving packets with a multicast, broadcast or 0.0.0.0/8 source, which routing drops too, are compared likewise: a difference found only in what happens to such packets after routing never shows in the kernel.',
  },
  {
    id: 'local-addresses',
    text: "LOCAL (iptables addrtype LOCAL, nft fib type local) is the kernel's set of local addresses; the IR takes it to be the node's declared addresses plus the loopback block but lo's broadcast address 127.255.255.255, so the comparison with the IR assumes the node has no other local address that a NodePort or LOCAL-source decision could meet. With a model the two artifacts are compared on those addresses too: one that spells LOCAL out as them is equivalent to one that asks the kernel only on a node that has no other (leave the model out to compare rulesets for any node). Without a model (locality universal) which addresses are local is left open, but a DNAT target is taken as not local: a connection DNATed to a node address (a hostNetwork endpoint) is evaluated as forwarded, where the kernel delivers it to INPUT, so rules in INPUT and FORWARD decide it otherwise. Not modelled, measured in the kernel: for IPv6, xt_addrtype counts another interface's link-local address LOCAL and nft's fib (bound to the arriving device) does not, so a NodePort at such an address is served by the iptables rules only (kube-proxy's two modes differ alike); packets to broadcast and multicast addresses, which the kernel delivers locally, are evaluated as forwarded; so are, with a model, IPv6 packets to the node's link-local addresses (fe80::/10) and to the subnet-router anycast address of an on-link prefix, which the kernel delivers too (measured) — without a model every address is checked both ways.",
  },
  {
    id: 'route-localnet',
    text: 'NodePorts on 127.0.0.0/8 (localhost NodePorts) need net.ipv4.conf.all.route_localnet=1, which no ruleset sets; outcomes for them assume it.',
  },
  {
    id: 'iptables-probability-rounding',
    text: 'iptables userspace stores --probability p as lround(p * 2^31) (current libxt_statistic; 0.3333333333 is saved as 0.33333333349). Older versions truncated, one unit lower for some thresholds; the kernel-level comparison assumes lround.',
  },
  {
    id: 'random-ideal',
    text: "The kernel's random numbers (xt_statistic, nft meta random) are uniform and independent for every rule evaluation.",
  },
  {
    id: 'nat-first-packet',
    text: 'nat rules (DNAT, masquerade, affinity writes) run for the first packet of a connection only (conntrack state new); later packets follow the conntrack binding, which both backends record the same way. Filter rules are compared for every conntrack state. Not modelled (measured by a review): a later packet of a connection still in state new (a SYN retransmit, one-way UDP before any reply) passes the filter chains but not the nat chains, and the conntrack class new stands for the first packet only; a packet of a DNATed connection (established or related with DNAT status) is given as it arrives, though chains after the nat core see it translated to an endpoint the class does not name; the first packet of a connection a conntrack helper expected (state related) also passes the nat chains; kube-proxy loads no helper, and its own rules give such packets one outcome either way (they accept established connections; their one port test after the nat core, the health check, accepts).',
  },
  {
    id: 'masquerade-address',
    text: "Which source address and port MASQUERADE picks is routing and conntrack business; an outcome records only that the packet is masqueraded, and whether fully-random. After MASQUERADE (a filter chain after the nat core in postrouting, and back through lo), a masqueraded packet's source is some node address, never loopback for IPv4 (IPv6 keeps ::1 for a packet to ::1: measured); a rule after that whose answer depends on which one is refused.",
  },
  {
    id: 'owned-mark-bits',
    text: "The mark bits a ruleset tests or sets (kube-proxy's masquerade bit, and any other) are observed, with a model as without: the IR changes only its masquerade bit and passes the others through. A write of the whole mark clears every other bit: one of those bits stands for them all and is observed too. Bits no ruleset touches pass through unchanged and are not shown. A packet that arrives with the masquerade bit already set is masqueraded by both.",
  },
  {
    id: 'reject-kind',
    text: 'iptables REJECT without --reject-with and nft reject in an ip or ip6 table both answer ICMP (ICMPv6) port unreachable, also for TCP.',
  },
  {
    id: 'health-check-server',
    text: 'The rules accept health-check node port traffic; whether anything answers is the health-check server, which is not modelled.',
  },
];
