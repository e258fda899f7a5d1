// Frontends (cluster IP, external IP, load-balancer IP : port / protocol) are unique across the
// cluster: two services on one frontend would both be written and only the first would ever match
// (and an nft map cannot hold the key twice).

import { joinHostPort } from '../../../common/ip.ts';
import type { Span } from '../../../common/source.ts';
import { codes } from '../codes.ts';
import { familyName, type ServiceDraft } from '../draft.ts';
import type { ParsedAddress } from '../values.ts';
import { portsByName, type Rule } from './rule.ts';

export const frontendsUnique: Rule = (ctx, draft) => {
  // Cluster IPs never collide with each other here (that is cluster-ip-in-use), only with external
  // and load-balancer IPs, which few services have: claim only cluster IPs that are also one of those.
  const externalIPs = new Set<string>();
  for (const s of draft.services) {
    for (const a of s.externalIPs) externalIPs.add(a.ip.text);
    for (const a of s.lbIngress) externalIPs.add(a.ip.text);
  }
  if (externalIPs.size === 0) return;
  const owner = new Map<string, { key: string; span: Span; what: string }>();
  for (const s of draft.services) {
    const claim = (ip: string, port: number, proto: string, span: Span, what: string) => {
      const k = `${ip}|${port}|${proto}`;
      const prev = owner.get(k);
      if (!prev) owner.set(k, { key: s.key, span, what });
      else if ((prev.key !== s.key || prev.what !== what) && !(prev.what === 'cluster IP' && what === 'cluster IP')) {
        const other = prev.key === s.key ? `this service (${prev.what})` : `${prev.key} (${prev.what})`;
        ctx.report(
          codes['frontend-in-use'](
            ctx.at(span, { related: [ctx.related('first claimed here', prev.span)] }),
            `${joinHostPort(ip, port)}/${proto}`,
            other,
          ),
        );
      }
    };
    // Cluster IPs: a shared cluster IP is already `cluster-ip-in-use`; claim them so that an
    // external IP of another service on the same IP:port is caught.
    for (const l of s.lines) {
      if (l.ip && externalIPs.has(l.ip)) claim(l.ip, l.port, l.protocol, l.ast.clusterIP.span, 'cluster IP');
    }
    if (s.externalIPs.length === 0 && s.lbIngress.length === 0) continue;
    const external = (list: readonly ParsedAddress[], what: string) => {
      for (const a of list) {
        for (const [, lines] of portsByName(s)) {
          const l = lines.find((x) => x.family === a.ip.family);
          if (l) claim(a.ip.text, l.port, l.protocol, a.lit.span, what);
        }
      }
    };
    external(s.externalIPs, 'external IP');
    external(s.lbIngress, 'load-balancer IP');
  }
};

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
