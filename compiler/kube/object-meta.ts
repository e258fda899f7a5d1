// metadata of every object: name (required, by the kind's rule), namespace (namespaced kinds;
// "default" when absent, as kubectl apply does), labels and annotations.

import { dns1123Label, type NameRule, nameRuleHint } from '../../common/name-validation.ts';
import { kubeCodes } from './codes.ts';
import { field, getMap, getString, type MapVal, missing, type Val, where } from './yaml-reader.ts';

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels: Map<string, { value: string; at: Val }>;
  annotations: Map<string, string>;
}

/**
 * The labels that hide an object from kube-proxy: its Service and EndpointSlice informers list only
 * objects with neither (cmd/kube-proxy/app/server.go: `service-proxy-name` DoesNotExist — the
 * object belongs to another service proxy — and `headless` DoesNotExist — the EndpointSlice
 * controller's mark on a headless service's slices), whatever their values.
 */
export const KUBE_PROXY_HIDING_LABELS = ['service.kubernetes.io/service-proxy-name', 'service.kubernetes.io/headless'];

/** The first label of KUBE_PROXY_HIDING_LABELS the object has, with where its value is written; null: none. */
export function hidingLabel(meta: ObjectMeta): { label: string; at: Val } | null {
  for (const label of KUBE_PROXY_HIDING_LABELS) {
    const l = meta.labels.get(label);
    if (l !== undefined) return { label, at: l.at };
  }
  return null;
}

/** Read metadata; null when the name is missing or invalid (reported). */
export function readMeta(obj: MapVal, kind: string, nameRule: NameRule, namespaced: boolean): ObjectMeta | null {
  const meta = getMap(obj, 'metadata');
  if (!meta) {
    if (!field(obj, 'metadata')) missing(obj, 'metadata');
    return null;
  }
  let ok = true;
  const name = getString(meta, 'name');
  if (name === undefined) {
    if (!field(meta, 'name')) missing(meta, 'name');
    ok = false;
  } else {
    const why = nameRule(name);
    if (why) {
      meta.ctx.diags.push(
        kubeCodes['invalid-name'](where(field(meta, 'name')!, nameRuleHint(nameRule)), `${kind} name`, name, why),
      );
      ok = false;
    }
  }
  let namespace = 'default';
  if (namespaced) {
    const ns = getString(meta, 'namespace');
    if (ns !== undefined && ns !== '') {
      const why = dns1123Label(ns);
      if (why) {
        meta.ctx.diags.push(
          kubeCodes['invalid-name'](where(field(meta, 'namespace')!, nameRuleHint(dns1123Label)), 'namespace', ns, why),
        );
        ok = false;
      }
      namespace = ns;
    }
  }
  const labels = new Map<string, { value: string; at: Val }>();
  const labelMap = getMap(meta, 'labels');
  if (labelMap) {
    for (const pair of labelMap.node.items) {
      const key = String((pair.key as { value?: unknown } | null)?.value ?? '');
      const v = field(labelMap, key);
      const s = getString(labelMap, key);
      if (v && s !== undefined) labels.set(key, { value: s, at: v });
    }
  }
  const annotations = new Map<string, string>();
  const annMap = getMap(meta, 'annotations');
  if (annMap) {
    for (const pair of annMap.node.items) {
      const key = String((pair.key as { value?: unknown } | null)?.value ?? '');
      const s = getString(annMap, key);
      if (s !== undefined) annotations.set(key, s);
    }
  }
  return ok ? { name: name!, namespace, labels, annotations } : null;
}
