// The rules the Kubernetes import runs too (compiler/shared-rules): the draft's facts, located by
// .ksvc spans, so a cluster written as .ksvc and the same cluster as YAML get the same diagnostics.
import type { Span } from '../../../common/source.ts';
import type { ClusterFacts, FactReporter, PortFact, ServiceFacts } from '../../shared-rules/facts.ts';
import { runSharedRules } from '../../shared-rules/index.ts';
import type { CheckContext } from '../context.ts';
import type { DetectorItem, FileDraft, ServiceDraft } from '../draft.ts';
import { isValidPort } from '../values.ts';
import { portsByName, type Rule } from './rule.ts';

type At = Span | null;

const cidrFacts = (items: readonly DetectorItem[]) =>
  items.flatMap((d) =>
    d.cidr !== null && d.ast.detector.kind === 'Cidr' ? [{ cidr: d.cidr, at: d.ast.detector.cidr.span }] : [],
  );

function serviceFacts(s: ServiceDraft): ServiceFacts<At> {
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
      families: [...new Set(lines.flatMap((l) => (l.family === null ? [] : [l.family])))],
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
    endpoints: s.endpoints.map((e) => ({ ip: e.address, family: e.family, node: e.node, at: e.ast.address.span })),
    detectorCIDRs: cidrFacts(s.masq),
  };
}

function clusterFacts(draft: FileDraft): ClusterFacts<At> {
  return {
    inputAt: null,
    declaredServices: draft.services.length,
    services: draft.services.map(serviceFacts),
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

export const sharedClusterRules: Rule = (ctx: CheckContext, draft) => {
  const reporter: FactReporter<At> = {
    report: ctx.report,
    where: (at, extra) => ctx.at(at, extra),
    related: (message, at) => ctx.related(message, at),
  };
  runSharedRules(clusterFacts(draft), reporter);
};
