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
