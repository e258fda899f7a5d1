// Shared helpers for the Kubernetes import tests: build YAML from pieces, import it, find
// diagnostics, strip origins for model comparison.
import type { Diagnostic } from '../../common/diagnostics.ts';
import { makeSourceFile } from '../../common/source.ts';
import { importKubernetes, type KubeImportOptions } from '../../compiler/kube/index.ts';
import type { ClusterModel } from '../../compiler/model.ts';

export function imp(text: string, options: KubeImportOptions = {}, path = 'in.yaml') {
  return importKubernetes([makeSourceFile(path, text)], options);
}

/** The one diagnostic with this code (fails the test with the list when there is not exactly one). */
export function only(diags: readonly Diagnostic[], code: string): Diagnostic {
  const hits = diags.filter((d) => d.code === code);
  if (hits.length !== 1)
    throw new Error(
      `expected one '${code}', got ${hits.length}: ${JSON.stringify(diags.map((d) => [d.code, d.message, d.path]))}`,
    );
  return hits[0]!;
}

export const codesOf = (diags: readonly Diagnostic[]): string[] => diags.map((d) => d.code).sort();

/** The model as plain data without `origin` (which differs between front ends by design). */
export const stripOrigins = (m: ClusterModel | null): unknown =>
  m === null ? null : JSON.parse(JSON.stringify(m, (k, v) => (k === 'origin' ? undefined : v)));

export const svc = (spec: string, meta = 'name: web\n  namespace: shop', status = ''): string =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  ${meta}\nspec:\n${spec}${status ? `\nstatus:\n${status}` : ''}\n`;

export const slice = (body: string, name = 'web-abc', service = 'web', ns = 'shop'): string =>
  `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  labels:\n    kubernetes.io/service-name: ${service}\n${body}\n`;

export const docs = (...parts: string[]): string => parts.join('---\n');

/** A ClusterIP service web with one port http 80 -> 8080. */
export const WEB = svc(`  clusterIP: 10.32.0.5
  ports:
  - name: http
    port: 80
    targetPort: 8080`);
