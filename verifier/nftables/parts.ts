// Constants on the right of a test, and the keys of set and map elements, read as the model's
// KeyParts for the readers on the left: one part per packet field, element by element.
import type { Protocol } from '../../common/kubernetes.ts';
import { L4_PROTOCOLS, type L4Protocol } from '../../compiler/ir/packet.ts';
import type { KeyPart } from '../model/program.ts';
import { describe, type KeyContext, type Reader } from './keys.ts';
import { child } from './pointer.ts';
import {
  isBad,
  isObject,
  mergeRanges,
  protocolClasses,
  type Read,
  readAddressRange,
  readIfname,
  readPortRange,
  readProtocolNumbers,
} from './values.ts';

/** A part of a key, or — for a constant reader — whether the element's value holds the constant. */
export type PartOrConst = KeyPart | boolean;

export const PORT_PROTOCOLS: readonly Protocol[] = ['tcp', 'udp', 'sctp'];

function reported<T>(r: Read<T>, ctx: KeyContext, pointer: string): T | null {
  if (isBad(r)) {
    ctx.sink.report('nft-bad-value', pointer, r.bad.value, r.bad.expected);
    return null;
  }
  return r.ok;
}

/** The values `value` (one constant, prefix or range) gives the field `r` reads; null after reporting. */
export function partOf(r: Reader, value: unknown, ctx: KeyContext, pointer: string): PartOrConst | null {
  switch (r.kind) {
    case 'addr': {
      const range = reported(readAddressRange(value, ctx.family), ctx, pointer);
      return range ? { field: r.field, ranges: [range] } : null;
    }
    case 'port': {
      const range = reported(readPortRange(value), ctx, pointer);
      return range ? { field: r.field, ranges: [range] } : null;
    }
    case 'proto': {
      const numbers = reported(readProtocolNumbers(value), ctx, pointer);
      if (!numbers) return null;
      const protocols = protocolClasses([numbers], ctx.family);
      if (!protocols) {
        ctx.sink.report(
          'nft-unsupported',
          pointer,
          `protocol ${JSON.stringify(value)} in a table of family ${ctx.nftFamily} is neither one of tcp, udp, sctp, ${ctx.family === 'ipv4' ? 'icmp' : 'ipv6-icmp'} nor every other protocol`,
        );
        return null;
      }
      return { field: 'l4proto', protocols };
    }
    case 'ifname': {
      const name = reported(readIfname(value), ctx, pointer);
      return name ? { field: r.field, names: [name] } : null;
    }
    case 'fib':
      if (value !== 'local') {
        ctx.sink.report('nft-unsupported', pointer, `fib address type ${JSON.stringify(value)} (only 'local')`);
        return null;
      }
      return { field: r.field, local: true };
    case 'const': {
      const read: Read<readonly [bigint | number, bigint | number]> =
        r.of === 'addr' ? readAddressRange(value, ctx.family) : readPortRange(value);
      const range = reported(read, ctx, pointer);
      if (!range) return null;
      const [lo, hi] = range;
      return BigInt(lo) <= r.value && r.value <= BigInt(hi);
    }
  }
  ctx.sink.report('nft-unsupported', pointer, `${describe(r)} compared with a set of values`);
  return null;
}

/** Unwrap `{"elem":{"val":…}}` (an element with a comment or timeout). */
export const elemValue = (v: unknown): unknown => (isObject(v) && isObject(v.elem) ? v.elem.val : v);

/**
 * The key parts of one element for a key of `readers`; 'never' when a constant component of the key
 * is not in the element (the element can never match); null after reporting an error.
 */
export function elementParts(
  readers: readonly Reader[],
  key: unknown,
  ctx: KeyContext,
  pointer: string,
): KeyPart[] | 'never' | null {
  const raw = elemValue(key);
  let values: unknown[];
  // A part's pointer is written only when the part is read (once per constant): most are shared.
  let at: (i: number) => string;
  if (readers.length === 1) {
    values = [raw];
    at = () => pointer;
  } else {
    if (!isObject(raw) || !Array.isArray(raw.concat) || raw.concat.length !== readers.length) {
      ctx.sink.report('nft-bad-value', pointer, JSON.stringify(raw), `a concatenation of ${readers.length} values`);
      return null;
    }
    values = raw.concat;
    at = (i) => child(child(pointer, 'concat'), i);
  }
  const parts: KeyPart[] = [];
  let never = false;
  for (let i = 0; i < readers.length; i++) {
    const p = sharedPartOf(readers[i]!, values[i], ctx, at, i);
    if (p === null) return null;
    if (typeof p !== 'boolean') parts.push(p);
    else if (!p) never = true;
  }
  // a copy at its exact length: the model keeps one per element, and a pushed array has room for 17
  return never ? 'never' : parts.slice();
}

/**
 * partOf for a map or set element, shared: one address, port or protocol constant recurs in many
 * elements (ksvc's cluster IPs are keys of ten DNAT maps and of the dispatch and masquerade sets),
 * so each is read once per table (KeyParts are plain immutable data). A value that cannot be read
 * is read, and reported, at every element as before.
 */
