// ksvc as a library: `import { parse, check, lower, compileIptables, compileNftables } from 'ksvc'`.
// The `ksvc` command is built on these same functions (cli/). docs/api.md describes each one.
//
//   .ksvc text --parse--> AST --check--> model --lower--> IR --compileIptables / compileNftables--> text
//   .ksvc text --lowerText--> IR (the same IR, a part of the file at a time; null: take the path above)
//   Kubernetes YAML/JSON --readKubernetes--> model --printKsvc--> .ksvc text
//
// Every function returns diagnostics as data (code, severity, message, file:line:col) and never
// throws for bad input.

export type { Diagnostic, RelatedLocation, Severity } from '../common/diagnostics.ts';
export { hasErrors, sortDiagnostics } from '../common/diagnostics.ts';
export type { Position, SourceFile, Span } from '../common/source.ts';
export type { IRProgram } from '../compiler/ir/types.ts';
export type { ClusterModel, LocalDetectorSpec } from '../compiler/model.ts';
export type { FileNode } from '../grammar/ast.ts';
export {
  type ArtifactDiffInput,
  DIFF_SIDES,
  type DiffOptions,
  type DiffRun,
  type DiffSide,
  diffArtifacts,
  diffRouting,
  type RoutingChange,
  type ServicePortRef,
} from './diff.ts';
export type { ChangeKind, ServicePortChanges } from './diff-summary.ts';
export type { PacketInput } from './explain-packet.ts';
export {
  compileIptables,
  compileIptablesChunks,
  compileIptablesPartial,
  type IptablesFormat,
  type IptablesRenderOptions,
  type PartialRestore,
} from './iptables.ts';
export {
  type Checked,
  type CheckModelOptions,
  check,
  format,
  load,
  lowerText,
  type Parsed,
  parse,
  type SourceOptions,
} from './ksvc.ts';
export {
  DETECT_LOCAL_MODES,
  type KubeImportOptions,
  type KubernetesInput,
  type KubernetesRead,
  type Printed,
  printKsvc,
  readKubernetes,
  type SkippedService,
} from './kubernetes.ts';
export {
  type DetectorFlags,
  familiesOf,
  type LowerOptions,
  type LowerResult,
  localDetectorFromFlags,
  lower,
} from './lower.ts';
export {
  compileNftables,
  compileNftablesChunks,
  compileNftablesDelta,
  type DeltaOptions,
  type NftablesOptions,
  type NftDelta,
  type NftDeltaStats,
} from './nftables.ts';
export { proveIptablesPartial, proveNftablesDelta, type UpdateProof } from './update.ts';
export {
  type ArtifactText,
  ASSUMPTIONS,
  type CheckOptions,
  type Counterexample,
  type ExplainInput,
  type Explanation,
  explainPacket,
  type VerifyArtifactsInput,
  type VerifyModelOptions,
  type VerifyProgress,
  type VerifyReport,
  type VerifyResult,
  type VerifyRun,
  verifyArtifacts,
  verifyModel,
  verifyPrograms,
} from './verify.ts';
