// Ports the API server allocates that a manifest leaves out: objects read back from the API
// server (kubectl get -o yaml) always have them, and kube-proxy writes rules for them; a manifest
// without them compiles to fewer rules than the cluster runs, which is said rather than silent.
import type { ServiceType, TrafficPolicy } from '../../common/kubernetes.ts';
import type { ServicePortModel } from '../model.ts';
import { kubeCodes } from './codes.ts';
import { type MapVal, where } from './yaml-reader.ts';
import { getBool } from './yaml-scalars.ts';

/**
 * The ports the API server allocates and a manifest leaves out: a nodePort for every port of a
 * NodePort service, and of a LoadBalancer one unless allocateLoadBalancerNodePorts is false; a
 * healthCheckNodePort for a LoadBalancer service with externalTrafficPolicy Local.
 */
export function warnNotAllocated(
  spec: MapVal,
  type: ServiceType,
  etp: TrafficPolicy | undefined,
  ports: readonly ServicePortModel[],
  hasHealthCheck: boolean,
): void {
  const lb = type === 'LoadBalancer';
  const diags = spec.ctx.diags;
  const nodePorts = type === 'NodePort' || (lb && getBool(spec, 'allocateLoadBalancerNodePorts') !== false);
  for (const p of nodePorts ? ports : []) {
    if (p.nodePort !== null || !p.origin) continue;
    const why = lb
      ? 'for a LoadBalancer service, unless allocateLoadBalancerNodePorts is false'
      : 'for a NodePort service';
    const at = { file: p.origin.file, span: p.origin.span, path: p.origin.path ?? '' };
    diags.push(kubeCodes['port-not-allocated'](at, 'nodePort', why));
  }
  if (lb && etp === 'Local' && !hasHealthCheck) {
    const why = "for a LoadBalancer service with externalTrafficPolicy 'Local'";
    diags.push(kubeCodes['port-not-allocated'](where(spec), 'healthCheckNodePort', why));
  }
}
