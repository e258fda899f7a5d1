// Set and map elements as the reader keeps them: the elements of an `elem` property, an element's
// key and timeout, the identity of a key (what makes two elements one), and when two declarations
// of one set agree.
import type { SetState } from './state.ts';
import { isObject } from './values.ts';

/** A map element: [key, value]. */
export const isPair = (v: unknown): boolean => Array.isArray(v) && v.length === 2;

/**
 * The elements of an `elem` property: a set's is a key or an array of keys; a map's is an array of
 * [key, value] pairs, or one pair alone (keys are never arrays, so the two cannot be confused).
 */
export function elementList(kind: 'set' | 'map', elem: unknown): { list: unknown[]; single: boolean } {
  if (!Array.isArray(elem)) return { list: [elem], single: true };
  if (kind === 'map' && isPair(elem) && !elem.every(Array.isArray)) return { list: [elem], single: true };
  return { list: elem, single: false };
}

export function unwrap(v: unknown): { key: unknown; timeout?: number } {
  if (isObject(v) && isObject(v.elem)) {
    const e = v.elem as { val: unknown; timeout?: number };
    return e.timeout === undefined ? { key: e.val } : { key: e.val, timeout: e.timeout };
  }
  return { key: v };
}

const NUMERIC = /^(0x[0-9a-fA-F]+|[0-9]+)$/;

/** Identity of a key: its JSON with numeric strings as numbers (nft reads "0x4000" as 16384). */
export function elementId(key: unknown): string {
  return scalarOrConcatId(key) ?? JSON.stringify(key, (_k, v: unknown) => (isNumeric(v) ? Number(v) : v));
}

const isNumeric = (v: unknown): v is string => typeof v === 'string' && NUMERIC.test(v);

/**
 * elementId of the keys nearly every element has — a value, or a concatenation of values — written
 * without JSON.stringify's replacer (a call per value: a fifth of reading a 10,000-service map);
 * undefined for any other key. test/verifier/nft-reader-shared-reads.test.ts holds it to the JSON.
 */
export function scalarOrConcatId(key: unknown): string | undefined {
  if (typeof key === 'string') return JSON.stringify(isNumeric(key) ? Number(key) : key);
  if (typeof key === 'number') return JSON.stringify(key);
  if (!isObject(key) || !Array.isArray(key.concat)) return undefined;
  let keys = 0;
  for (const _ in key) keys++;
  if (keys !== 1) return undefined;
  const pieces: string[] = ['{"concat":['];
  for (let i = 0; i < key.concat.length; i++) {
    const v: unknown = key.concat[i];
    if (typeof v !== 'string' && typeof v !== 'number') return undefined;
    if (i > 0) pieces.push(',');
    pieces.push(JSON.stringify(isNumeric(v) ? Number(v) : v));
  }
  pieces.push(']}');
  // one flat string: an identity is a key of the set's element map for the whole read (keptChild)
  return pieces.join('');
}

export function typeParts(t: unknown): string[] {
  if (Array.isArray(t)) return t as string[];
  return String(t).split(' . ');
}

export function sameSetType(a: SetState, b: SetState): boolean {
  return (
    a.kind === b.kind &&
    a.keyType.join('.') === b.keyType.join('.') &&
    JSON.stringify(a.dataType) === JSON.stringify(b.dataType) &&
    a.timeout === b.timeout &&
    [...a.flags]
      .filter((f) => f !== 'dynamic')
      .sort()
      .join() ===
      [...b.flags]
        .filter((f) => f !== 'dynamic')
        .sort()
        .join()
  );
}

/** A key that spans values: a prefix, a range, or an interface-name wildcard, alone or in a concatenation. */
export function needsInterval(key: unknown, keyType: readonly string[]): boolean {
  // a loop, not .some on a new array: called once per element of every map and set
  if (!isObject(key)) return spans(key, keyType[0]);
  if (!Array.isArray(key.concat)) return 'prefix' in key || 'range' in key;
  for (let i = 0; i < key.concat.length; i++) if (spans(key.concat[i], keyType[i])) return true;
  return false;
}

/** One value that spans values: a prefix, a range, or a wildcard interface name (a key of type `type`). */
const spans = (v: unknown, type: string | undefined): boolean =>
  isObject(v)
    ? 'prefix' in v || 'range' in v
    : typeof v === 'string' && type === 'ifname' && v.endsWith('*') && !v.endsWith('\\*');
