// The shape of a rule (graphql-js style): one small function that reads the draft and reports.
import type { Family } from '../../../common/ip.ts';
import type { CheckContext } from '../context.ts';
import type { FileDraft, PortLineDraft, ServiceDraft } from '../draft.ts';
import type { TrafficPolicy } from '../../../grammar/ast.ts';

export type Rule = (ctx: CheckContext, draft: FileDraft) => void;

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
export const linesOfFamily = (svc: ServiceDraft, f: Family): PortLineDraft[] => svc.lines.filter((l) => l.ip?.family === f);

export const effectiveETP = (svc: ServiceDraft): TrafficPolicy => svc.etp[0]?.value ?? 'Cluster';
export const effectiveITP = (svc: ServiceDraft): TrafficPolicy => svc.itp[0]?.value ?? 'Cluster';

/** "NodePort", "LoadBalancer", or externalIPs: a frontend reachable from outside the cluster. */
export const hasExternalFrontends = (svc: ServiceDraft): boolean =>
  svc.type === 'NodePort' || svc.type === 'LoadBalancer' || svc.externalIPs.length > 0;
