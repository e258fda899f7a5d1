// The order of a dispatch's or a member test's elements: by their parts' canonical texts (the
// parts' JSON with each bigint as 32 hex digits), whatever order nft lists them in, equal keys in
// the map's order.
import type { AddressRange, KeyPart } from '../model/program.ts';

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
    const singles = rankSingleAddresses(elements, j, ranks, width);
    if (singles >= 0) {
      distinct.push(singles);
      continue;
    }
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

/**
 * Position j's ranks when every element has a single address there (one field, one range of one
 * exact value: the usual key part), by a native sort of one number per element (address * n +
 * index), without a map of the parts; the number of distinct addresses, or -1 for other parts.
 */
function rankSingleAddresses(
  elements: readonly (readonly KeyPart[])[],
  j: number,
  ranks: Float64Array,
  width: number,
): number {
  const n = elements.length;
  const field = elements[0]![j]!.field;
  const at = new Float64Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) {
    const p = elements[i]![j]!;
    if (p.field !== field || !('ranges' in p) || p.ranges.length !== 1) return -1;
    const [a, b] = p.ranges[0]!;
    if (typeof a !== 'bigint' || a !== b || a < 0n || a > MAX_EXACT) return -1;
    at[i] = Number(a);
    if (at[i]! > max) max = at[i]!;
  }
  if (max * n + n > Number.MAX_SAFE_INTEGER) return -1;
  const keyed = at.map((a, i) => a * n + i).sort();
  let rank = -1;
  let previous = -1;
  for (let k = 0; k < n; k++) {
    const i = keyed[k]! % n;
    if (at[i] !== previous) {
      rank++;
      previous = at[i]!;
    }
    ranks[i * width + j] = rank;
  }
  return rank + 1;
}

/** Set each part's rank among the distinct texts of `byPart`'s parts; the number of distinct texts. */
function rankParts(byPart: Map<KeyPart, number>, texts: Map<KeyPart, string>): number {
  const parts = [...byPart.keys()];
  // one field, one range each: the texts differ only in the bounds, 32 hex digits each, so they
  // order as the bounds do (no text written)
  if (parts.every((p) => isOneAddressRange(p, parts[0]!.field))) return rankAddresses(parts, byPart);
  const byText = new Map<string, number>();
  for (const p of parts) byText.set(partTextOnce(p, texts), 0);
  const sorted = [...byText.keys()].sort();
  for (let r = 0; r < sorted.length; r++) byText.set(sorted[r]!, r);
  for (const p of parts) byPart.set(p, byText.get(texts.get(p)!)!);
  return sorted.length;
}

/** rankParts for address parts of one range each. */
function rankAddresses(parts: KeyPart[], byPart: Map<KeyPart, number>): number {
  const n = parts.length;
  // bounds as numbers when they are exact (IPv4's always): compared without bigints
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  let exact = true;
  for (let k = 0; k < n && exact; k++) {
    const [a, b] = (parts[k] as { ranges: AddressRange[] }).ranges[0]!;
    exact = a <= MAX_EXACT && b <= MAX_EXACT;
    lo[k] = Number(a);
    hi[k] = Number(b);
  }
  const compare = exact
    ? (x: number, y: number) => lo[x]! - lo[y]! || hi[x]! - hi[y]!
    : (x: number, y: number) => compareAddressRanges(parts[x]!, parts[y]!);
  const order = parts.map((_, k) => k).sort(compare);
  let rank = 0;
  for (let k = 0; k < n; k++) {
    if (k > 0 && compare(order[k - 1]!, order[k]!) !== 0) rank++;
    byPart.set(parts[order[k]!]!, rank);
  }
  return rank + 1;
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
