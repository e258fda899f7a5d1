// Rules on services as a whole: identity, type and cluster IPs.
import { codes } from '../codes.ts';
import { familyName, type PortLineDraft, type ServiceDraft } from '../draft.ts';
import { specialKind } from '../values.ts';
import type { Rule } from './rule.ts';

export const duplicateServices: Rule = (ctx, draft) => {
  const first = new Map<string, ServiceDraft>();
  for (const s of draft.services) {
    const prev = first.get(s.key);
    if (!prev) first.set(s.key, s);
    else {
      const span = { start: s.ast.namespace.span.start, end: s.ast.name.span.end };
      const prevSpan = { start: prev.ast.namespace.span.start, end: prev.ast.name.span.end };
      ctx.report(codes['duplicate-service'](ctx.at(span, { related: [ctx.related('first declared here', prevSpan)] }), s.key));
    }
  }
};

export const serviceWithoutPorts: Rule = (ctx, draft) => {
  for (const s of draft.services) {
    if (s.lines.length === 0) ctx.report(codes['service-without-ports'](ctx.at({ start: s.ast.namespace.span.start, end: s.ast.name.span.end }), s.key));
  }
};

export const mixedServiceTypes: Rule = (ctx, draft) => {
  for (const s of draft.services) {
    const first = s.lines[0];
    if (!first) continue;
    for (const l of s.lines) {
      if (l.ast.type.value !== first.ast.type.value) {
        ctx.report(
          codes['mixed-service-types'](
            ctx.at(l.ast.type.span, { related: [ctx.related(`the service is ${first.ast.type.value} here`, first.ast.type.span)], hint: `write ${first.ast.type.value}` }),
            l.ast.type.value,
            first.ast.type.value,
          ),
        );
      }
    }
  }
};

export const conflictingClusterIPs: Rule = (ctx, draft) => {
  for (const s of draft.services) {
    let v4: PortLineDraft | undefined;
    let v6: PortLineDraft | undefined;
    for (const l of s.lines) {
      if (!l.ip) continue;
      const prev = l.ip.family === 'ipv4' ? v4 : v6;
      if (!prev) {
        if (l.ip.family === 'ipv4') v4 = l;
        else v6 = l;
      } else if (prev.ip!.text !== l.ip.text) {
        ctx.report(
          codes['conflicting-cluster-ip'](
            ctx.at(l.ast.clusterIP.span, { related: [ctx.related('the first cluster IP is here', prev.ast.clusterIP.span)], hint: `write ${prev.ip!.text}` }),
            l.ip.text,
            prev.ip!.text,
            familyName(l.ip.family),
          ),
        );
      }
    }
  }
};

export const reservedClusterIPs: Rule = (ctx, draft) => {
  for (const s of draft.services) {
    for (const l of s.lines) {
      const kind = l.ip ? specialKind(l.ip) : null;
      if (kind) ctx.report(codes['reserved-cluster-ip'](ctx.at(l.ast.clusterIP.span), l.ip!.text, kind));
    }
  }
};

/** The API server allocates each cluster IP to one service (whatever the ports). */
export const clusterIPInUse: Rule = (ctx, draft) => {
  const owner = new Map<string, { svc: ServiceDraft; line: PortLineDraft }>();
  for (const s of draft.services) {
    let reported: Set<string> | null = null;
    for (const l of s.lines) {
      if (!l.ip) continue;
      const prev = owner.get(l.ip.text);
      if (!prev) owner.set(l.ip.text, { svc: s, line: l });
      else if (prev.svc !== s && !reported?.has(l.ip.text)) {
        (reported ??= new Set()).add(l.ip.text);
        ctx.report(
          codes['cluster-ip-in-use'](
            ctx.at(l.ast.clusterIP.span, { related: [ctx.related(`${prev.svc.key} uses it here`, prev.line.ast.clusterIP.span)] }),
            l.ip.text,
            prev.svc.key,
          ),
        );
      }
    }
  }
};

export const nodePortOnClusterIP: Rule = (ctx, draft) => {
  for (const s of draft.services) {
    for (const l of s.lines) {
      if (l.ast.type.value === 'ClusterIP' && l.ast.nodePort) {
        ctx.report(codes['node-port-on-cluster-ip'](ctx.at(l.ast.nodePort.span, { hint: 'make the service NodePort to expose it on every node' })));
      }
    }
  }
};

export const missingNodePort: Rule = (ctx, draft) => {
  for (const s of draft.services) {
    if (s.type === 'ClusterIP') continue;
    let warned: Set<string> | null = null;
    for (const l of s.lines) {
      const type = l.ast.type.value;
      if (type === 'ClusterIP' || l.ast.nodePort || warned?.has(l.name)) continue;
      (warned ??= new Set()).add(l.name);
      ctx.report(codes['missing-node-port'](ctx.at(l.ast.type.span), type));
    }
  }
};
