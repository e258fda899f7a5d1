// Rules on endpoints: nodes, families, duplicates, named ports, and endpoints that never serve.

import { nameSuggester } from '../../../common/did-you-mean.ts';
import { ipOf } from '../../../common/ip.ts';
import { MAX_DIAGNOSTICS_PER_CODE } from '../../shared-rules/cap.ts';
import { sharedCodes } from '../../shared-rules/codes.ts';
import { specialAddressCode } from '../../shared-rules/special-addresses.ts';
import { codes } from '../codes.ts';
import { type EndpointDraft, familyName } from '../draft.ts';
import { portsByName, type Rule } from './rule.ts';

export const unknownNodes: Rule = (ctx, draft) => {
  // One "did you mean" search per unknown name, however many endpoints repeat it.
  const nearest = new Map<string, string | null>();
  const suggest = nameSuggester(draft.nodesByName.keys());
  return {
    service(s) {
      for (const ep of s.endpoints) {
        if (ep.node === null || draft.nodesByName.has(ep.node)) continue;
        const n = ep.ast.node!;
        let near = nearest.get(n.value);
        // Past the cap the diagnostic is only counted (shared-rules/cap.ts): no search for it.
        if (near === undefined && ctx.count('unknown-endpoint-node') >= MAX_DIAGNOSTICS_PER_CODE) near = null;
        if (near === undefined) {
          near = suggest(n.value);
          nearest.set(n.value, near);
        }
        const hint = near
          ? `did you mean ${near}?`
          : draft.nodes.length === 0
            ? 'the file declares no node'
            : undefined;
        ctx.report(codes['unknown-endpoint-node'](ctx.at(n.span, hint !== undefined ? { hint } : undefined), n.value));
      }
    },
  };
};

export const endpointFamilies: Rule = (ctx, _draft) => {
  return {
    service(s) {
      if (s.families.length === 0) return;
      for (const ep of s.endpoints) {
        if (!s.families.includes(ep.family)) {
          const has = s.families.map(familyName).join(' and ');
          ctx.report(codes['endpoint-family-mismatch'](ctx.at(ep.at), ep.ip, familyName(ep.family), has));
        }
      }
    },
  };
};

/** EndpointSlice validation refuses these endpoint addresses. */
export const reservedEndpointAddresses: Rule = (ctx, _draft) => {
  return {
    service(s) {
      for (const ep of s.endpoints) {
        const kind = ep.special;
        if (kind)
          ctx.report(
            sharedCodes[specialAddressCode(ipOf(ep.ip))](
              ctx.at(ep.at, { hint: "use the pod's unicast address" }),
              'endpoint address',
              ep.ip,
              kind,
            ),
          );
      }
    },
  };
};

/**
 * An address may be listed twice only when no service port reaches both entries at one port
 * number (a numeric target reaches every endpoint at that number, a named one those that define
 * the name, each at its own number): one address with different node, zone or conditions per
 * port, as two EndpointSlices can say, or with two numbers for one named port (two ip:port pairs,
 * both used, as kube-proxy keys its endpoints).
 */
export const duplicateEndpoints: Rule = (ctx, _draft) => {
  return {
    service(s) {
      const eps = s.endpoints;
      if (eps.length < 2) return;
      const anyNumeric = s.lines.length === 0 || s.lines.some((l) => typeof l.target !== 'string');
      const named = anyNumeric ? [] : [...new Set(s.lines.map((l) => l.target as string))];
      const clash = (a: EndpointDraft, b: EndpointDraft): boolean =>
        anyNumeric || named.some((n) => a.namedPorts.has(n) && a.namedPorts.get(n) === b.namedPorts.get(n));
      // Small lists (the common case) are scanned; large ones use a map, so no service is quadratic.
      const first = eps.length > 16 ? new Map<string, EndpointDraft[]>() : null;
      for (let i = 0; i < eps.length; i++) {
        const ep = eps[i]!;
        let prev: EndpointDraft | undefined;
        if (first) {
          const same = first.get(ep.ip);
          prev = same?.find((o) => clash(o, ep));
          if (same) same.push(ep);
          else first.set(ep.ip, [ep]);
        } else {
          for (let j = 0; j < i && !prev; j++) if (eps[j]!.ip === ep.ip && clash(eps[j]!, ep)) prev = eps[j];
        }
        if (prev)
          ctx.report(
            codes['duplicate-endpoint'](ctx.at(ep.at, { related: [ctx.related('first listed here', prev.at)] }), ep.ip),
          );
      }
    },
  };
};

/** A named target port needs at least one endpoint that defines it (when the service has endpoints). */
export const targetPortNamesDefined: Rule = (ctx, _draft) => {
  return {
    service(s) {
      if (s.endpoints.length === 0 || !s.lines.some((l) => typeof l.target === 'string')) return;
      const defined = new Set<string>();
      for (const ep of s.endpoints) for (const n of ep.namedPorts.keys()) defined.add(n);
      for (const l of s.lines) {
        if (typeof l.target === 'string' && !defined.has(l.target)) {
          ctx.report(codes['unknown-target-port-name'](ctx.at(l.ast.targetPort!.span), l.target));
        }
      }
    },
  };
};

/** Beyond this many unused endpoints in one service, one summary warning instead of one each. */
const UNUSED_DETAIL_LIMIT = 3;

