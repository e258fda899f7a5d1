// Lookups that branch: a verdict map (vmap) or the map of a dnat, named or anonymous, keyed by
// packet fields (a dispatch step) or by `numgen random mod N` (a numgen step).
import type { Step } from '../model/program.ts';
import type { RuleContext } from './context.ts';
import { readKey } from './keys.ts';
import { dependencySteps, NEVER, portGuardHolds, type sortElements } from './match.ts';
import { elementParts, elemValue, partsKey } from './parts.ts';
import { child } from './pointer.ts';
import { isDynamic, keyFitsSet } from './sets.ts';
import type { SetState } from './state.ts';
import { isBad, isObject, readNumberRange } from './values.ts';

export type ValueSteps = (value: unknown, pointer: string) => Step[] | null;

/** The elements a map expression's data names: a named map's, or an anonymous map's pairs. */
function mapElements(
  data: unknown,
  expect: 'verdict' | 'nat',
  ctx: RuleContext,
  pointer: string,
): { set: SetState | null; items: { key: unknown; value: unknown; pointer: string }[] } | null {
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
    return {
      set,
      items: [...set.elements.values()].map((e) => ({ key: e.key, value: e.data, pointer: e.pointer })),
    };
  }
  if (isObject(data) && Array.isArray(data.set)) {
    const at = child(pointer, 'set');
    const items: { key: unknown; value: unknown; pointer: string }[] = [];
    for (const [i, pair] of data.set.entries()) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        ctx.sink.report('nft-bad-value', child(at, i), JSON.stringify(pair), 'a [key, value] pair');
        return null;
      }
      items.push({ key: elemValue(pair[0]), value: pair[1], pointer: child(at, i) });
    }
    return { set: null, items };
  }
  ctx.sink.report('nft-bad-value', pointer, JSON.stringify(data), 'a named map (@name) or an anonymous map');
  return null;
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
    const branches: { values: [number, number][]; steps: Step[] }[] = [];
    for (const item of map.items) {
      const v = readNumberRange(item.key, 32, 'a numgen value');
      if (isBad(v)) {
        ctx.sink.report('nft-bad-value', key(item.pointer), v.bad.value, v.bad.expected);
        return null;
      }
      const steps = valueSteps(item.value, value(item.pointer));
      if (!steps) return null;
      branches.push({ values: [[v.ok[0], v.ok[1]]], steps });
    }
    branches.sort((a, b) => a.values[0]![0] - b.values[0]![0]);
    return [{ kind: 'numgen', modulus: first.mod, offset: first.offset, branches }];
  }
  const steps = dependencySteps(readers, ctx);
  const elements: { parts: ReturnType<typeof sortElements>[number]; steps: Step[] }[] = [];
  for (const item of map.items) {
    const parts = elementParts(readers, item.key, ctx, key(item.pointer));
    if (!parts) return null;
    const then = valueSteps(item.value, value(item.pointer));
    if (!then) return null;
    if (parts !== 'never') elements.push({ parts, steps: then });
  }
  if (
    !portGuardHolds(
      readers,
      elements.map((e) => e.parts),
      ctx,
    )
  ) {
    ctx.sink.report('nft-unguarded-port', child(pointer, 'key'), 'this lookup');
    return null;
  }
  const keyed = elements.map((e) => ({ e, k: partsKey(e.parts) }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  steps.push(elements.length === 0 ? NEVER : { kind: 'dispatch', elements: keyed.map((x) => x.e) });
  return steps;
}
