// The rules both front ends run on the cluster they read (facts.ts): uniqueness the API server or
// kube-proxy enforces (errors), and the address warnings. One list, so the .ksvc checker and the
// Kubernetes import cannot drift apart: what one refuses, the other refuses with the same code.
import {
  clusterIPOverlaps,
  detectorsMatchSomething,
  duplicateNodeAddresses,
  endpointsInNodePodCIDR,
  overlappingPodCIDRs,
} from './address-warnings.ts';
import { sharedCodes } from './codes.ts';
import type { ClusterFacts, FactReporter } from './facts.ts';
import { frontendFamilies, sourceRangeFamilies, sourceRangesNotExternalIPs } from './frontend-families.ts';
import { clusterIPsUnique, frontendsUnique, nodePortsUnique } from './uniqueness.ts';

export type SharedRule = <L>(facts: ClusterFacts<L>, r: FactReporter<L>) => void;

/** An input without any service (an empty file, only comments, only nodes). */
const someService: SharedRule = (facts, r) => {
  if (facts.declaredServices === 0) r.report(sharedCodes['no-services'](r.where(facts.inputAt)));
};

export const sharedRules: readonly SharedRule[] = [
  someService,
  clusterIPsUnique,
  frontendsUnique,
  nodePortsUnique,
  clusterIPOverlaps,
  duplicateNodeAddresses,
  overlappingPodCIDRs,
  endpointsInNodePodCIDR,
  detectorsMatchSomething,
  frontendFamilies,
  sourceRangeFamilies,
  sourceRangesNotExternalIPs,
];

export function runSharedRules<L>(facts: ClusterFacts<L>, r: FactReporter<L>): void {
  for (const rule of sharedRules) rule(facts, r);
}
