// A service's frontends and source ranges of a family it has no cluster IP of: kube-proxy handles
// each family with that family's view of the service (its ServiceChangeTracker keeps the external
// IPs, load-balancer IPs and source ranges of the family, logging the rest at verbosity 4 only);
// and what a load balancer's source ranges leave open: a family without a range of its own, and
// the service's external IPs, which the firewall never guards.
import { type Family, familyName } from '../../common/ip.ts';
import { sharedCodes } from './codes.ts';
import type { ClusterFacts, FactReporter, ServiceFacts } from './facts.ts';

const familiesOf = <L>(s: ServiceFacts<L>): Family[] => [...new Set(s.clusterIPs.map((c) => c.family))];

/** External IPs, load-balancer IPs and source ranges of a family without a cluster IP are dropped. */
export function frontendFamilies<L>(facts: ClusterFacts<L>, r: FactReporter<L>): void {
  for (const s of facts.services) {
    const families = familiesOf(s);
    if (families.length === 0) continue;
    const ignored = (what: string, text: string, family: Family, at: L) => {
      if (!families.includes(family))
        r.report(sharedCodes['address-family-ignored'](r.where(at), what, text, familyName(family)));
    };
    for (const a of s.externalIPs) ignored('external IP', a.ip, a.family, a.at);
    for (const a of s.loadBalancerIPs) ignored('load-balancer ingress IP', a.ip, a.family, a.at);
    // on another type, source ranges are an error or a warning of their own
    if (s.loadBalancer)
      for (const c of s.sourceRanges) ignored('load-balancer source range', c.cidr.text, c.cidr.family, c.at);
  }
}

/**
 * With no source range of a family left, kube-proxy writes no firewall for it: that family's
 * load-balancer IPs take every source. A service given only IPv6 ranges for its IPv4 load balancer
 * is open to the world, said by nothing else.
 */
export function sourceRangeFamilies<L>(facts: ClusterFacts<L>, r: FactReporter<L>): void {
  for (const s of facts.services) {
    if (!s.loadBalancer || s.sourceRanges.length === 0) continue;
    for (const family of familiesOf(s)) {
      if (s.sourceRanges.some((c) => c.cidr.family === family)) continue;
      if (!s.loadBalancerIPs.some((a) => a.family === family)) continue; // nothing of it to filter
      r.report(sharedCodes['source-ranges-family-missing'](r.where(s.sourceRanges[0]!.at), s.key, familyName(family)));
    }
  }
}

/**
 * kube-proxy's firewall (KUBE-FW-…, nft's firewall map) guards the load-balancer IPs only: an
 * external IP of the same service goes to it without one. Said for each external IP of a family
 * whose ranges filter anything (a /0 among them writes no firewall: every source is meant).
 */
export function sourceRangesNotExternalIPs<L>(facts: ClusterFacts<L>, r: FactReporter<L>): void {
  for (const s of facts.services) {
    if (!s.loadBalancer || s.sourceRanges.length === 0) continue;
    // once per family, not per external IP (a service may list hundreds of thousands of each)
    const filtered = familiesOf(s).filter(
      (f) =>
        s.sourceRanges.some((c) => c.cidr.family === f) &&
        !s.sourceRanges.some((c) => c.cidr.family === f && c.cidr.prefix === 0),
    );
    for (const a of s.externalIPs) {
      if (filtered.includes(a.family)) r.report(sharedCodes['source-ranges-not-external-ips'](r.where(a.at), a.ip));
    }
  }
}
