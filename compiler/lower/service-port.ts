// One service port in one family -> IRServicePort: every per-service-port decision kube-proxy's
// syncProxyRules makes (proxier.go), taken once here so the backends only spell them.
import { cidrContains, cidrOf, type Family, familyOf, type IPText, ipOf } from '../../common/ip.ts';
import { isExternallyAccessible } from '../../common/kubernetes.ts';
import type { IREndpoint, IRLocalDetector, IRNoEndpointVerdict, IRServicePort } from '../ir/types.ts';
import type { ServiceModel, ServicePortModel } from '../model.ts';
import { type Candidates, categorizeEndpoints, type NodeTopology } from './endpoints.ts';

export interface ServicePortContext {
  family: Family;
  masqueradeAll: boolean;
  primaryNodeIP: IPText;
  /** the compiled node's name and zone (topology hints); null without a node */
  topology: NodeTopology | null;
}

export const servicePortNameOf = (svc: ServiceModel, portName: string): string =>
  portName === '' ? `${svc.namespace}/${svc.name}` : `${svc.namespace}/${svc.name}:${portName}`;

export function lowerServicePort(
  svc: ServiceModel,
  port: ServicePortModel,
  clusterIP: IPText,
  detector: IRLocalDetector,
  candidates: Candidates,
  ctx: ServicePortContext,
): IRServicePort {
  const { family } = ctx;
  const ofFamily = <T extends string>(xs: T[]): T[] => xs.filter((x) => familyOf(x) === family);
  const externalIPs = ofFamily(svc.externalIPs);
  const loadBalancerIPs = ofFamily(svc.loadBalancerIngress);
  // a /0 range of this family allows every source: no firewall at all, as with no ranges
  // (kube-proxy 1.34's newBaseServiceInfo; earlier releases wrote a firewall chain for it)
  const familyRanges = ofFamily(svc.loadBalancerSourceRanges);
  const sourceRanges = familyRanges.some((c) => cidrOf(c).prefix === 0) ? [] : familyRanges;
  const nodePort = port.nodePort !== null && port.nodePort !== 0 ? port.nodePort : null;

  // apiservice.ExternalPolicyLocal: the policy applies to externally accessible services —
  // NodePort, LoadBalancer, and ClusterIP with spec.externalIPs (of any family).
  const apiExternallyAccessible = isExternallyAccessible(svc.type, svc.externalIPs.length);
  const externalLocal = svc.externalTrafficPolicy === 'Local' && apiExternallyAccessible;
  const internalLocal = svc.internalTrafficPolicy === 'Local';
  const externallyAccessible = nodePort !== null || loadBalancerIPs.length > 0 || externalIPs.length > 0;
  const usesCluster = !internalLocal || externallyAccessible;
  const usesLocal = internalLocal || (externalLocal && externallyAccessible);

  const cat = categorizeEndpoints(candidates, usesCluster, usesLocal, ctx.topology);
  const { hasEndpoints } = cat;
  const localCount = cat.local?.length ?? 0;
  const hasInternalEndpoints = hasEndpoints && (!internalLocal || localCount > 0);
  const hasExternalEndpoints = hasEndpoints && (!externalLocal || localCount > 0);
  const usesSVC = (cat.cluster?.length ?? 0) > 0 && usesCluster;
  const usesSVL = localCount > 0 && usesLocal;
  const detectorImplemented = detector.kind !== 'none';

  const refuseVerdict = (has: boolean): IRNoEndpointVerdict | null => (has ? null : hasEndpoints ? 'drop' : 'reject');

  const internal: IRServicePort['internal'] = hasInternalEndpoints
    ? { kind: 'balance', set: internalLocal ? 'local' : 'cluster' }
    : { kind: 'refuse', verdict: refuseVerdict(false)! };
  const internalMasquerade: IRServicePort['internalMasquerade'] = !hasInternalEndpoints
    ? 'never'
    : ctx.masqueradeAll
      ? 'always'
      : detectorImplemented
        ? 'ifNotLocal'
        : 'never';

  let external: IRServicePort['external'] = null;
  if (externallyAccessible) {
    const ext: NonNullable<IRServicePort['external']>['ext'] = !hasEndpoints
      ? null
      : externalLocal
        ? { policy: 'Local', shortCircuitPods: detectorImplemented, toLocal: hasExternalEndpoints }
        : { policy: 'Cluster' };
    external = { ext, refuse: refuseVerdict(hasExternalEndpoints) };
  }

  let firewall: IRServicePort['firewall'] = null;
  if (hasEndpoints && loadBalancerIPs.length > 0 && sourceRanges.length > 0) {
    const nodeIP = ipOf(ctx.primaryNodeIP);
    firewall = { sourceRanges, allowLoadBalancerIPs: sourceRanges.some((c) => cidrContains(cidrOf(c), nodeIP)) };
  }

  const healthCheckNodePort =
    svc.type === 'LoadBalancer' && svc.externalTrafficPolicy === 'Local' && svc.healthCheckNodePort
      ? svc.healthCheckNodePort
      : null;

  const set = (eps: IREndpoint[] | null, used: boolean) => (used && eps ? { endpoints: eps } : null);
  return {
    namespace: svc.namespace,
    name: svc.name,
    portName: port.name,
    servicePortName: servicePortNameOf(svc, port.name),
    protocol: port.protocol,
    clusterIP,
    port: port.port,
    externalIPs,
    loadBalancerIPs,
    nodePort,
    healthCheckNodePort,
    internalTrafficPolicy: internalLocal ? 'Local' : 'Cluster',
    externalTrafficPolicy: externalLocal ? 'Local' : 'Cluster',
    localDetector: detector,
    affinity: svc.sessionAffinity.type === 'ClientIP' ? { timeoutSeconds: svc.sessionAffinity.timeoutSeconds } : null,
    hasEndpoints,
    internal,
    internalMasquerade,
    external,
    firewall,
    cluster: set(cat.cluster, usesSVC),
    local: set(cat.local, usesSVL),
    endpoints: cat.reachable,
  };
}
