// A service's own detector without a CIDR of a family it has. (Frontends and source ranges of a
// family without a cluster IP, and source ranges that leave out a family of the load balancer,
// are shared rules: compiler/shared-rules/frontend-families.ts.)

import { codes } from '../codes.ts';
import { familyName } from '../draft.ts';
import type { Rule } from './rule.ts';

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
