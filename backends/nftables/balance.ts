// Load balancing shared by every service port: one chain per (endpoint set kind, key kind, endpoint
// count N, target port), and DNAT maps that give, for each frontend, the address of the i-th
// endpoint of its set. A frontend's packet enters chain `balance-…-N-PORT`, whose rule i draws
// `meta random & 0x7fffffff < T(N-i)` and DNATs to `<frontend key> map @dnat-…-i : PORT` — the
// same draws, in the same order, with the same thresholds as iptables' KUBE-SVC cascade, but the
// per-service part is map elements instead of rules and chains (docs/nftables.md §1.5).
import type { IREndpoint } from '../../compiler/ir/types.ts';
import { and, concat, dnatFromMap, type Expr, type FamilySpelling, match, meta, payload, type Stmt } from './json.ts';
import { cascadeThresholds, RANDOM_MASK } from './probability.ts';
import type { Atom, Chain, Element, NamedSet } from './ruleset.ts';

/** Which endpoint set of a service port (kube-proxy's KUBE-SVC or KUBE-SVL). */
export type SetKind = 'cluster' | 'local';
/** How the frontend is found in the packet: by destination address, or by node port (any local address). */
export type KeyKind = 'ips' | 'nodeports';

const KINDS: readonly (readonly [SetKind, KeyKind])[] = [
  ['cluster', 'ips'],
  ['local', 'ips'],
  ['cluster', 'nodeports'],
  ['local', 'nodeports'],
];

/** True when every endpoint has the same target port (then the shared chains can DNAT them). */
export const samePort = (endpoints: readonly IREndpoint[]): boolean =>
  endpoints.every((e) => e.port === endpoints[0]?.port);

/** `meta random & 0x7fffffff < T`: matches with probability exactly T / 2^31 (docs/nftables.md §1.5). */
export const randomBelow = (threshold: number): Stmt => match('<', and(meta('random'), RANDOM_MASK), threshold);

interface KindState {
  /** DNAT maps by endpoint index. */
  maps: Element[][];
  /** Balance chains by `${N}-${port}`, in creation order. */
  chains: Map<string, Chain>;
  /** Frontend keys already registered (each frontend is balanced once per set kind). */
  keys: Set<string>;
}

export class Balancers {
  private readonly state = new Map<string, KindState>();
  private readonly keyExpr: Record<KeyKind, Expr>;

  constructor(private readonly f: FamilySpelling) {
    const l4 = [meta('l4proto'), payload('th', 'dport')];
    this.keyExpr = { ips: concat(payload(f.l3, 'daddr'), ...l4), nodeports: concat(...l4) };
    for (const [set, keys] of KINDS) this.state.set(`${set}-${keys}`, { maps: [], chains: new Map(), keys: new Set() });
  }

  /**
   * Balances `frontend` (ips: [address, protocol, port]; nodeports: [protocol, node port]) over
   * `endpoints` (non-empty, one target port); returns the chain a dispatch must `goto`.
   */
  target(set: SetKind, keys: KeyKind, frontend: readonly Atom[], endpoints: readonly IREndpoint[]): string {
    const kind = `${set}-${keys}`;
    const s = this.state.get(kind)!;
    const id = frontend.join(' . ');
    if (s.keys.has(id)) throw new Error(`internal error: frontend ${id} balanced twice over the ${set} set`);
    s.keys.add(id);
    const first = endpoints[0];
    if (first === undefined || !samePort(endpoints))
      throw new Error(`internal error: frontend ${id} needs a non-empty endpoint set with one target port`);
    const n = endpoints.length;
    for (let i = 0; i < n; i++) {
      const map = (s.maps[i] ??= []);
      map.push({ key: frontend, value: endpoints[i]!.ip });
    }
    const chainId = `${n}-${first.port}`;
    let chain = s.chains.get(chainId);
    if (chain === undefined) {
      chain = { name: `balance-${kind}-${chainId}`, rules: this.rules(kind, keys, n, first.port) };
      s.chains.set(chainId, chain);
    }
    return chain.name;
  }

  private rules(kind: string, keys: KeyKind, n: number, port: number): Chain['rules'] {
    const thresholds = cascadeThresholds(n);
    const rules: Chain['rules'] = [];
    for (let i = 0; i < n; i++) {
      const dnat = dnatFromMap(this.keyExpr[keys], dnatMapName(kind, i), port);
      const t = thresholds[i];
      rules.push({ expr: t === undefined ? [dnat] : [randomBelow(t), dnat] });
    }
    return rules;
  }

  /** The balance chains, kind by kind, each kind's in the order they were first needed. */
  chains(): Chain[] {
    return [...this.state.values()].flatMap((s) => [...s.chains.values()]);
  }

  /** The DNAT maps (empty kinds have none). */
  maps(): NamedSet[] {
    const out: NamedSet[] = [];
    for (const [set, keys] of KINDS) {
      const kind = `${set}-${keys}`;
      const type = keys === 'ips' ? [this.f.addrType, 'inet_proto', 'inet_service'] : ['inet_proto', 'inet_service'];
      this.state.get(kind)!.maps.forEach((elements, i) => {
        out.push({ kind: 'map', name: dnatMapName(kind, i), type, map: this.f.addrType, elements });
      });
    }
    return out;
  }
}

const dnatMapName = (kind: string, i: number): string => `dnat-${kind}-${i}`;
