// Rules on service-wide attributes: agreement between lines, and where each attribute applies.
import type { Span } from '../../../common/source.ts';
import { specialKind } from '../../../common/special-address.ts';
import { sharedCodes } from '../../shared-rules/codes.ts';
import { specialAddressCode } from '../../shared-rules/special-addresses.ts';
import { codes } from '../codes.ts';
import type { CheckContext } from '../context.ts';
import type { AffinityAst } from '../draft.ts';
import type { ParsedAddress } from '../values.ts';
import { checkDetectorItems } from './cluster.ts';
import { effectiveETP, effectiveITP, hasExternalFrontends, type Rule } from './rule.ts';

function firstWins<T>(
  ctx: CheckContext,
  attr: string,
  items: readonly { value: T; span: Span }[],
  show: (v: T) => string,
): void {
  const first = items[0];
  if (!first) return;
  for (const it of items) {
    if (show(it.value) !== show(first.value)) {
      ctx.report(
        codes['conflicting-service-attribute'](
          ctx.at(it.span, { related: [ctx.related('first given here', first.span)] }),
          attr,
          show(it.value),
          show(first.value),
        ),
      );
    }
  }
}

/** An affinity as read: its timeout's value, not its spelling (0600 is 600). */
const affinityText = (a: AffinityAst): string =>
  a.affinity.value === 'None' ? 'none' : `clientIP ${a.timeout?.value ?? 10800}`;

export const conflictingAttributes: Rule = (ctx, _draft) => {
  return {
    service(s) {
      firstWins(ctx, 'externalTrafficPolicy', s.etp, (v) => v.toLowerCase());
      firstWins(ctx, 'internalTrafficPolicy', s.itp, (v) => v.toLowerCase());
      if (s.affinity.length > 1)
        firstWins(
          ctx,
          'sessionAffinity',
          s.affinity.map((a) => ({ value: a, span: a.span })),
          affinityText,
        );
      firstWins(ctx, 'healthCheckNodePort', s.hcnp, String);
      if (s.masq.length < 2) return;
      checkDetectorItems(ctx, s.masq, `service ${s.key}`, (d, prev) => {
        const show = (x: typeof d) => {
          const k = x.ast.detector;
          return k.kind === 'Cidr'
            ? x.cidr!.text
            : k.kind === 'BridgeInterface'
              ? `interface ${k.name.value}`
              : k.kind === 'InterfaceNamePrefix'
                ? `interface prefix ${k.prefix.value}`
                : 'node podCIDR';
        };
        ctx.report(
          codes['conflicting-service-attribute'](
            ctx.at(d.ast.span, { related: [ctx.related('first given here', prev.ast.span)] }),
            'masq from outside',
            show(d),
            show(prev),
          ),
        );
      });
    },
  };
};

export const affinityTimeout: Rule = (ctx, _draft) => {
  return {
    service(s) {
      for (const a of s.affinity) {
        if (!a.timeout) continue;
        if (a.affinity.value !== 'ClientIP')
          ctx.report(codes['affinity-timeout-without-client-ip'](ctx.at(a.timeout.span)));
        else if (!Number.isInteger(a.timeout.value) || a.timeout.value < 1 || a.timeout.value > 86400) {
          ctx.report(codes['invalid-affinity-timeout'](ctx.at(a.timeout.span), a.timeout.text));
        }
      }
    },
  };
};

function externalAddresses(ctx: CheckContext, list: readonly ParsedAddress[], what: string): void {
  const seen = list.length > 1 ? new Set<string>() : null;
  for (const a of list) {
    const kind = specialKind(a.ip);
    if (kind && what === LB_INGRESS) {
      const local = kind === 'loopback' || kind === 'unspecified';
      ctx.report(
        sharedCodes[local ? 'local-load-balancer-ip' : 'special-load-balancer-ip'](ctx.at(a.lit.span), a.ip.text, kind),
      );
    } else if (kind)
      ctx.report(
        sharedCodes[specialAddressCode(a.ip)](
          ctx.at(a.lit.span, { hint: 'use a unicast address that clients can reach' }),
          what,
          a.ip.text,
          kind,
        ),
      );
    if (seen?.has(a.ip.text)) ctx.report(codes['duplicate-list-entry'](ctx.at(a.lit.span), what, a.ip.text));
    seen?.add(a.ip.text);
  }
}

