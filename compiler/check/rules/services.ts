// Rules on services as a whole: identity, type and cluster IPs.
import { sharedCodes } from '../../shared-rules/codes.ts';
import { codes } from '../codes.ts';
import { familyName, type PortLineDraft, type ServiceDraft } from '../draft.ts';
import type { Rule } from './rule.ts';

export const duplicateServices: Rule = (ctx, _draft) => {
  const first = new Map<string, ServiceDraft>();
  return {
    service(s) {
      const prev = first.get(s.key);
      if (!prev) first.set(s.key, s);
      else {
        const span = { start: s.ast.namespace.span.start, end: s.ast.name.span.end };
        const prevSpan = { start: prev.ast.namespace.span.start, end: prev.ast.name.span.end };
        ctx.report(
          codes['duplicate-service'](ctx.at(span, { related: [ctx.related('first declared here', prevSpan)] }), s.key),
        );
      }
    },
  };
};

export const serviceWithoutPorts: Rule = (ctx, _draft) => {
  return {
    service(s) {
      if (s.lines.length === 0)
        ctx.report(
          codes['service-without-ports'](
            ctx.at({ start: s.ast.namespace.span.start, end: s.ast.name.span.end }),
            s.key,
          ),
        );
    },
  };
};

export const mixedServiceTypes: Rule = (ctx, _draft) => {
  return {
    service(s) {
      const first = s.lines[0];
      if (!first) return;
      for (const l of s.lines) {
        if (l.type !== first.type) {
          ctx.report(
            codes['mixed-service-types'](
              ctx.at(l.ast.type.span, {
                related: [ctx.related(`the service is ${first.type} here`, first.ast.type.span)],
                hint: `write ${first.type}`,
              }),
              l.type,
              first.type,
            ),
          );
        }
      }
    },
  };
};

export const conflictingClusterIPs: Rule = (ctx, _draft) => {
  return {
    service(s) {
      let v4: PortLineDraft | undefined;
      let v6: PortLineDraft | undefined;
      for (const l of s.lines) {
        if (!l.ip) continue;
        const prev = l.family! === 'ipv4' ? v4 : v6;
        if (!prev) {
          if (l.family! === 'ipv4') v4 = l;
          else v6 = l;
        } else if (prev.ip! !== l.ip) {
          ctx.report(
            codes['conflicting-cluster-ip'](
              ctx.at(l.ast.clusterIP.span, {
                related: [ctx.related('the first cluster IP is here', prev.ast.clusterIP.span)],
                hint: `write ${prev.ip!}`,
              }),
              l.ip,
              prev.ip!,
              familyName(l.family!),
            ),
          );
        }
      }
    },
  };
};

export const reservedClusterIPs: Rule = (ctx, _draft) => {
  return {
    service(s) {
      for (const l of s.lines) {
        const kind = l.special;
        if (kind) ctx.report(sharedCodes['reserved-cluster-ip'](ctx.at(l.ast.clusterIP.span), l.ip!, kind));
      }
    },
  };
};

export const nodePortOnClusterIP: Rule = (ctx, _draft) => {
  return {
    service(s) {
      for (const l of s.lines) {
        if (l.type === 'ClusterIP' && l.nodePort !== null) {
          ctx.report(
            codes['node-port-on-cluster-ip'](
              ctx.at(l.ast.nodePort!.span, { hint: 'make the service NodePort to expose it on every node' }),
            ),
          );
        }
      }
    },
  };
};

export const missingNodePort: Rule = (ctx, _draft) => {
  return {
    service(s) {
      if (s.type === 'ClusterIP') return;
      let warned: Set<string> | null = null;
      for (const l of s.lines) {
        const type = l.type;
        if (type === 'ClusterIP' || l.nodePort !== null || warned?.has(l.name)) continue;
        (warned ??= new Set()).add(l.name);
        ctx.report(codes['missing-node-port'](ctx.at(l.ast.type.span), type));
      }
    },
  };
};
