// What the fast YAML path (compiler/kube/yaml-fast.ts) must agree with: the yaml package's own
// documents, node for node. `yamlAgreement` says where the two differ, or null when they agree.
import { isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Node as YNode } from 'yaml';
import { isFastPathDecline } from '../../compiler/kube/fast-decline.ts';
import { yamlFastDocuments } from '../../compiler/kube/yaml-fast.ts';

/** The fast path's documents, Lists whole (no streaming); { ok: false } where it declines. */
export function parseYamlFast(text: string): { ok: true; documents: YNode[] } | { ok: false } {
  try {
    return { ok: true, documents: [...yamlFastDocuments(text)] as YNode[] };
  } catch (e) {
    if (isFastPathDecline(e)) return { ok: false };
    throw e;
  }
}

/** The yaml package's documents as the import reads them (kube/read-objects.ts); null on an error. */
export function packageDocuments(text: string): YNode[] | null {
  const docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true, version: '1.2' });
  const out: YNode[] = [];
  for (const doc of Array.isArray(docs) ? docs : []) {
    if (doc.errors.length > 0) return null;
    const c = doc.contents as YNode | null;
    if (c === null || (isScalar(c) && c.value === null)) continue;
    out.push(c);
  }
  return out;
}

/** Where two nodes differ (a path and what), or null. */
export function nodeDifference(a: unknown, b: unknown, path = '$'): string | null {
  const kind = (n: unknown) =>
    isMap(n)
      ? 'map'
      : isSeq(n)
        ? 'seq'
        : isScalar(n)
          ? 'scalar'
          : isPair(n)
            ? 'pair'
            : isAlias(n)
              ? 'alias'
              : n === null
                ? 'null'
                : 'other';
  if (kind(a) !== kind(b)) return `${path}: ${kind(a)} against ${kind(b)}`;
  if (isPair(a) && isPair(b))
    return nodeDifference(a.key, b.key, `${path}.key`) ?? nodeDifference(a.value, b.value, `${path}.value`);
  if (a === null) return null;
  const x = a as YNode;
  const y = b as YNode;
  if (JSON.stringify(x.range) !== JSON.stringify(y.range)) return `${path}: range ${x.range} against ${y.range}`;
  // an alias (`*name`, also one whose anchor is missing: the package reports that when it resolves)
  if (isAlias(x) && isAlias(y)) return x.source === y.source ? null : `${path}: alias ${x.source} against ${y.source}`;
  if (isScalar(x) && isScalar(y)) {
    for (const f of ['type', 'source', 'format'] as const) {
      if (x[f] !== y[f]) return `${path}: ${f} ${JSON.stringify(x[f])} against ${JSON.stringify(y[f])}`;
    }
    if (!Object.is(x.value, y.value)) return `${path}: value ${String(x.value)} against ${String(y.value)}`;
    if (typeof x.value !== typeof y.value) return `${path}: value type`;
    return null;
  }
  const xi = (x as { items: unknown[] }).items;
  const yi = (y as { items: unknown[] }).items;
  if (xi.length !== yi.length) return `${path}: ${xi.length} items against ${yi.length}`;
  if (Boolean((x as { flow?: boolean }).flow) !== Boolean((y as { flow?: boolean }).flow)) return `${path}: flow`;
  for (let i = 0; i < xi.length; i++) {
    const d = nodeDifference(xi[i], yi[i], `${path}[${i}]`);
    if (d !== null) return d;
  }
  return null;
}

/**
 * null when the fast path agrees with the package on `text`: it declines, or it reads exactly the
 * package's documents (and never reads a text the package refuses). `accepted` tells which.
 */
export function yamlAgreement(text: string): { difference: string | null; accepted: boolean } {
  const fast = parseYamlFast(text);
  if (!fast.ok) return { difference: null, accepted: false };
  const pkg = packageDocuments(text);
  if (pkg === null) return { difference: 'the fast path read a text the yaml package refuses', accepted: true };
  if (pkg.length !== fast.documents.length) {
    return { difference: `${fast.documents.length} documents against ${pkg.length}`, accepted: true };
  }
  for (let i = 0; i < pkg.length; i++) {
    const d = nodeDifference(fast.documents[i], pkg[i], `doc${i}`);
    if (d !== null) return { difference: d, accepted: true };
  }
  return { difference: null, accepted: true };
}
