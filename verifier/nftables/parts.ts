// Constants on the right of a test, and the keys of set and map elements, read as the model's
// KeyParts for the readers on the left: one part per packet field, element by element.
import type { Protocol } from '../../common/kubernetes.ts';
import { L4_PROTOCOLS, type L4Protocol } from '../../compiler/ir/packet.ts';
import type { AddressRange, KeyPart } from '../model/program.ts';
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

/**
 * The indices of `elements` in the order compareKeys gives their sort keys, equal keys in their
 * given order. Keys of one length (every element read for one key expression) are ranked instead:
 * each position's distinct texts sorted once, and an element compared by its ranks — comparing
 * the texts of every pair of elements was most of reading a long map. Ranks order as the texts do
 * at each position, and compareKeys on keys of one length is the first position that differs.
 */
export function sortedOrder(elements: readonly (readonly KeyPart[])[], texts: Map<KeyPart, string>): number[] {
  const n = elements.length;
  const width = n === 0 ? 0 : elements[0]!.length;
  if (elements.some((e) => e.length !== width)) {
    const keys = elements.map((e) => sortKey(e, texts));
    return keys.map((_, i) => i).sort((a, b) => compareKeys(keys[a]!, keys[b]!));
  }
  // per position, each distinct part's rank (its text's place among the position's texts)
  const ranks = new Float64Array(n * width);
  const distinct: number[] = [];
  for (let j = 0; j < width; j++) {
    const byPart = new Map<KeyPart, number>();
    for (let i = 0; i < n; i++) byPart.set(elements[i]![j]!, 0);
    distinct.push(rankParts(byPart, texts));
    for (let i = 0; i < n; i++) ranks[i * width + j] = byPart.get(elements[i]![j]!)!;
  }
  if (distinct.reduce((a, b) => a * b, n) <= Number.MAX_SAFE_INTEGER) {
    // one exact number per element, its index last: a numeric sort of them is the stable order
    const keyed = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let k = 0;
      for (let j = 0; j < width; j++) k = k * distinct[j]! + ranks[i * width + j]!;
      keyed[i] = k * n + i;
    }
    keyed.sort();
    return Array.from(keyed, (k) => k % n);
  }
  const order = Array.from({ length: n }, (_, i) => i);
  return order.sort((a, b) => {
    for (let j = 0; j < width; j++) {
      const d = ranks[a * width + j]! - ranks[b * width + j]!;
      if (d !== 0) return d;
    }
    return 0;
  });
}

/** Set each part's rank among the distinct texts of `byPart`'s parts; the number of distinct texts. */
function rankParts(byPart: Map<KeyPart, number>, texts: Map<KeyPart, string>): number {
  const parts = [...byPart.keys()];
  if (parts.every((p) => isOneAddressRange(p, parts[0]!.field))) {
    // one field, one range each: the texts differ only in the bounds, 32 hex digits each, so
    // they order as the bounds do (no text written)
    // bounds as numbers when they are exact (IPv4's always): compared without bigints
    const lo = new Float64Array(parts.length);
    const hi = new Float64Array(parts.length);
    let exact = true;
    for (let k = 0; k < parts.length && exact; k++) {
      const [a, b] = (parts[k] as { ranges: AddressRange[] }).ranges[0]!;
      exact = a <= MAX_EXACT && b <= MAX_EXACT;
      lo[k] = Number(a);
      hi[k] = Number(b);
    }
    const order = parts.map((_, k) => k);
    const compare = exact
      ? (x: number, y: number) => lo[x]! - lo[y]! || hi[x]! - hi[y]!
      : (x: number, y: number) => compareAddressRanges(parts[x]!, parts[y]!);
    order.sort(compare);
    let rank = 0;
    for (let k = 0; k < order.length; k++) {
      if (k > 0 && compare(order[k - 1]!, order[k]!) !== 0) rank++;
      byPart.set(parts[order[k]!]!, rank);
    }
    return rank + 1;
  }
  const byText = new Map<string, number>();
  for (const p of parts) byText.set(partTextOnce(p, texts), 0);
  const sorted = [...byText.keys()].sort();
  for (let r = 0; r < sorted.length; r++) byText.set(sorted[r]!, r);
  for (const p of parts) byPart.set(p, byText.get(texts.get(p)!)!);
  return sorted.length;
}

const ADDRESS_END = 1n << 128n;
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** An address part of `field` with one range whose bounds bigintText writes in 32 hex digits. */
const isOneAddressRange = (p: KeyPart, field: string): boolean =>
  p.field === field &&
  'ranges' in p &&
  p.ranges.length === 1 &&
  typeof p.ranges[0]![0] === 'bigint' &&
  typeof p.ranges[0]![1] === 'bigint' &&
  p.ranges[0]![0] >= 0n &&
  p.ranges[0]![1] >= 0n &&
  p.ranges[0]![0] < ADDRESS_END &&
  p.ranges[0]![1] < ADDRESS_END;

function compareAddressRanges(a: KeyPart, b: KeyPart): number {
  const [x0, x1] = (a as { ranges: AddressRange[] }).ranges[0]!;
  const [y0, y1] = (b as { ranges: AddressRange[] }).ranges[0]!;
  if (x0 !== y0) return x0 < y0 ? -1 : 1;
  return x1 === y1 ? 0 : x1 < y1 ? -1 : 1;
}

const bigintText = (v: bigint | number): string =>
  typeof v === 'bigint' ? ['"', v.toString(16).padStart(32, '0'), '"'].join('') : JSON.stringify(v);

/**
 * Written as one flat string (a join): the texts live through the table's read, and a text built
 * with `+` is a tree of its pieces that every scavenge copied (most of sorting a long map's keys).
 */
function partKey(p: KeyPart): string {
  if ('ranges' in p) {
    const out: string[] = ['{"field":"', p.field, '","ranges":['];
    for (const [lo, hi] of p.ranges) out.push(out.length === 3 ? '[' : ',[', bigintText(lo), ',', bigintText(hi), ']');
    out.push(']}');
    return out.join('');
  }
  if ('protocols' in p) return ['{"field":"l4proto","protocols":', JSON.stringify(p.protocols), '}'].join('');
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
