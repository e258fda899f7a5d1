// Addresses kube-proxy accepts but a person would want to hear about: each is a warning, the
// cluster stays valid. Lookups go through maps and sorted ranges, so a cluster of 10,000 services
// and thousands of nodes is checked in near-linear time.
import { canonicalIPv4At, cidrContains, type Family, ipOf, type ParsedCIDR } from '../../common/ip.ts';
import { sharedCodes } from './codes.ts';
import type { CIDRFact, ClusterFacts, EndpointFact, FactReporter, NodeFacts } from './facts.ts';

interface Range<L> {
  cidr: ParsedCIDR;
  at: L;
  /** "the cluster CIDR", "node 'a' podCIDR" */
  whose: string;
  node: string | null;
}

/** The ranges of one family, sorted by first address, and a lookup "which range holds this address". */
interface RangeIndex<L> {
  all: readonly Range<L>[];
  /** The range holding this address (canonical text of the index's family), or null. */
  find(ip: string): Range<L> | null;
}

/**
 * Sorted by first address with the running maximum of the last addresses, so a lookup is a binary
 * search and a short walk back over the candidates (CIDRs nest or are disjoint). IPv4 bounds are
 * plain numbers (no BigInt on the hot path of 10,000 cluster IPs).
 */
function rangeIndex<L>(ranges: readonly Range<L>[], family: Family): RangeIndex<L> {
  type K = number | bigint;
  const key = (v: bigint): K => (family === 'ipv4' ? Number(v) : v);
  const sorted = [...ranges].sort((a, b) => (a.cidr.first < b.cidr.first ? -1 : a.cidr.first > b.cidr.first ? 1 : 0));
  const firsts = sorted.map((r) => key(r.cidr.first));
  const lasts = sorted.map((r) => key(r.cidr.last));
  const maxLast: K[] = [];
  for (let i = 0; i < lasts.length; i++)
    maxLast.push(i === 0 || lasts[i]! > maxLast[i - 1]! ? lasts[i]! : maxLast[i - 1]!);
  return {
    all: sorted,
    find(ip) {
      if (sorted.length === 0) return null;
      const value: K = family === 'ipv4' ? canonicalIPv4At(ip) : ipOf(ip).value;
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (firsts[mid]! <= value) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo - 1; i >= 0 && maxLast[i]! >= value; i--) if (value <= lasts[i]!) return sorted[i]!;
      return null;
    },
  };
}

function podRanges<L>(facts: ClusterFacts<L>, family: Family, withCluster: boolean): RangeIndex<L> {
  const ranges: Range<L>[] = [];
  if (withCluster) {
    for (const c of facts.clusterCIDRs) {
      // A /0 detector is its own warning (detector-matches-everything), not a pod range.
      if (c.cidr.family === family && c.cidr.prefix > 0)
        ranges.push({ cidr: c.cidr, at: c.at, whose: 'the cluster CIDR', node: null });
    }
  }
  for (const n of facts.nodes) {
    for (const c of n.podCIDRs) {
      if (c.cidr.family === family)
        ranges.push({ cidr: c.cidr, at: c.at, whose: `node '${n.name}' podCIDR`, node: n.name });
    }
  }
  return rangeIndex(ranges, family);
}

/** A cluster IP inside the cluster CIDR or a node's podCIDR, or equal to a node or endpoint address. */
export function clusterIPOverlaps<L>(facts: ClusterFacts<L>, r: FactReporter<L>): void {
  const nodeOf = new Map<string, string>();
  for (const n of facts.nodes) for (const a of n.addresses) if (!nodeOf.has(a.ip)) nodeOf.set(a.ip, n.name);
  // Which cluster IPs are also endpoint addresses: look the endpoints up among the (fewer) cluster IPs.
  const clusterIPs = new Set<string>();
  for (const s of facts.services) for (const c of s.clusterIPs) clusterIPs.add(c.ip);
  const endpointOf = new Map<string, string>();
  for (const s of facts.services) {
    for (const e of s.endpoints) if (clusterIPs.has(e.ip) && !endpointOf.has(e.ip)) endpointOf.set(e.ip, s.key);
  }
  const index = { ipv4: podRanges(facts, 'ipv4', true), ipv6: podRanges(facts, 'ipv6', true) };
  for (const s of facts.services) {
    for (const c of s.clusterIPs) {
      const range = index[c.family].find(c.ip);
      if (range)
        r.report(
          sharedCodes['cluster-ip-in-pod-cidr'](
            r.where(c.at, { related: [r.related(`${range.whose} is here`, range.at)] }),
            c.ip,
            range.cidr.text,
            range.whose,
          ),
        );
      const node = nodeOf.get(c.ip);
      if (node !== undefined) r.report(sharedCodes['cluster-ip-is-node-address'](r.where(c.at), c.ip, node));
      const owner = endpointOf.get(c.ip);
      if (owner !== undefined)
        r.report(
          sharedCodes['cluster-ip-is-endpoint'](
            r.where(c.at),
            c.ip,
            owner === s.key ? 'this service' : `service ${owner}`,
          ),
        );
    }
  }
}

