// Lowering as a library function: checked model -> one IR program per IP family for one node
// (docs/ir.md), with kube-proxy's policy decisions taken once for every backend.
import type { Diagnostic } from '../common/diagnostics.ts';
import { detectorFromFlags, type KubeImportOptions } from '../compiler/kube/settings.ts';
import { type LowerOptions, type LowerResult, lowerModel, modelFamilies } from '../compiler/lower/index.ts';
import type { ClusterModel, LocalDetectorSpec } from '../compiler/model.ts';

export type { LowerOptions, LowerResult } from '../compiler/lower/index.ts';

/** Lower a checked model for one node (options.node; default the only node). Programs are empty on errors. */
export function lower(model: ClusterModel, options: LowerOptions = {}): LowerResult {
  return lowerModel(model, options);
}

/** The IP families the model's services use, ipv4 first (iptables output holds one). */
export const familiesOf = (model: ClusterModel) => modelFamilies(model);

export type DetectorFlags = Pick<
  KubeImportOptions,
  'clusterCIDRs' | 'detectLocalMode' | 'podBridgeInterface' | 'podInterfaceNamePrefix'
>;

/**
 * kube-proxy's local-traffic detector flags (--detect-local-mode, --cluster-cidr, ...) as a
 * detector for LowerOptions.overrides.localDetector; null when none is given.
 */
export function localDetectorFromFlags(flags: DetectorFlags): {
  detector: LocalDetectorSpec | null;
  diagnostics: Diagnostic[];
} {
  const diagnostics: Diagnostic[] = [];
  const detector = detectorFromFlags(flags, diagnostics);
  return { detector, diagnostics };
}
