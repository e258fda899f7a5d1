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
 * is not in the element (the element can never match); null after reporting an error. `pointer`
 * names the key, or with `inPair` the map element's [key, value] pair.
 */
export function elementParts(
  readers: readonly Reader[],
  key: unknown,
  ctx: KeyContext,
  pointer: string,
  inPair = false,
): KeyPart[] | 'never' | null {
  const raw = elemValue(key);
  const concat = readers.length !== 1;
  if (concat && (!isObject(raw) || !Array.isArray(raw.concat) || raw.concat.length !== readers.length)) {
    const at = partPointer(pointer, inPair, false, 0);
    ctx.sink.report('nft-bad-value', at, JSON.stringify(raw), `a concatenation of ${readers.length} values`);
    return null;
  }
  const values = concat ? ((raw as { concat: unknown[] }).concat as unknown[]) : null;
  const parts: KeyPart[] = [];
  let never = false;
  for (let i = 0; i < readers.length; i++) {
    const p = sharedPartOf(readers[i]!, values === null ? raw : values[i], ctx, pointer, inPair, concat, i);
    if (p === null) return null;
    if (typeof p !== 'boolean') parts.push(p);
    else if (!p) never = true;
  }
  // a copy at its exact length: the model keeps one per element, and a pushed array has room for 17
  return never ? 'never' : parts.slice();
}

/**
 * The pointer of part `i` of an element's key, written only when the part is read (once per
 * constant) or reported: most parts are shared, and most elements need none.
 */
function partPointer(pointer: string, inPair: boolean, concat: boolean, i: number): string {
  const key = inPair ? child(pointer, 0) : pointer;
  return concat ? child(child(key, 'concat'), i) : key;
}

/** What partOf reads (a reader's kind and field), as text: one string per reader object. */
const readerTexts = new WeakMap<Reader, string>();
function readerText(r: Reader): string {
  let text = readerTexts.get(r);
  if (text === undefined) readerTexts.set(r, (text = `${r.kind} ${'field' in r ? r.field : ''}`));
  return text;
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
  pointer: string,
  inPair: boolean,
  concat: boolean,
  i: number,
): PartOrConst | null {
  if ((typeof value !== 'string' && typeof value !== 'number') || r.kind === 'const') {
    return partOf(r, value, ctx, partPointer(pointer, inPair, concat, i));
  }
  // By what partOf reads (the reader's kind and field), then by the constant itself: a Map tells
  // the string '80' from the number 80, and no key text is written per element.
  const reader = readerText(r);
  let byValue = ctx.parts.get(reader);
  if (byValue === undefined) ctx.parts.set(reader, (byValue = new Map()));
  let p = byValue.get(value);
  if (p === undefined) {
    const read = partOf(r, value, ctx, partPointer(pointer, inPair, concat, i));
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

/**
 * Elements as portGuardHolds sees them, for a set or map read by many rules: one element admitting
 * every protocol some element admits ([] for none). portGuardHolds asks whether every protocol of
 * every element is a port protocol or excluded by the guard: the answer is the same for this one
 * element as for all of them, and costs one check per rule instead of one per element.
 */
export function guardPart(elements: readonly KeyPart[][]): KeyPart[][] {
  if (elements.length === 0) return [];
  // no array per element (a map of ksvc's has tens of thousands), and done once all are in
  const all = new Set<L4Protocol>();
  for (const parts of elements) {
    for (const p of protocolsOf(parts)) all.add(p);
    if (all.size >= L4_PROTOCOLS.length && L4_PROTOCOLS.every((p) => all.has(p))) break;
  }
  return [[{ field: 'l4proto', protocols: L4_PROTOCOLS.filter((p) => all.has(p)) }]];
}

/** The protocols a part admits (all five when it does not test the protocol). Not a copy: read only. */
export function protocolsOf(parts: readonly KeyPart[]): readonly L4Protocol[] {
  for (const x of parts) if (x.field === 'l4proto') return x.protocols;
  return L4_PROTOCOLS;
}
