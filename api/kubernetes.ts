// Kubernetes objects as library functions: Service, EndpointSlice and Node YAML/JSON -> the checked
// model, read as kube-proxy reads them (readKubernetes), and a model -> the .ksvc text meaning the
// same thing (printKsvc).
import type { Diagnostic } from '../common/diagnostics.ts';
import { makeSourceFile, type SourceFile } from '../common/source.ts';
import { importKubernetes, type KubeImportOptions, type SkippedService } from '../compiler/kube/index.ts';
import { printKsvc as printModelAsKsvc } from '../compiler/kube/print-ksvc.ts';
import type { ClusterModel } from '../compiler/model.ts';

export type { KubeImportOptions, SkippedService } from '../compiler/kube/index.ts';
export { DETECT_LOCAL_MODES } from '../compiler/kube/index.ts';

/** One input document: YAML or JSON text (several documents, or a `kind: List`, are fine). */
export interface KubernetesInput {
  /** The file name diagnostics carry. */
  file: string;
  text: string;
}

export interface KubernetesRead {
  /** null when there are errors. */
  model: ClusterModel | null;
  diagnostics: Diagnostic[];
  /** The inputs with their line index (for rendering diagnostics with source frames). */
  sources: SourceFile[];
  /**
   * The services kube-proxy writes nothing for, in input order: headless, ExternalName, or hidden
   * from kube-proxy by a label (`reason: { label }`).
   */
  skipped: SkippedService[];
}

/**
 * Read Service, EndpointSlice and Node objects into the cluster model, as kube-proxy reads them
 * (docs/kubernetes-import.md). Cluster settings are kube-proxy's flags, given in `options`.
 */
export function readKubernetes(inputs: readonly KubernetesInput[], options: KubeImportOptions = {}): KubernetesRead {
  const sources = inputs.map((i) => makeSourceFile(i.file, i.text));
  const result = importKubernetes(sources, options);
  return { model: result.model, diagnostics: result.diagnostics, sources, skipped: result.skipped };
}

export interface Printed {
  /** The formatted .ksvc file; null when it cannot be written (see diagnostics). */
  text: string | null;
  /**
   * Why not: what .ksvc cannot say, or `internal-read-back-error` when the printed text does not
   * read back as the same model (a defect in ksvc, not in the input).
   */
  diagnostics: Diagnostic[];
}

/**
 * A model as the .ksvc file meaning the same thing; the text is read back and compared before it is
 * returned. `skipped` (readKubernetes's) are named in a comment at the top of the file.
 */
export function printKsvc(
  model: ClusterModel,
  options: { file?: string; skipped?: readonly SkippedService[] } = {},
): Printed {
  return printModelAsKsvc(model, options.file ?? 'imported.ksvc', options.skipped ?? []);
}
