// Every rule, in the order they run (the order only affects diagnostics before sorting).
import * as attributes from './attributes.ts';
import * as cluster from './cluster.ts';
import * as endpoints from './endpoints.ts';
import * as nodes from './nodes.ts';
import * as numbers from './numbers.ts';
import * as ports from './ports.ts';
import type { Rule } from './rule.ts';
import * as serviceDetector from './service-detector.ts';
import * as services from './services.ts';
import * as shared from './shared.ts';
import * as validNames from './valid-names.ts';

export const allRules: readonly Rule[] = [
  // cluster block
  cluster.masqBitRange,
  cluster.nodePortRangeValid,
  cluster.conflictingClusterSettings,
  cluster.nodePortAddressDuplicates,
  cluster.clusterDetector,
  cluster.detectorInterfaceNames,
  cluster.nodeCidrWithoutPodCidr,
  // nodes
  nodes.nodeNames,
  nodes.duplicateNodes,
  nodes.nodeAddresses,
  nodes.podCidrFamilies,
  nodes.nodeZones,
  // services
  validNames.serviceNames,
  validNames.portNames,
  validNames.endpointNames,
  services.duplicateServices,
  services.serviceWithoutPorts,
  services.mixedServiceTypes,
  services.conflictingClusterIPs,
  services.reservedClusterIPs,
  services.nodePortOnClusterIP,
  services.missingNodePort,
  ports.portNumbers,
  numbers.leadingZeros,
  ports.portNamesUnique,
  ports.dualStackPorts,
  serviceDetector.serviceDetectorFamilies,
  attributes.conflictingAttributes,
  attributes.affinityTimeout,
  attributes.externalAddressValues,
  attributes.loadBalancerIngressType,
  attributes.healthCheckNodePortAllowed,
  attributes.healthCheckNodePortMissing,
  attributes.externalTrafficPolicyApplies,
  attributes.sourceRangesApply,
  attributes.internalTrafficPolicyEndpoints,
  // endpoints
  endpoints.unknownNodes,
  endpoints.endpointFamilies,
  endpoints.reservedEndpointAddresses,
  endpoints.duplicateEndpoints,
  endpoints.targetPortNamesDefined,
  endpoints.endpointsUsed,
  endpoints.partialTopologyHints,
  endpoints.unmatchedTopologyHints,
  // what the Kubernetes import checks too
  shared.sharedClusterRules,
];
