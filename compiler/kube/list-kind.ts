// What a Kubernetes List is to the import: a kind whose objects are in `items` (List, ServiceList,
// ...), and when a List's items can be handed out one by one (the streaming fast paths:
// json-reader.ts, yaml-fast.ts) — when reading the List itself reports nothing (yaml-reader.ts
// collect reads its kind and apiVersion).
import { isScalar, type YAMLMap } from 'yaml';

export const isListKind = (kind: string): boolean => kind === 'List' || /^[A-Z][A-Za-z]*List$/.test(kind);

/** Its kind a List kind, its apiVersion unset (absent or null) or a string. */
export function isPlainList(m: YAMLMap): boolean {
  const kind = m.get('kind', true) as unknown;
  const apiVersion = m.get('apiVersion', true) as unknown;
  if (!isScalar(kind) || typeof kind.value !== 'string' || !isListKind(kind.value)) return false;
  return (
    apiVersion === undefined ||
    (isScalar(apiVersion) && (apiVersion.value === null || typeof apiVersion.value === 'string'))
  );
}
