// The verifier's model of a netfilter ruleset, for one IP family: what both readers (iptables
// text, nft JSON) produce and the engine evaluates. It is small on purpose: every construct here
// has one exact meaning (docs/verifier.md §2), and a reader maps each rule it reads onto these
// steps or refuses the rule with an error naming its line or JSON path. Nothing is "assumed to match".
import type { Family } from '../../common/ip.ts';
import type { Rational } from '../../compiler/ir/outcome.ts';
import type { CtState, L4Protocol } from '../../compiler/ir/packet.ts';

export type Backend = 'iptables' | 'nftables';

/** Where a rule came from, for traces and counterexamples. */
export interface Origin {
  backend: Backend;
  /** The artifact's file name as the user gave it ("<memory>" when compiled in memory). */
  file: string;
  /** 1-based line (iptables text). */
  line?: number;
  /** JSON pointer into the document (nft), e.g. "/nftables/57/add/rule". */
  jsonPath?: string;
  /** The rule as written (the text line; nft: the rule rendered in nft syntax or compact JSON). */
  text: string;
  /**
   * True when the rule is not in the artifact: the reader added it by a stated assumption (e.g.
   * kube-proxy's builtin-chain hooks for its restore input, which has none; see the program's
   * notes). Such an origin has no line or JSON path.
   */
  assumed?: boolean;
}

/** A netfilter hook. */
export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';

/**
 * A chain the kernel calls at a hook. iptables: a builtin chain of the nat or filter table, at the
 * table's fixed priority (nat: dstnat -100 / srcnat 100; filter: 0). nft: a base chain.
 * nat chains only see the first packet of a connection (ct state new).
 */
export interface BaseChain {
  hook: Hook;
  type: 'nat' | 'filter';
  priority: number;
  /** Key into NetfilterProgram.chains. */
  chain: string;
  policy: 'accept' | 'drop';
}

export interface NetfilterProgram {
  backend: Backend;
  family: Family;
  /** Every base chain the reader kept, in the order the artifact declares them. */
  baseChains: BaseChain[];
  /** Chains by id (iptables: "nat/KUBE-SERVICES"; nft: "ip kube-proxy/services" — unique per program). */
  chains: Map<string, Chain>;
  /** Tables, chains and rules the reader read but left out of scope (see docs/verifier.md §3), listed for the user. */
  ignored: IgnoredItem[];
  /** Facts the reader relied on that are not in the model (e.g. "nfacct counters are not modelled"). */
  notes: string[];
  /**
   * What the model leaves out although it could hide a difference (a recent --reap another check
   * of its list would notice): a check that finds no difference cannot call the artifacts
   * equivalent (runVerify refuses it at the first one), one that finds differences reports them.
   */
  inconclusive?: InconclusiveItem[];
}

/** One construct that makes a proof of equivalence impossible (NetfilterProgram.inconclusive). */
export interface InconclusiveItem {
  file: string;
  line: number;
  message: string;
}

export interface IgnoredItem {
  /** 'policy': a builtin chain's policy other than ACCEPT (other software's; evaluated as ACCEPT) */
  kind: 'table' | 'chain' | 'rule' | 'policy';
  name: string;
  reason: string;
  origin?: Origin;
}

export interface Chain {
  id: string;
  /** The name as the artifact spells it (for traces). */
  name: string;
  rules: Rule[];
}

/** Steps run left to right; a failed test ends the rule (the chain continues with the next rule). */
export interface Rule {
  origin: Origin;
  /** the rule's own array, shared with no other rule: compiling a model given away reuses it (engine/compile.ts) */
  steps: Step[];
}

/** An inclusive range of addresses as unsigned integers of the program's family. */
export type AddressRange = readonly [bigint, bigint];
/** An inclusive range of ports or other small unsigned numbers. */
export type NumberRange = readonly [number, number];

/** A packet field a test or a lookup key reads. */
export type Field =
  | 'saddr'
  | 'daddr'
  | 'l4proto'
  /** ports: only meaningful for tcp/udp/sctp; a reader must guard a port read with a protocol test or key part */
  | 'sport'
  | 'dport'
  | 'iifname'
  | 'oifname'
  /** the source/destination address is a local address of the node (iptables addrtype LOCAL, nft fib … type local) */
  | 'saddrLocal'
  | 'daddrLocal';

/** One component of a lookup key element: the values a field may hold to match. */
export type KeyPart =
  | { field: 'saddr' | 'daddr'; ranges: AddressRange[] }
  | { field: 'l4proto'; protocols: L4Protocol[] }
  | { field: 'sport' | 'dport'; ranges: NumberRange[] }
  /** exact interface names; a name ending in '*' (nft) or '+' (iptables) is a prefix, stored without it */
  | { field: 'iifname' | 'oifname'; names: { name: string; prefix: boolean }[] }
  | { field: 'saddrLocal' | 'daddrLocal'; local: boolean };

