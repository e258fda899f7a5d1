// Frontends of a family without a cluster IP (that frontends are unique is a shared rule,
// compiler/shared-rules/uniqueness.ts), and a service's own detector without a CIDR of a family
// it has.

import { codes } from '../codes.ts';
import { familyName, type ServiceDraft } from '../draft.ts';
import type { ParsedAddress } from '../values.ts';
import type { Rule } from './rule.ts';

/** External and load-balancer IPs of a family without a cluster IP are dropped by kube-proxy. */
export const externalAddressFamilies: Rule = (ctx, _draft) => {
  const check = (s: ServiceDraft, list: readonly ParsedAddress[], what: string) => {
    for (const a of list) {
      if (!s.families.includes(a.ip.family))
        ctx.report(codes['address-family-ignored'](ctx.at(a.lit.span), what, a.ip.text, familyName(a.ip.family)));
    }
  };
  return {
    service(s) {
      if (s.families.length === 0) return;
      check(s, s.externalIPs, 'external IP');
      check(s, s.lbIngress, 'load-balancer ingress IP');
    },
  };
};

/**
 * A service's own `masq from outside CIDR` replaces the cluster's detector for every family: one
 * whose CIDRs leave out a family the service has leaves that family's traffic without a
 * masquerade rule (an IPv4-only service given only an IPv6 CIDR lost its `! -s CIDR` rule, said
 * by nothing). Interface detectors hold for every family.
 */
export const serviceDetectorFamilies: Rule = (ctx, _draft) => {
  return {
    service(s) {
      const cidrs = s.masq.filter((m) => m.cidr !== null);
      if (cidrs.length === 0 || cidrs.length < s.masq.length) return;
      for (const family of s.families) {
        if (cidrs.some((m) => m.cidr!.family === family)) continue;
        ctx.report(codes['service-detector-family-missing'](ctx.at(cidrs[0]!.ast.span), s.key, familyName(family)));
      }
    },
  };
};