/** Two nodes with one address. */
export function duplicateNodeAddresses<L>(facts: ClusterFacts<L>, r: FactReporter<L>): void {
  const first = new Map<string, { node: NodeFacts<L>; at: L }>();
  for (const n of facts.nodes) {
    for (const a of n.addresses) {
      const prev = first.get(a.ip);
      if (!prev) first.set(a.ip, { node: n, at: a.at });
      else if (prev.node !== n)
        r.report(
          sharedCodes['duplicate-node-address'](
            r.where(a.at, { related: [r.related(`node '${prev.node.name}' has it here`, prev.at)] }),
            a.ip,
            n.name,
            prev.node.name,
          ),
        );
    }
  }
}

/** Node podCIDRs that overlap (each overlapping CIDR is reported once, against an earlier one). */
export function overlappingPodCIDRs<L>(facts: ClusterFacts<L>, r: FactReporter<L>): void {
  for (const family of ['ipv4', 'ipv6'] as const) {
    // Sweep in address order: a range overlaps an earlier one iff it starts before the furthest end so far.
    let widest: Range<L> | null = null;
    for (const range of podRanges(facts, family, false).all) {
      if (widest !== null && range.cidr.first <= widest.cidr.last && range.node !== widest.node) {
        r.report(
          sharedCodes['overlapping-pod-cidrs'](
            r.where(range.at, { related: [r.related(`node '${widest.node}' podCIDR is here`, widest.at)] }),
            range.cidr.text,
            range.node!,
            widest.node!,
            widest.cidr.text,
          ),
        );
      }
      if (widest === null || range.cidr.last > widest.cidr.last) widest = range;
    }
  }
}

/**
 * Endpoints on a node but outside that node's podCIDR of their family (host-network pods, on the
 * node's own address, excepted): one warning per node and family, at the first such endpoint.
 */
export function endpointsInNodePodCIDR<L>(facts: ClusterFacts<L>, r: FactReporter<L>): void {
  const byName = new Map<string, NodeFacts<L>>();
  for (const n of facts.nodes) if (n.podCIDRs.length > 0 && !byName.has(n.name)) byName.set(n.name, n);
  if (byName.size === 0) return;
  const outside = new Map<string, { node: NodeFacts<L>; cidr: ParsedCIDR; first: EndpointFact<L>; count: number }>();
  // IPv4 bounds as plain numbers: a large file has 100,000 endpoints, most of them IPv4.
  const v4Bounds = new Map<ParsedCIDR, [number, number]>();
  const inside = (cidr: ParsedCIDR, ip: string): boolean => {
    if (cidr.family === 'ipv6') return cidrContains(cidr, ipOf(ip));
    let b = v4Bounds.get(cidr);
    if (!b) v4Bounds.set(cidr, (b = [Number(cidr.first), Number(cidr.last)]));
    const v = canonicalIPv4At(ip);
    return v >= b[0] && v <= b[1];
  };
  for (const s of facts.services) {
    for (const e of s.endpoints) {
      const node = e.node === null ? undefined : byName.get(e.node);
      const pod = node?.podCIDRs.find((c) => c.cidr.family === e.family);
      if (!node || !pod || node.addresses.some((a) => a.ip === e.ip)) continue;
      if (inside(pod.cidr, e.ip)) continue;
      const key = `${node.name}|${e.family}`;
      const seen = outside.get(key);
      if (seen) seen.count++;
      else outside.set(key, { node, cidr: pod.cidr, first: e, count: 1 });
    }
  }
  for (const o of outside.values()) {
    r.report(
      sharedCodes['endpoint-outside-node-pod-cidr'](
        r.where(o.first.at, {
          hint: 'a network plugin that assigns pod addresses itself (Calico, Weave) does not use podCIDR; then this is expected',
        }),
        o.count === 1 ? `endpoint ${o.first.ip} is` : `${o.count} endpoints (${o.first.ip}, ...) are`,
        o.node.name,
        o.cidr.text,
      ),
    );
  }
}

/** A detector CIDR of prefix length 0: nothing is "from outside" it. */
export function detectorsMatchSomething<L>(facts: ClusterFacts<L>, r: FactReporter<L>): void {
  const check = (c: CIDRFact<L>) => {
    if (c.cidr.prefix === 0) r.report(sharedCodes['detector-matches-everything'](r.where(c.at), c.cidr.text));
  };
  for (const c of facts.clusterCIDRs) check(c);
  for (const s of facts.services) for (const c of s.detectorCIDRs) check(c);
}