export type Test =
  /** every part holds (a single-field test has one part) */
  | { kind: 'fields'; parts: KeyPart[] }
  /** (mark & mask) == value */
  | { kind: 'mark'; mask: number; value: number }
  /**
   * conntrack state in `states`, or (`dnat` and ct status has DST_NAT). iptables `--ctstate
   * DNAT` is the `dnat` flag; nft `ct status dnat` is { states: [], dnat: true }. (nft cannot read
   * ct status of a packet without a conntrack entry — state invalid or untracked — and then fails
   * the rule whether the test is negated or not; the nft reader therefore writes every status test
   * as a `ct { states: [new, established, related] }` test followed by the status test.)
   */
  | { kind: 'ct'; states: CtState[]; dnat: boolean }
  /**
   * The packet's `key` address has a record in affinity list `list` younger than
   * `maxAgeSeconds` (iptables `-m recent --rcheck --seconds T --name L`; nft: lookup in a
   * dynamic set with `timeout T`). `list` is the artifact's own name (recent list / set name).
   * nft: a set keyed by the address alone is the list `<set>`; a set whose key adds constants
   * (ksvc: `ip saddr . <endpoint ip> . <endpoint port>`, one set per service port) holds one list
   * per constant tuple, spelled `<set>{saddr . 10.0.0.1 . 8080}` (address field name, then the
   * constants in canonical text) — the same spelling for the lookup and the `update` that writes it.
   */
  | { kind: 'affinity'; list: string; key: 'saddr' | 'daddr'; maxAgeSeconds: number }
  /** membership in a set of key tuples (nft `ip saddr . ip daddr @hairpin`, anonymous sets, …) */
  | { kind: 'member'; elements: KeyPart[][] };

/** How a rule leaves its chain (or the hook). */
export type Verdict =
  | { kind: 'accept' }
  | { kind: 'drop' }
  /**
   * `with`: 'port-unreachable' for iptables' default / nft `reject`; other kinds by their name.
   * nft names: the ICMP code for IPv4 ('host-unreachable', 'net-unreachable', 'prot-unreachable',
   * 'net-prohibited', 'host-prohibited', 'admin-prohibited'), the ICMPv6 code for IPv6 ('no-route',
   * 'admin-prohibited', 'addr-unreachable', 'policy-fail', 'reject-route'; icmpx codes mapped to
   * these as the kernel maps them), and 'tcp-reset'.
   */
  | { kind: 'reject'; with: string }
  | { kind: 'return' }
  /** `chain`: a key into NetfilterProgram.chains */
  | { kind: 'jump'; chain: string }
  | { kind: 'goto'; chain: string }
  /** DNAT to ip (and port: null keeps the port); ends the hook like accept */
  | { kind: 'dnat'; ip: string; port: number | null }
  /** MASQUERADE; ends the hook like accept */
  | { kind: 'masquerade'; fullyRandom: boolean };

export type Step =
  | { kind: 'test'; test: Test; negate: boolean }
  /** passes with probability p (iptables `-m statistic --mode random`; nft `meta random` compared) */
  | { kind: 'random'; p: Rational }
  /**
   * A lookup that branches: the first element whose parts all hold selects its steps (a verdict
   * map's verdict, a map's DNAT target…). No element holds: the rule stops here (no match).
   * The selected steps run in place of the lookup: unless they end the rule (a verdict), the rule
   * goes on with the steps after it (an nft verdict-map value `continue` is an empty list).
   */
  | {
      kind: 'dispatch';
      elements: { parts: KeyPart[]; steps: Step[] }[];
      /**
       * nft `dnat to <key> map @m : PORT`: the map gives the address, the statement the port. Each
       * element's steps are then exactly one DNAT verdict with port null, and the verdict taken
       * is that DNAT with this port. The elements (and what is built from them) are shared by
       * every rule that reads the map this way, whatever its port: ksvc's balance chains read ten
       * maps of a service port each, one chain per endpoint count and target port.
       */
      dnatPort?: number;
    }
  /**
   * nft `numgen random mod N offset O`: the value v = O + k, k in 0..N-1, with weight
   * c_k/2^32 (c_k = ceil((k+1)·2^32/N) − ceil(k·2^32/N), see numgen.ts); branches by value
   * ranges; a value no branch lists stops the rule. A chosen branch's steps continue the rule as
   * for `dispatch` (so `numgen random mod 2 == 0` is one branch with no steps).
   */
  | { kind: 'numgen'; modulus: number; offset: number; branches: { values: NumberRange[]; steps: Step[] }[] }
  /** meta mark set … (iptables MARK --set-xmark / --or-mark / --xor-mark / --and-mark) */
  | { kind: 'mark'; op: 'set' | 'or' | 'xor' | 'and'; value: number }
  /** write/refresh this packet's `key` address in affinity list `list` (iptables recent --set; nft update @set) */
  | { kind: 'affinityWrite'; list: string; key: 'saddr' | 'daddr' }
  /** no effect on the packet (counter, log, comment, nfacct): listed in notes by the reader */
  | { kind: 'noop'; what: string }
  | { kind: 'verdict'; verdict: Verdict };

/** A ruleset with no rules of a family: the kernel without kube-proxy's rules for it. */
export const emptyProgram = (backend: Backend, family: Family): NetfilterProgram => ({
  backend,
  family,
  baseChains: [],
  chains: new Map(),
  ignored: [],
  notes: [],
});