const LB_INGRESS = 'load-balancer ingress IP';

/**
 * externalIPs: what the API refuses (ValidateNonSpecialIP), each once; load-balancer IPs, which the
 * API checks only for syntax: warned about when special, refused when local (loopback, unspecified).
 */
export const externalAddressValues: Rule = (ctx, _draft) => {
  return {
    service(s) {
      externalAddresses(ctx, s.externalIPs, 'external IP');
      externalAddresses(ctx, s.lbIngress, LB_INGRESS);
      if (s.sourceRanges.length < 2) return;
      const seen = new Set<string>();
      for (const r of s.sourceRanges) {
        if (seen.has(r.cidr.text))
          ctx.report(codes['duplicate-list-entry'](ctx.at(r.lit.span), 'load-balancer source range', r.cidr.text));
        seen.add(r.cidr.text);
      }
    },
  };
};

export const loadBalancerIngressType: Rule = (ctx, _draft) => {
  return {
    service(s) {
      if (s.type === null || s.type === 'LoadBalancer') return;
      for (const span of s.lbIngressAt)
        ctx.report(codes['load-balancer-ingress-not-load-balancer'](ctx.at(span), s.type));
    },
  };
};

export const healthCheckNodePortAllowed: Rule = (ctx, _draft) => {
  return {
    service(s) {
      const h = s.hcnp[0];
      if (!h || s.type === null) return;
      let why: string | null = null;
      if (s.type !== 'LoadBalancer') why = `this service is ${s.type}`;
      else if (effectiveETP(s) !== 'Local')
        why = 'this service has externalTrafficPolicy cluster (add externalTrafficPolicy local)';
      if (why) ctx.report(codes['health-check-node-port-not-allowed'](ctx.at(h.span), why));
    },
  };
};

/** The API server always allocates a LoadBalancer eTP=Local service a health-check node port. */
export const healthCheckNodePortMissing: Rule = (ctx, _draft) => {
  return {
    service(s) {
      if (s.type !== 'LoadBalancer' || effectiveETP(s) !== 'Local' || s.hcnp.length > 0) return;
      const first = s.lines.find((l) => l.type === 'LoadBalancer') ?? s.lines[0];
      if (first) ctx.report(codes['missing-health-check-node-port'](ctx.at(first.ast.type.span)));
    },
  };
};

export const externalTrafficPolicyApplies: Rule = (ctx, _draft) => {
  return {
    service(s) {
      if (s.type === null || hasExternalFrontends(s)) return;
      const first = s.etp[0];
      if (first)
        ctx.report(
          codes['external-traffic-policy-not-applicable'](
            ctx.at(first.span, { hint: 'remove it, or make the service NodePort/LoadBalancer' }),
          ),
        );
    },
  };
};

export const sourceRangesApply: Rule = (ctx, _draft) => {
  return {
    service(s) {
      if (s.type === null || s.type === 'LoadBalancer') return;
      for (const span of s.sourceRangesAt) ctx.report(codes['source-ranges-not-applicable'](ctx.at(span), s.type));
    },
  };
};

export const internalTrafficPolicyEndpoints: Rule = (ctx, _draft) => {
  return {
    service(s) {
      if (effectiveITP(s) !== 'Local') return;
      if (s.endpoints.some((e) => e.node !== null)) return;
      ctx.report(codes['internal-traffic-policy-no-node-endpoints'](ctx.at(s.itp[0]!.span), s.endpoints.length > 0));
    },
  };
};
