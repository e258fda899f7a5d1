// Lookups that branch: a verdict map (vmap) or the map of a dnat, named or anonymous, keyed by
// packet fields (a dispatch step) or by `numgen random mod N` (a numgen step).
import type { KeyPart, Step } from '../model/program.ts';
import type { RuleContext } from './context.ts';
import { readersKey, readKey } from './keys.ts';
import { dependencySteps, NEVER, portGuardHolds } from './match.ts';
import { sortedOrder } from './order.ts';
import { overlappingElements } from './overlaps.ts';
import { elementParts, elemValue, guardPart } from './parts.ts';
import { child } from './pointer.ts';
import { isDynamic, keyFitsSet } from './sets.ts';
import type { SetState } from './state.ts';
import { isBad, isObject, readNumberRange } from './values.ts';

export type ValueSteps = (value: unknown, pointer: string) => Step[] | null;

/** A map's element: a named map's ElementState, or an anonymous map's pair. */
interface MapItem {
  key: unknown;
  data?: unknown;
  pointer: string;
}

/** A map's items in its order: a named map's elements themselves (no copy). */
const itemsOf = (map: { set: SetState; items: null } | { set: null; items: MapItem[] }): Iterable<MapItem> =>
  map.items ?? map.set.elements.values();

/** The map a map expression's data names: a named map, or an anonymous map's pairs. */
function mapElements(
  data: unknown,
  expect: 'verdict' | 'nat',
  ctx: RuleContext,
  pointer: string,
): { set: SetState; items: null } | { set: null; items: MapItem[] } | null {
  if (typeof data === 'string' && data.startsWith('@')) {
    const name = data.slice(1);
    const set = ctx.table.sets.get(name);
    if (!set) {
      ctx.sink.report('nft-missing-reference', pointer, 'map', name, `table ${ctx.nftFamily} ${ctx.table.name}`);
      return null;
    }
    const isVerdict = set.dataType === 'verdict';
    if (set.kind !== 'map' || isVerdict !== (expect === 'verdict') || isDynamic(set)) {
      ctx.sink.report(
        'nft-bad-value',
        pointer,
        `'${name}'`,
        expect === 'verdict' ? 'a verdict map' : 'a map to addresses (and ports)',
      );
      return null;
    }
    return { set, items: null };
  }
  if (isObject(data) && Array.isArray(data.set)) {
    const at = child(pointer, 'set');
    const items: MapItem[] = [];
    for (const [i, pair] of data.set.entries()) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        ctx.sink.report('nft-bad-value', child(at, i), JSON.stringify(pair), 'a [key, value] pair');
        return null;
      }
      items.push({ key: elemValue(pair[0]), data: pair[1], pointer: child(at, i) });
    }
    return { set: null, items };
  }
  ctx.sink.report('nft-bad-value', pointer, JSON.stringify(data), 'a named map (@name) or an anonymous map');
  return null;
}

/**
 * A named map's keys read for one key expression, kept for every rule that reads the same map the
 * same way: ksvc's dnat maps hold an element per service port and are read by a few hundred rules,
 * so reading every element for every rule made the reader quadratic. Made only when every element
 * read without an error (a failing read is repeated, and reports, at each rule as before).
 */
interface MapReading {
  /** Every element in the map's order: its parts ('never': it cannot match), value and pointer. */
  entries: { parts: KeyPart[] | 'never'; value: unknown; pointer: string }[];
  /** The entries that can match, in the dispatch's order (by sortKey; equal keys in map order). */
  order: number[];
  /** What portGuardHolds needs to know of the entries that can match (see guardPart). */
  guard: KeyPart[][];
  /** The dispatch step made from the entries' values, by what the values were read as (valueKey). */
  dispatches: Map<string, Step>;
}

const readings = new WeakMap<SetState, Map<string, MapReading>>();

/**
 * Whether an element's value is the same text as the previous element's (a service's ports that
 * all lead to one endpoint are neighbours in ksvc's maps): then it gets the same steps, as the value
 * reads the same way. Only strings compare (an object value is a new object each time).
 */
const repeats = (previous: { value: unknown } | undefined, v: unknown): boolean =>
  typeof v === 'string' && previous?.value === v;

function makeReading(entries: MapReading['entries'], texts: Map<KeyPart, string>): MapReading {
  const live: number[] = [];
  const parts: KeyPart[][] = [];
  for (let i = 0; i < entries.length; i++) {
    const p = entries[i]!.parts;
    if (p === 'never') continue;
    live.push(i);
    parts.push(p);
  }
  const order = sortedOrder(parts, texts);
  return {
    entries,
    order: order.map((k) => live[k]!),
    guard: guardPart(parts),
    dispatches: new Map(),
  };
}

/**
 * A lookup that branches (vmap, or the map of a dnat): by `numgen random mod N` a numgen step,
 * otherwise a dispatch on packet fields. Each element's value becomes that branch's steps.
 */
