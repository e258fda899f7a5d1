// The rules the Kubernetes import runs too (compiler/shared-rules): the draft's facts, located by
// .ksvc spans, so a cluster written as .ksvc and the same cluster as YAML get the same diagnostics.
import type { Family } from '../../../common/ip.ts';
import type { Span } from '../../../common/source.ts';
import type { ClusterFacts, FactReporter, PortFact, ServiceFacts } from '../../shared-rules/facts.ts';
import { runSharedRules } from '../../shared-rules/index.ts';
import type { CheckContext } from '../context.ts';
import type { DetectorItem, FileDraft, PortLineDraft, ServiceDraft } from '../draft.ts';
import { isValidPort } from '../values.ts';
import { portsByName, type Rule } from './rule.ts';

type At = Span | null;

const cidrFacts = (items: readonly DetectorItem[]) =>
  items.flatMap((d) =>
    d.cidr !== null && d.ast.detector.kind === 'Cidr' ? [{ cidr: d.cidr, at: d.ast.detector.cidr.span }] : [],
  );

/** The families of a port's lines, in order of first appearance. */
function familiesOf(lines: readonly PortLineDraft[]): Family[] {
  const families: Family[] = [];
  for (const l of lines) if (l.family !== null && !families.includes(l.family)) families.push(l.family);
  return families;
}

function serviceFacts(s: ServiceDraft, own: boolean): ServiceFacts<At> {
  const clusterIPs: ServiceFacts<At>['clusterIPs'] = [];
  for (const l of s.lines) {
    if (l.ip !== null && l.family !== null && !clusterIPs.some((c) => c.ip === l.ip))
      clusterIPs.push({ ip: l.ip, family: l.family, at: l.ast.clusterIP.span });
  }
  const ports: PortFact<At>[] = [];
  for (const [name, lines] of portsByName(s)) {
    const first = lines[0]!;
    // Only valid numbers claim a NodePort (an out-of-range one is an error of its own).
    const withNodePort = lines.find((l) => l.nodePort !== null && isValidPort(l.nodePort));
    ports.push({
      label: name === '' ? '(unnamed)' : `'${name}'`,
      port: first.port,
      protocol: first.protocol,
      families: familiesOf(lines),
      nodePort: withNodePort ? { value: withNodePort.nodePort!, at: withNodePort.ast.nodePort!.span } : null,
    });
  }
  const hc = s.hcnp.find((h, i) => i === 0 && isValidPort(h.value));
  return {
    key: s.key,
    clusterIPs,
    ports,
    externalIPs: s.externalIPs.map((a) => ({ ip: a.ip.text, family: a.ip.family, at: a.lit.span })),
    loadBalancerIPs: s.lbIngress.map((a) => ({ ip: a.ip.text, family: a.ip.family, at: a.lit.span })),
    healthCheckNodePort: hc ? { value: hc.value, at: hc.span } : null,
    // The drafts are endpoint facts as they are (ip, family, node, at): no copy of 100,000 endpoints,
    // unless the facts must outlive the draft (own).
    endpoints: own ? s.endpoints.map((e) => ({ ip: e.ip, family: e.family, node: e.node, at: e.at })) : s.endpoints,
    detectorCIDRs: cidrFacts(s.masq),
    loadBalancer: s.type === 'LoadBalancer',
    sourceRanges: s.sourceRanges.map((c) => ({ cidr: c.cidr, at: c.lit.span })),
  };
}

/**
 * The draft's facts for the shared rules. own: the facts hold nothing of the draft or the AST (the
 * endpoint facts are copies), so they can outlive them (compiler/lower-in-parts.ts).
 */
export function clusterFacts(draft: FileDraft, own = false): ClusterFacts<At> {
  return {
    inputAt: null,
    declaredServices: draft.services.length,
    services: draft.services.map((s) => serviceFacts(s, own)),
    // A node declared twice is an error of its own; its second block adds nothing here.
    nodes: draft.nodes
      .filter((n) => draft.nodesByName.get(n.name) === n)
      .map((n) => ({
        name: n.name,
        addresses: n.addresses.map((a) => ({ ip: a.ip.text, family: a.ip.family, at: a.lit.span })),
        podCIDRs: n.podCIDRs.map((c) => ({ cidr: c.cidr, at: c.lit.span })),
      })),
    clusterCIDRs: cidrFacts(draft.detectors),
  };
}

/** Run the shared rules on facts of this file, reporting to ctx. */
export function runSharedRulesOn(ctx: CheckContext, facts: ClusterFacts<At>): void {
  const reporter: FactReporter<At> = {
    report: ctx.report,
    where: (at, extra) => ctx.at(at, extra),
    related: (message, at) => ctx.related(message, at),
  };
  runSharedRules(facts, reporter);
}

export const sharedClusterRules: Rule = (ctx: CheckContext, draft) => {
  runSharedRulesOn(ctx, clusterFacts(draft));
};
