// Integer and boolean fields of Kubernetes objects, read as the API server reads them: plain YAML
// scalars by go-yaml's rules (go-yaml-scalars.ts), JSON numbers written as integers.
import { isScalar } from 'yaml';
import { kubeCodes } from './codes.ts';
import { goYamlBool, goYamlInteger, hasGoYamlIntegerSyntax } from './go-yaml-scalars.ts';
import {
  field,
  goYamlBoolText,
  lastSegment,
  type MapVal,
  plainText,
  type Val,
  where,
  wrongType,
  yaml11Bool,
} from './yaml-reader.ts';

/** An integer past 2^53: no value of a Kubernetes field, and not read exactly. */
function tooLarge(v: Val, written: string): undefined {
  const shown = written.length > 40 ? `${written.slice(0, 40)}…` : written;
  v.ctx.diags.push(
    kubeCodes['wrong-type'](where(v), lastSegment(v.loc.path), 'an integer in range', `${shown}, far out of range`),
  );
  return undefined;
}

/**
 * An integer. A plain YAML scalar is read as Kubernetes reads it (go-yaml-scalars.ts: `0120` is
 * octal 80); a JSON number must be written as an integer.
 */
export function asInt(v: Val | undefined): number | undefined {
  if (!v) return undefined;
  const n = v.node;
  const plain = plainText(v);
  if (plain !== undefined) {
    const k8s = goYamlInteger(plain);
    if (k8s !== undefined) return k8s;
    if (hasGoYamlIntegerSyntax(plain)) return tooLarge(v, plain);
    return wrongType(v, lastSegment(v.loc.path), 'an integer');
  }
  if (isScalar(n) && typeof n.value === 'number' && /^[-+]?[0-9]+$/.test(n.source ?? String(n.value))) {
    if (Number.isSafeInteger(n.value)) return n.value;
    return tooLarge(v, n.source ?? String(n.value));
  }
  return wrongType(v, lastSegment(v.loc.path), 'an integer');
}

export function asBool(v: Val | undefined): boolean | undefined {
  if (!v) return undefined;
  if (isScalar(v.node) && typeof v.node.value === 'boolean') return v.node.value;
  // `yes`, `on`, `n`…: booleans to go-yaml v2, strings to YAML 1.2
  const plain = plainText(v);
  const k8s = plain === undefined ? undefined : goYamlBool(plain);
  if (k8s !== undefined) return k8s;
  return wrongType(v, lastSegment(v.loc.path), 'a boolean (true or false)');
}

/** An int-or-string field (targetPort): the number or the string as written. */
export function asIntOrString(v: Val | undefined): number | string | undefined {
  if (!v) return undefined;
  const n = v.node;
  const plain = plainText(v);
  if (plain !== undefined && goYamlInteger(plain) !== undefined) return asInt(v);
  if (isScalar(n) && typeof n.value === 'string')
    return goYamlBoolText(v) === undefined ? n.value : yaml11Bool(v, 'an integer or a string');
  if (isScalar(n) && typeof n.value === 'number') return asInt(v);
  return wrongType(v, lastSegment(v.loc.path), 'an integer or a string');
}

export const getInt = (m: MapVal, key: string): number | undefined => asInt(field(m, key));
export const getBool = (m: MapVal, key: string): boolean | undefined => asBool(field(m, key));