export function lookupSteps(
  keyExpr: unknown,
  data: unknown,
  expect: 'verdict' | 'nat',
  ctx: RuleContext,
  pointer: string,
  valueSteps: ValueSteps,
  valueKey: string | null = null,
  dnatPort: number | null = null,
): Step[] | null {
  const readers = readKey(keyExpr, ctx, child(pointer, 'key'));
  if (!readers) return null;
  const map = mapElements(data, expect, ctx, child(pointer, 'data'));
  if (!map) return null;
  if (map.set && !keyFitsSet(readers, map.set, ctx, child(pointer, 'key'))) return null;
  // Both named and anonymous map elements point at their [key, value] pair.
  const key = (p: string): string => child(p, 0);
  const value = (p: string): string => child(p, 1);
  const [first] = readers;
  if (readers.length === 1 && first!.kind === 'numgen') {
    const branches: { values: [number, number][]; steps: Step[]; pointer: string }[] = [];
    for (const item of itemsOf(map)) {
      const v = readNumberRange(item.key, 32, 'a numgen value');
      if (isBad(v)) {
        ctx.sink.report('nft-bad-value', key(item.pointer), v.bad.value, v.bad.expected);
        return null;
      }
      const steps = valueSteps(item.data, value(item.pointer));
      if (!steps) return null;
      branches.push({
        values: [[v.ok[0], v.ok[1]]],
        steps: dnatPort === null ? steps : withPort(steps, dnatPort),
        pointer: item.pointer,
      });
    }
    branches.sort((a, b) => a.values[0]![0] - b.values[0]![0]);
    // keys that meet are refused by nft ("conflicting intervals"; measured), as for any other map
    for (let i = 1; i < branches.length; i++) {
      if (branches[i]!.values[0]![0] <= branches[i - 1]!.values[0]![1]) {
        ctx.sink.report('nft-overlapping-elements', key(branches[i]!.pointer), key(branches[i - 1]!.pointer), false);
        return null;
      }
    }
    return [
      {
        kind: 'numgen',
        modulus: first.mod,
        offset: first.offset,
        branches: branches.map(({ values, steps }) => ({ values, steps })),
      },
    ];
  }
  const steps = dependencySteps(readers, ctx);
  const readersText = map.set === null ? '' : readersKey(readers);
  let reading = map.set === null ? undefined : readings.get(map.set)?.get(readersText);
  // The values, in the map's order (the first bad key or value is the one reported).
  let thens: Step[][] | null = null;
  if (reading === undefined) {
    const entries: MapReading['entries'] = [];
    thens = [];
    for (const item of itemsOf(map)) {
      const parts = elementParts(readers, item.key, ctx, item.pointer, true);
      if (!parts) return null;
      const then = repeats(entries.at(-1), item.data) ? thens.at(-1)! : valueSteps(item.data, value(item.pointer));
      if (!then) return null;
      entries.push({ parts, value: item.data, pointer: item.pointer });
      thens.push(then);
    }
    const overlap = overlappingElements(entries.map((e) => e.parts));
    if (overlap !== null) {
      const [i, j] = overlap;
      const concatenated = readers.length > 1;
      ctx.sink.report('nft-overlapping-elements', key(entries[j]!.pointer), key(entries[i]!.pointer), concatenated);
      return null;
    }
    reading = makeReading(entries, ctx.partTexts);
    if (map.set !== null) {
      let bySet = readings.get(map.set);
      if (bySet === undefined) readings.set(map.set, (bySet = new Map()));
      bySet.set(readersText, reading);
    }
  } else if (valueKey === null || !reading.dispatches.has(valueKey)) {
    thens = [];
    const { entries } = reading;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const then = repeats(entries[i - 1], e.value) ? thens[i - 1]! : valueSteps(e.value, value(e.pointer));
      if (!then) return null;
      thens.push(then);
    }
  }
  if (!portGuardHolds(readers, reading.guard, ctx)) {
    ctx.sink.report('nft-unguarded-port', child(pointer, 'key'), 'this lookup');
    return null;
  }
  let dispatch = valueKey === null || thens !== null ? undefined : reading.dispatches.get(valueKey);
  if (dispatch === undefined) {
    const { entries, order } = reading;
    const elements = order.map((i) => ({ parts: entries[i]!.parts as KeyPart[], steps: thens![i]! }));
    dispatch = elements.length === 0 ? NEVER : { kind: 'dispatch', elements };
    if (valueKey !== null && map.set !== null) reading.dispatches.set(valueKey, dispatch);
  }
  steps.push(dnatPort === null ? dispatch : portedDispatch(reading, valueKey, dispatch, dnatPort));
  return steps;
}

/**
 * The dispatch of a `dnat to <key> map @m : PORT`: the elements read once for every port (their
 * steps a DNAT without a port), one step per port naming it (dnatPort, verifier/model/program.ts).
 */
function portedDispatch(reading: MapReading, valueKey: string | null, dispatch: Step, port: number): Step {
  if (dispatch.kind !== 'dispatch') return dispatch; // no element: the lookup never matches
  const key = `${valueKey} : ${port}`;
  let ported = valueKey === null ? undefined : reading.dispatches.get(key);
  if (ported === undefined) {
    ported = { kind: 'dispatch', elements: dispatch.elements, dnatPort: port };
    if (valueKey !== null) reading.dispatches.set(key, ported);
  }
  return ported;
}

/** A numgen branch's DNAT without a port (the map's value) given the statement's port. */
function withPort(steps: Step[], port: number): Step[] {
  const [only] = steps;
  if (steps.length !== 1 || only?.kind !== 'verdict' || only.verdict.kind !== 'dnat' || only.verdict.port !== null) {
    throw new Error('internal error: a DNAT map value read as more than a DNAT to an address');
  }
  return [{ kind: 'verdict', verdict: { ...only.verdict, port } }];
}