export const endpointsUsed: Rule = (ctx, _draft) => {
  const notServingWhy = ['it is', 'they are'].map(
    (who) => `${who} neither ready nor serving, and kube-proxy only uses serving endpoints`,
  );
  return {
    service(s) {
      if (s.lines.length === 0) return;
      // A numeric (or default) target port reaches every endpoint; named ones only those defining them.
      const anyNumeric = s.lines.some((l) => typeof l.target !== 'string');
      const targets = anyNumeric ? [] : [...portsByName(s).values()].map((lines) => lines[0]!.target as string);
      const names = [...new Set(targets)].join(', ');
      const noTargetWhy = ['it defines', 'they define'].map(
        (who) => `${who} none of the target ports (${names}); add 'ports NAME=N'`,
      );
      let notServing: EndpointDraft[] | null = null;
      let noPort: EndpointDraft[] | null = null;
      for (const ep of s.endpoints) {
        const c = ep.conditions;
        if (c && !c.ready && !c.serving) (notServing ??= []).push(ep);
        else if (!anyNumeric && !targets.some((t) => ep.namedPorts.has(t))) (noPort ??= []).push(ep);
      }
      for (const [list, why] of [
        [notServing, notServingWhy],
        [noPort, noTargetWhy],
      ] as const) {
        if (!list) continue;
        if (list.length <= UNUSED_DETAIL_LIMIT) {
          for (const ep of list)
            ctx.report(codes['endpoint-never-used'](ctx.at(ep.span), `endpoint ${ep.ip}`, why[0]!));
        } else {
          const shown = list
            .slice(0, UNUSED_DETAIL_LIMIT)
            .map((e) => e.ip)
            .join(', ');
          ctx.report(
            codes['endpoint-never-used'](
              ctx.at(list[0]!.span, {
                related: list.slice(1, UNUSED_DETAIL_LIMIT).map((e) => ctx.related(`also ${e.ip}`, e.span)),
              }),
              `${list.length} endpoints of ${s.key} (${shown}, ...)`,
              why[1]!,
            ),
          );
        }
      }
    },
  };
};

/**
 * Hints on some ready endpoints only: kube-proxy then ignores that kind of hint for the whole
 * service port (topologyModeFromHints), which a hand-written file most likely did not mean. Per
 * service port and family, over the endpoints that serve it (a named target port is served by the
 * endpoints that name it: one unhinted endpoint of another port takes nothing from this one's
 * hints); each unhinted endpoint once, at the first port it spoils.
 */
export const partialTopologyHints: Rule = (ctx, _draft) => {
  return {
    service(s) {
      // most services have no hints: one pass without allocating, then nothing to do
      if (!s.endpoints.some((e) => e.ast.forZones.length > 0 || e.ast.forNodes.length > 0)) return;
      const reported = new Set<string>();
      const targets = new Set(s.lines.map((l) => (typeof l.target === 'string' ? l.target : null)));
      for (const target of targets) {
        const serves = (e: EndpointDraft) => target === null || e.namedPorts.has(target);
        const port = target === null || s.lines.length === 1 ? s.key : `${s.key} (target port ${target})`;
        for (const family of ['ipv4', 'ipv6'] as const) {
          const ready = s.endpoints.filter((e) => e.family === family && e.conditions?.ready && serves(e));
          for (const kind of ['zone', 'node'] as const) {
            const has = (e: EndpointDraft) => (kind === 'zone' ? e.ast.forZones : e.ast.forNodes).length > 0;
            const hinted = ready.filter(has).length;
            if (hinted === 0 || hinted === ready.length) continue;
            const bare = ready.find((e) => !has(e))!;
            if (reported.has(`${kind}|${bare.ip}`)) continue;
            reported.add(`${kind}|${bare.ip}`);
            ctx.report(codes['partial-topology-hints'](ctx.at(bare.at), kind, port, hinted, ready.length));
          }
        }
      }
    },
  };
};

/**
 * A hint naming a zone no declared node is in, or an undeclared node: it can hold on no node this
 * file compiles for (a forgotten `zone` in the node blocks, or a typo). Per service, each name once.
 */
export const unmatchedTopologyHints: Rule = (ctx, draft) => {
  const zones = new Set(draft.nodes.flatMap((n) => n.zones.map((z) => z.value)));
  return {
    service(s) {
      let reported: Set<string> | null = null;
      const eps = s.endpoints;
      // indexed loops, no list of the two kinds per endpoint: most endpoints have no hints, and
      // this ran for each of them (10,000 services: ~30 MB of arrays and iterator results)
      for (let i = 0; i < eps.length; i++) {
        const ast = eps[i]!.ast;
        for (let k = 0; k < 2; k++) {
          const kind = k === 0 ? 'zone' : 'node';
          const hints = k === 0 ? ast.forZones : ast.forNodes;
          for (let j = 0; j < hints.length; j++) {
            const h = hints[j]!;
            const known = kind === 'zone' ? zones.has(h.value) : draft.nodesByName.has(h.value);
            const key = `${kind} ${h.value}`;
            if (known || reported?.has(key)) continue;
            (reported ??= new Set()).add(key);
            ctx.report(codes['topology-hint-unmatched'](ctx.at(h.span), kind, h.value));
          }
        }
      }
    },
  };
};
