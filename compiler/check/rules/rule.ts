// The shape of a rule (graphql-js style): one small function that reads the draft and reports.
// A rule either does its work at once (cluster- and node-level rules) or returns a visitor, and the
// checker walks the services once, calling every rule's visitor on each service while its data is
// in cache (graphql-js' ParallelVisitor idea; on 10,000 services one walk instead of forty matters).
import type { Family } from '../../../common/ip.ts';
import { isExternallyAccessible, type TrafficPolicy } from '../../../common/kubernetes.ts';
import type { CheckContext } from '../context.ts';
import type { FileDraft, PortLineDraft, ServiceDraft } from '../draft.ts';

export interface RuleVisitor {
  /** Called for every service, in file order. */
  service?(s: ServiceDraft): void;
  /** Called once after the walk. */
  end?(): void;
}

export type Rule = (ctx: CheckContext, draft: FileDraft) => RuleVisitor | undefined;

/** Run rules: each one's setup, one walk over the services with all visitors, then the ends. */
export function runRules(rules: readonly Rule[], ctx: CheckContext, draft: FileDraft): void {
  const visitors: RuleVisitor[] = [];
  for (const rule of rules) {
    const v = rule(ctx, draft);
    if (v) visitors.push(v);
  }
  const onService = visitors.filter((v) => v.service).map((v) => v.service!.bind(v));
  for (const s of draft.services) for (let i = 0; i < onService.length; i++) onService[i]!(s);
  for (const v of visitors) v.end?.();
}

const portsCache = new WeakMap<ServiceDraft, Map<string, PortLineDraft[]>>();

/** The port lines of a service grouped by port name (a dual-stack port has one line per family). */
export function portsByName(svc: ServiceDraft): Map<string, PortLineDraft[]> {
  let m = portsCache.get(svc);
  if (!m) {
    m = new Map();
    for (const l of svc.lines) {
      const list = m.get(l.name);
      if (list) list.push(l);
      else m.set(l.name, [l]);
    }
    portsCache.set(svc, m);
  }
  return m;
}

/** The lines of one family (lines whose cluster IP did not parse are left out). */
export const linesOfFamily = (svc: ServiceDraft, f: Family): PortLineDraft[] => svc.lines.filter((l) => l.family === f);

export const effectiveETP = (svc: ServiceDraft): TrafficPolicy => svc.etp[0]?.value ?? 'Cluster';
export const effectiveITP = (svc: ServiceDraft): TrafficPolicy => svc.itp[0]?.value ?? 'Cluster';

/** "NodePort", "LoadBalancer", or externalIPs: a frontend reachable from outside the cluster. */
export const hasExternalFrontends = (svc: ServiceDraft): boolean =>
  svc.type !== null && isExternallyAccessible(svc.type, svc.externalIPs.length);
