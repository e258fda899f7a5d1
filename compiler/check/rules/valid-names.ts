// Rules on names: the API server's validation (common/name-validation.ts) of every name a service,
// port or endpoint carries.

import {
  dns1035Label,
  dns1123Label,
  dns1123Subdomain,
  ianaServiceName,
  labelValue,
} from '../../../common/name-validation.ts';
import { codes } from '../codes.ts';
import type { Rule } from './rule.ts';

export const serviceNames: Rule = (ctx, _draft) => {
  return {
    service(s) {
      const ns = dns1123Label(s.namespace);
      if (ns) ctx.report(codes['invalid-namespace'](ctx.at(s.ast.namespace.span), s.namespace, ns));
      const name = dns1035Label(s.name);
      if (name) ctx.report(codes['invalid-service-name'](ctx.at(s.ast.name.span), s.name, name));
    },
  };
};

export const portNames: Rule = (ctx, _draft) => {
  return {
    service(s) {
      for (const l of s.lines) {
        if (l.name !== '') {
          const why = dns1123Label(l.name);
          if (why) ctx.report(codes['invalid-port-name'](ctx.at(l.ast.name!.span), l.name, why));
        }
        if (typeof l.target === 'string') {
          const why = ianaServiceName(l.target);
          if (why) ctx.report(codes['invalid-target-port-name'](ctx.at(l.ast.targetPort!.span), l.target, why));
        }
      }
    },
  };
};

export const endpointNames: Rule = (ctx, _draft) => {
  return {
    service(s) {
      const eps = s.endpoints;
      for (let e = 0; e < eps.length; e++) {
        const ep = eps[e]!;
        const ports = ep.portEntries;
        for (let i = 0; i < ports.length; i++) {
          const p = ports[i]!;
          const why = ianaServiceName(p.name.value);
          if (why) ctx.report(codes['invalid-endpoint-port-name'](ctx.at(p.name.span), p.name.value, why));
          // (a handful of ports per endpoint: a scan beats a Set per endpoint)
          for (let j = 0; j < i; j++) {
            if (ports[j]!.name.value === p.name.value) {
              ctx.report(codes['duplicate-endpoint-port-name'](ctx.at(p.name.span), p.name.value));
              break;
            }
          }
        }
        if (ep.zone !== null) {
          const why = labelValue(ep.zone);
          if (why) ctx.report(codes['invalid-zone'](ctx.at(ep.ast.zone!.span), ep.zone, why));
        }
        // indexed: most lists are empty, and a for-of made an iterator for each (10,000 services: ~17 MB)
        const { forZones, forNodes } = ep.ast;
        for (let i = 0; i < forZones.length; i++) {
          const z = forZones[i]!;
          const why = labelValue(z.value);
          if (why) ctx.report(codes['invalid-zone'](ctx.at(z.span), z.value, why));
        }
        for (let i = 0; i < forNodes.length; i++) {
          const n = forNodes[i]!;
          const why = dns1123Subdomain(n.value);
          if (why) ctx.report(codes['invalid-node-name'](ctx.at(n.span), n.value, why));
        }
      }
    },
  };
};