function sharedPartOf(
  r: Reader,
  value: unknown,
  ctx: KeyContext,
  at: (i: number) => string,
  i: number,
): PartOrConst | null {
  if ((typeof value !== 'string' && typeof value !== 'number') || r.kind === 'const') {
    return partOf(r, value, ctx, at(i));
  }
  // By what partOf reads (the reader's kind and field), then by the constant itself: a Map tells
  // the string '80' from the number 80, and no key text is written per element.
  const reader = `${r.kind} ${'field' in r ? r.field : ''}`;
  let byValue = ctx.parts.get(reader);
  if (byValue === undefined) ctx.parts.set(reader, (byValue = new Map()));
  let p = byValue.get(value);
  if (p === undefined) {
    const read = partOf(r, value, ctx, at(i));
    if (read === null) return null;
    byValue.set(value, (p = read));
  }
  return p;
}

/** The items of a right-hand side: an anonymous set's elements, or the single value. */
export function rightItems(right: unknown, pointer: string): { value: unknown; pointer: string }[] {
  if (isObject(right) && 'set' in right) {
    const at = child(pointer, 'set');
    if (Array.isArray(right.set)) return right.set.map((value, i) => ({ value, pointer: child(at, i) }));
    return [{ value: right.set, pointer: at }];
  }
  return [{ value: right, pointer }];
}

/** Several values of one field as one part (ranges merged, protocols and names deduplicated). */
export function unionPart(parts: readonly KeyPart[]): KeyPart {
  const first = parts[0]!;
  if (parts.length === 1) return first;
  switch (first.field) {
    case 'saddr':
    case 'daddr':
      return { field: first.field, ranges: mergeRanges(parts.flatMap((p) => (p as typeof first).ranges)) };
    case 'sport':
    case 'dport':
      return { field: first.field, ranges: mergeRanges(parts.flatMap((p) => (p as typeof first).ranges)) };
    case 'l4proto': {
      const all = new Set(parts.flatMap((p) => (p as typeof first).protocols));
      return { field: 'l4proto', protocols: L4_PROTOCOLS.filter((x) => all.has(x)) };
    }
    case 'iifname':
    case 'oifname': {
      const seen = new Map<string, { name: string; prefix: boolean }>();
      for (const p of parts) for (const n of (p as typeof first).names) seen.set(`${n.prefix ? '*' : '='}${n.name}`, n);
      return {
        field: first.field,
        names: [...seen.values()].sort((a, b) => cmp(a.name, b.name) || cmp(+a.prefix, +b.prefix)),
      };
    }
    case 'saddrLocal':
    case 'daddrLocal':
      return first;
  }
}

const cmp = <T extends string | number>(a: T, b: T): number => (a < b ? -1 : a > b ? 1 : 0);

/** Each part's text (partKey), made once per part object in `texts`: parts are shared (sharedPartOf). */
function partTextOnce(p: KeyPart, texts: Map<KeyPart, string>): string {
  let text = texts.get(p);
  if (text === undefined) texts.set(p, (text = partKey(p)));
  return text;
}

/**
 * The sort key of parts: its parts' texts, which joined as a JSON array ("[a,b]") are the parts'
 * JSON with each bigint as 32 hex digits — a canonical text, whose order is the elements' order
 * (deterministic, whatever order nft lists them in). compareKeys gives that order without writing
 * the joined text of every element of a long map (a third of the time of reading its rules went to
 * those texts and their garbage). Written out by hand (JSON.stringify with a replacer costs several
 * times more); test/verifier/nft-reader-shared-reads.test.ts holds it to the JSON.
 */
export const sortKey = (parts: readonly KeyPart[], texts: Map<KeyPart, string>): string[] =>
  parts.map((p) => partTextOnce(p, texts));

/**
 * The joined texts' order on sort keys. A part's text is a whole JSON object, never a proper prefix of
 * another, so the first differing part decides as the joined texts would; when one list is a
 * prefix of the other, the joined texts compare "]" with "," (the longer first) or, for an empty
 * list, "]" with "{" (the empty one first). test/verifier/nft-reader-shared-reads.test.ts holds it
 * to the joined texts' order.
 */
export function compareKeys(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  if (a.length === b.length) return 0;
  if (n === 0) return a.length === 0 ? -1 : 1;
  return a.length < b.length ? 1 : -1;
}

const bigintText = (v: bigint | number): string =>
  typeof v === 'bigint' ? `"${v.toString(16).padStart(32, '0')}"` : JSON.stringify(v);

function partKey(p: KeyPart): string {
  if ('ranges' in p) {
    let ranges = '';
    for (const [lo, hi] of p.ranges) ranges += `${ranges === '' ? '' : ','}[${bigintText(lo)},${bigintText(hi)}]`;
    return `{"field":"${p.field}","ranges":[${ranges}]}`;
  }
  if ('protocols' in p) return `{"field":"l4proto","protocols":${JSON.stringify(p.protocols)}}`;
  return JSON.stringify(p);
}

/**
 * Elements as portGuardHolds sees them, for a set or map read by many rules: one element admitting
 * every protocol some element admits ([] for none). portGuardHolds asks whether every protocol of
 * every element is a port protocol or excluded by the guard: the answer is the same for this one
 * element as for all of them, and costs one check per rule instead of one per element.
 */
export function guardPart(elements: readonly KeyPart[][]): KeyPart[][] {
  if (elements.length === 0) return [];
  const all = new Set(elements.flatMap((parts) => protocolsOf(parts)));
  return [[{ field: 'l4proto', protocols: L4_PROTOCOLS.filter((p) => all.has(p)) }]];
}

/** The protocols a part admits (all five when it does not test the protocol). */
export function protocolsOf(parts: readonly KeyPart[]): L4Protocol[] {
  const p = parts.find((x) => x.field === 'l4proto');
  return p && p.field === 'l4proto' ? p.protocols : [...L4_PROTOCOLS];
}
