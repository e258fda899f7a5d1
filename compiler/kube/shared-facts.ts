// The rules both front ends run (compiler/shared-rules), on what the import read: the facts of its
// services, endpoints and nodes, located at the YAML nodes they came from.
import type { Diagnostic, DiagnosticWhere } from '../../common/diagnostics.ts';
import { cidrOf, familyOf } from '../../common/ip.ts';
import type { Span } from '../../common/source.ts';
import type { ClusterSettings, NodeModel } from '../model.ts';
import type { ClusterFacts, FactReporter, ServiceFacts } from '../shared-rules/facts.ts';
import { runSharedRules } from '../shared-rules/index.ts';
import type { ServiceRead } from './service.ts';
import { where } from './yaml-reader.ts';

/** A location in the input: a YAML node's place, or the command line (file ""). */
export interface KubeAt {
  file: string;
  span: Span | null;
  path?: string;
}

const COMMAND_LINE: KubeAt = { file: '', span: null };

function serviceFacts(r: ServiceRead): ServiceFacts<KubeAt> {
  const m = r.model;
  const families = m.clusterIPs.map(familyOf);
  const at = (o: { origin?: KubeAt }): KubeAt => o.origin ?? { file: m.origin?.file ?? '', span: null };
  return {
    key: `${m.namespace}/${m.name}`,
    clusterIPs: m.clusterIPs.map((ip, i) => ({ ip, family: familyOf(ip), at: where(r.clusterIPAt[i]!) })),
    ports: m.ports.map((p, i) => {
      const npAt = r.nodePortAt[i];
      return {
        label: p.name === '' ? '(unnamed)' : `'${p.name}'`,
        port: p.port,
        protocol: p.protocol,
        families,
        nodePort: p.nodePort !== null && npAt ? { value: p.nodePort, at: where(npAt) } : null,
      };
    }),
    externalIPs: m.externalIPs.map((ip, i) => ({ ip, family: familyOf(ip), at: where(r.externalIPAt[i]!) })),
    loadBalancerIPs: m.loadBalancerIngress.map((ip, i) => ({
      ip,
      family: familyOf(ip),
      at: where(r.loadBalancerIPAt[i]!),
    })),
    healthCheckNodePort:
      m.healthCheckNodePort !== null && r.healthCheckAt
        ? { value: m.healthCheckNodePort, at: where(r.healthCheckAt) }
        : null,
    endpoints: m.endpoints.map((e) => ({ ip: e.address, family: e.family, node: e.nodeName, at: at(e) })),
    detectorCIDRs: [],
    loadBalancer: m.type === 'LoadBalancer',
    sourceRanges: m.loadBalancerSourceRanges.map((c, i) => ({ cidr: cidrOf(c), at: where(r.sourceRangeAt[i]!) })),
  };
}

/** Run the shared rules on the services (with their endpoints), the Node objects and the settings. */
export function runSharedRulesOnImport(
  inputFile: string,
  declaredServices: number,
  services: readonly ServiceRead[],
  nodes: readonly NodeModel[],
  settings: ClusterSettings,
  diags: Diagnostic[],
): void {
  const detector = settings.localDetector;
  const facts: ClusterFacts<KubeAt> = {
    inputAt: { file: inputFile, span: null },
    declaredServices,
    services: services.map(serviceFacts),
    nodes: nodes.map((n) => {
      const at: KubeAt = n.origin ?? COMMAND_LINE;
      return {
        name: n.name,
        addresses: n.addresses.map((ip) => ({ ip, family: familyOf(ip), at })),
        podCIDRs: n.podCIDRs.map((c) => ({ cidr: cidrOf(c), at })),
      };
    }),
    clusterCIDRs:
      detector.mode === 'ClusterCIDR' ? detector.cidrs.map((c) => ({ cidr: cidrOf(c), at: COMMAND_LINE })) : [],
  };
  const reporter: FactReporter<KubeAt> = {
    report: (d) => void diags.push(d),
    where: (at, extra) => {
      const w: DiagnosticWhere = { ...at };
      if (extra?.hint !== undefined) w.hint = extra.hint;
      if (extra?.related !== undefined) w.related = extra.related;
      return w;
    },
    // a fact from a flag (the cluster CIDR of --cluster-cidr) has no place in a file: said so
    related: (message, at) =>
      at === COMMAND_LINE
        ? {
            message: `${message.replace(/ is here$/, '')} is given on the command line (--cluster-cidr)`,
            file: '',
            span: null,
          }
        : { message, file: at.file, span: at.span },
  };
  runSharedRules(facts, reporter);
}
