// What a Kubernetes List is to the import: a kind whose objects are in `items` (List, ServiceList,
// ...), and when a List's items can be handed out one by one (the streaming fast paths:
// json-reader.ts, yaml-fast.ts) — when reading the List itself reports nothing (read-objects.ts
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

/** What a typed List (`ServiceList`, ...) gives items that leave their own out, as the API writes them. */
export interface ItemDefaults {
  kind: string;
  apiVersion: string | null;
}

/**
 * A typed List's item kind and apiVersion: the API server and client-go write a ServiceList's items
 * without `kind` and `apiVersion` (`kubectl get --raw /api/v1/services`); they are the List's kind
 * without `List`, and its apiVersion. null for `kind: List`, whose items always say their own.
 */
export function itemDefaults(kind: string, apiVersion: string | null): ItemDefaults | null {
  return kind !== 'List' && isListKind(kind) ? { kind: kind.slice(0, -'List'.length), apiVersion } : null;
}

/** itemDefaults of a plain List's mapping (isPlainList). */
export function listItemDefaults(m: YAMLMap): ItemDefaults | null {
  const kind = m.get('kind') as string;
  const apiVersion = m.get('apiVersion');
  return itemDefaults(kind, typeof apiVersion === 'string' ? apiVersion : null);
}
