// Frontends of a family without a cluster IP (that frontends are unique is a shared rule,
// compiler/shared-rules/uniqueness.ts).

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
