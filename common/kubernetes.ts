// Kubernetes API vocabulary shared by every layer (the .ksvc AST, the checked model, the IR):
// the values a Service spec can hold, spelled as ksvc spells them. One home, so the layers cannot
// drift apart.

/** spec.ports[].protocol, lower-case (the API's TCP/UDP/SCTP). */
export type Protocol = 'tcp' | 'udp' | 'sctp';

/** spec.type; ExternalName services carry no routing and are not represented. */
export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer';

/** spec.externalTrafficPolicy / spec.internalTrafficPolicy. */
export type TrafficPolicy = 'Cluster' | 'Local';

/**
 * The API's "externally accessible" test (pkg/api/service/util.go ExternallyAccessible, used by
 * ExternalPolicyLocal and by ValidateService for externalTrafficPolicy): NodePort and LoadBalancer
 * services, and any service with spec.externalIPs. Only such services may set, and are affected
 * by, externalTrafficPolicy.
 */
export const isExternallyAccessible = (type: ServiceType, externalIPCount: number): boolean =>
  type === 'NodePort' || type === 'LoadBalancer' || externalIPCount > 0;
