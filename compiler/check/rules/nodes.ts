// Rules on node blocks.

import { dns1123Subdomain, labelValue } from '../../../common/name-validation.ts';
import { sharedCodes } from '../../shared-rules/codes.ts';
import { refusedNodeAddressKind } from '../../shared-rules/special-addresses.ts';
import { codes } from '../codes.ts';
import { familyName } from '../draft.ts';
import type { Rule } from './rule.ts';

export const nodeNames: Rule = (ctx, draft) => {
  for (const n of draft.nodes) {
    const why = dns1123Subdomain(n.name);
    if (why) ctx.report(codes['invalid-node-name'](ctx.at(n.ast.name.span), n.name, why));
  }
};

export const duplicateNodes: Rule = (ctx, draft) => {
  for (const n of draft.nodes) {
    const first = draft.nodesByName.get(n.name)!;
    if (first !== n) {
      ctx.report(
        codes['duplicate-node'](
          ctx.at(n.ast.name.span, { related: [ctx.related('first declared here', first.ast.name.span)] }),
          n.name,
        ),
      );
    }
  }
};

/** Node addresses are NodePort destinations: not unspecified, multicast or broadcast; each once. */
export const nodeAddresses: Rule = (ctx, draft) => {
  for (const n of draft.nodes) {
    const seen = new Set<string>();
    for (const a of n.addresses) {
      const kind = refusedNodeAddressKind(a.ip);
      if (kind) {
        ctx.report(
          sharedCodes['unrouted-address'](
            ctx.at(a.lit.span, { hint: "use the node's own unicast address" }),
            'node address',
            a.ip.text,
            kind,
          ),
        );
      }
      if (seen.has(a.ip.text)) ctx.report(codes['duplicate-list-entry'](ctx.at(a.lit.span), 'node address', a.ip.text));
      seen.add(a.ip.text);
    }
  }
};

/** One zone per node (a label has one value), and a valid label value. */
export const nodeZones: Rule = (ctx, draft) => {
  for (const n of draft.nodes) {
    n.zones.forEach((z, i) => {
      const why = labelValue(z.value);
      if (why) ctx.report(codes['invalid-zone'](ctx.at(z.span), z.value, why));
      if (i > 0) {
        ctx.report(
          codes['duplicate-node-zone'](
            ctx.at(z.span, { related: [ctx.related('first zone here', n.zones[0]!.span)] }),
            n.name,
          ),
        );
      }
    });
  }
};

export const podCidrFamilies: Rule = (ctx, draft) => {
  for (const n of draft.nodes) {
    const seen = new Set<string>();
    for (const c of n.podCIDRs) {
      if (seen.has(c.cidr.family))
        ctx.report(codes['duplicate-pod-cidr-family'](ctx.at(c.lit.span), n.name, familyName(c.cidr.family)));
      seen.add(c.cidr.family);
    }
  }
};
