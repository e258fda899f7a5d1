// A quick accept for the `element` objects a large ruleset is mostly made of (ksvc's maps and sets
// hold 250,000 elements at 10,000 services): keys that are strings, integers, concatenations of
// them or an `elem` wrapper with a comment or timeout, and verdict values. ajv's generated code
// allocates an options object, an instance path and failed-`if` errors for each nested value: a
// quarter of all the reader allocates for such a document. Whatever this accepts the schema
// accepts (test/verifier/nft-fast-element.test.ts holds it to the generated validators on random
// values); anything else is left to the schema, which decides and words the errors.

import { isObject } from './values.ts';

type Obj = Record<string, unknown>;

/** The schema's `name`: 1 to 256 characters (a UTF-16 length within those bounds is too). */
export const isName = (v: unknown): boolean => typeof v === 'string' && v.length >= 1 && v.length <= 256;

export const isLeaf = (v: unknown): boolean => typeof v === 'string' || Number.isInteger(v);

export const isCount = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;

/** The one key of an object with exactly one (for...in, as the schema's closed objects count them). */
export function onlyKey(o: Obj): string | null {
  let key: string | null = null;
  for (const k in o) {
    if (key !== null) return null;
    key = k;
  }
  return key;
}

/** Every key of `o` is one of `allowed`. */
export function keysWithin(o: Obj, allowed: readonly string[]): boolean {
  for (const k in o) if (!allowed.includes(k)) return false;
  return true;
}

/** `{"concat": [leaf, …]}` with at least one leaf and nothing else. */
const isLeafConcat = (v: unknown): boolean =>
  isObject(v) && onlyKey(v) === 'concat' && Array.isArray(v.concat) && v.concat.length >= 1 && v.concat.every(isLeaf);

/** `{"target": NAME}` and nothing else. */
export const isTarget = (v: unknown): boolean => isObject(v) && onlyKey(v) === 'target' && isName(v.target);

const ELEM_KEYS = ['val', 'timeout', 'expires', 'comment'] as const;

function isElemWrapper(v: unknown): boolean {
  if (!isObject(v) || !keysWithin(v, ELEM_KEYS)) return false;
  if (!isLeaf(v.val) && !isLeafConcat(v.val)) return false;
  if (v.timeout !== undefined && !isCount(v.timeout)) return false;
  if (v.expires !== undefined && !isCount(v.expires)) return false;
  return v.comment === undefined || (typeof v.comment === 'string' && v.comment.length <= 256);
}

/** A subset of the schema's `expression`: what map and set elements are written with. */
export function isPlainExpression(v: unknown): boolean {
  if (isLeaf(v) || isLeafConcat(v)) return true;
  if (!isObject(v)) return false;
  const key = onlyKey(v);
  const body = key === null ? undefined : v[key];
  switch (key) {
    case 'elem':
      return isElemWrapper(body);
    case 'accept':
    case 'drop':
    case 'return':
    case 'continue':
      return body === null;
    case 'jump':
    case 'goto':
      return isTarget(body);
    default:
      return false;
  }
}

/** A set key, or a map's [key, value] pair. */
const isPlainElement = (v: unknown): boolean =>
  Array.isArray(v) ? v.length === 2 && isPlainExpression(v[0]) && isPlainExpression(v[1]) : isPlainExpression(v);

const ELEMENT_KEYS = ['family', 'table', 'name', 'elem'] as const;

/** A subset of the schema's `element` object (an element command's body, with a list of elements). */
export function isPlainElementObject(v: unknown): boolean {
  if (!isObject(v) || !keysWithin(v, ELEMENT_KEYS)) return false;
  if (v.family !== 'ip' && v.family !== 'ip6') return false;
  if (!isName(v.table) || !isName(v.name)) return false;
  return Array.isArray(v.elem) && v.elem.every(isPlainElement);
}
