// The match statement (`left op right`) as model steps. Each kind of left-hand side has its own
// exact reading: packet fields and their sets, marks, conntrack state and status, `meta random`
// thresholds (an exact probability) and `numgen` values. Anything else is an error.
import type { L4Protocol } from '../../compiler/ir/packet.ts';
import type { AddressRange, KeyPart, Step } from '../model/program.ts';
import { narrowGuard, type RuleContext, shared } from './context.ts';
import { type Reader, readersKey, readKey } from './keys.ts';
import { type Match, NEVER, orderedRange, test, unsupportedOp } from './match-base.ts';
import { ctStateSteps, ctStatusSteps, markSteps, numgenSteps, randomSteps } from './meta-match.ts';
import { sortedOrder } from './order.ts';
import { overlappingElements } from './overlaps.ts';
import { elementParts, guardPart, PORT_PROTOCOLS, protocolsOf, rightItems, unionPart } from './parts.ts';
import { child } from './pointer.ts';
import { affinityKey, affinityTimeout, isDynamic, keyFitsSet } from './sets.ts';
import type { SetState } from './state.ts';
import { isBad, readAddress, readUnsigned } from './values.ts';

export { type Match, NEVER } from './match-base.ts';

export function matchSteps(m: Match, ctx: RuleContext, pointer: string): Step[] | null {
  const readers = readKey(m.left, ctx, child(pointer, 'left'));
  if (!readers) return null;
  const r = readers[0]!;
  if (readers.length === 1) {
    switch (r.kind) {
      case 'mark':
        return markSteps(r, m, ctx, pointer);
      case 'ctState':
        return ctStateSteps(m, ctx, pointer);
      case 'ctStatus':
        return ctStatusSteps(r.masked, m, ctx, pointer);
      case 'random':
        return randomSteps(r.bits, m, ctx, pointer);
      case 'numgen':
        return numgenSteps(r, m, ctx, pointer);
    }
  }
  return fieldSteps(readers, m, ctx, pointer);
}

/** `meta l4proto P` tests nft adds for tcp/udp/sctp payloads, in order. */
export function dependencySteps(readers: readonly Reader[], ctx: RuleContext): Step[] {
  const deps = new Set<L4Protocol>();
  for (const r of readers) if ((r.kind === 'port' || r.kind === 'const') && r.dep) deps.add(r.dep);
  return [...deps].map((p) => {
    const s = shared(ctx, `proto ${p}`, () => test({ kind: 'fields', parts: [{ field: 'l4proto', protocols: [p] }] }));
    narrowGuard(ctx, s);
    return s;
  });
}

/** A `th` port read must follow tests that leave only tcp, udp or sctp (per element when keyed by protocol). */
export function portGuardHolds(readers: readonly Reader[], elements: readonly KeyPart[][], ctx: RuleContext): boolean {
  if (!readers.some((r) => r.kind === 'port' && r.dep === null)) return true;
  const guard = new Set(ctx.guard);
  const ok = (protocols: readonly L4Protocol[]): boolean =>
    protocols.every((p) => !guard.has(p) || (PORT_PROTOCOLS as readonly string[]).includes(p));
  if (readers.some((r) => r.kind === 'proto')) return elements.every((parts) => ok(protocolsOf(parts)));
  return ok(ctx.guard);
}

/** Packet fields (one or a concatenation) against values, an anonymous set or a named set. */
function fieldSteps(readers: Reader[], m: Match, ctx: RuleContext, pointer: string): Step[] | null {
  const ordering = ['<', '<=', '>', '>='].includes(m.op);
  if (!['==', '!=', 'in'].includes(m.op) && !ordering) return unsupportedOp(m, readers[0]!, ctx, pointer);
  const negate = m.op === '!=';
  const steps = dependencySteps(readers, ctx);
  // One field against one constant (the most common test by far): made once per distinct test.
  const r = readers[0]!;
  const scalar = typeof m.right === 'number' || (typeof m.right === 'string' && !m.right.startsWith('@'));
  const key =
    readers.length === 1 && scalar && !ordering && r.kind !== 'const' && 'field' in r
      ? `${r.field} ${r.kind === 'port' ? 'port' : ''} ${negate} ${String(m.right)}`
      : null;
  const known = key === null ? undefined : ctx.cache.get(key);
  if (known) {
    if (known.kind === 'test' && !portGuardHolds(readers, [], ctx)) {
      ctx.sink.report('nft-unguarded-port', child(pointer, 'left'), 'this test');
      return null;
    }
    steps.push(known);
    narrowGuard(ctx, known);
    return steps;
  }
  const made = fieldStepsOf(readers, m, ctx, pointer, steps);
  if (made && key !== null && made.length === steps.length + 1) ctx.cache.set(key, made[made.length - 1]!);
  return made;
}

function fieldStepsOf(readers: Reader[], m: Match, ctx: RuleContext, pointer: string, deps: Step[]): Step[] | null {
  const rp = child(pointer, 'right');
  const ordering = ['<', '<=', '>', '>='].includes(m.op);
  const negate = m.op === '!=';
  const steps = [...deps];

  let elements: (KeyPart[] | 'never')[];
  if (typeof m.right === 'string' && m.right.startsWith('@')) {
    if (ordering) return unsupportedOp(m, readers[0]!, ctx, pointer);
    const name = m.right.slice(1);
    const set = ctx.table.sets.get(name);
    if (!set) {
      ctx.sink.report('nft-missing-reference', rp, 'set', name, `table ${ctx.nftFamily} ${ctx.table.name}`);
      return null;
    }
    if (!keyFitsSet(readers, set, ctx, child(pointer, 'left'))) return null;
    if (set.kind === 'map') {
      ctx.sink.report('nft-unsupported', rp, `a membership test against map '${name}'`);
      return null;
    }
    if (isDynamic(set)) {
      const key = affinityKey(readers, set, ctx, child(pointer, 'left'));
      const maxAgeSeconds = affinityTimeout(set, ctx, rp);
      if (!key || maxAgeSeconds === null) return null;
      steps.push(test({ kind: 'affinity', list: key.list, key: key.key, maxAgeSeconds }, negate));
      return steps;
    }
    const reading = setReading(set, readers, ctx);
    if (!reading) return null;
    if (!portGuardHolds(readers, reading.guard, ctx)) {
      ctx.sink.report('nft-unguarded-port', child(pointer, 'left'), 'this test');
      return null;
    }
    let made = reading.steps.get(negate);
    if (made === undefined) {
      made = membership(readers, reading.live, negate, ctx.partTexts);
      reading.steps.set(negate, made);
    }
    if (made !== null) {
      steps.push(made);
      narrowGuard(ctx, made);
    }
    return steps;
  } else if (ordering) {
    const r = readers[0]!;
    if (readers.length !== 1 || (r.kind !== 'addr' && r.kind !== 'port')) return unsupportedOp(m, r, ctx, pointer);
    const bound = r.kind === 'addr' ? readAddress(m.right, ctx.family) : readUnsigned(m.right, 16, 'a port number');
    if (isBad(bound)) {
      ctx.sink.report('nft-bad-value', rp, bound.bad.value, bound.bad.expected);
      return null;
    }
    const max = r.kind === 'addr' ? (1n << BigInt(ctx.family === 'ipv4' ? 32 : 128)) - 1n : 65535n;
    const range = orderedRange(m.op, bound.ok, max);
    if (range === null) elements = [];
    else if (r.kind === 'addr') elements = [[{ field: r.field, ranges: [range as AddressRange] }]];
    else elements = [[{ field: r.field, ranges: [[Number(range[0]), Number(range[1])]] }]];
  } else {
    elements = [];
    for (const item of rightItems(m.right, rp)) {
      const p = elementParts(readers, item.value, ctx, item.pointer);
      if (!p) return null;
      elements.push(p);
    }
  }
  const live = elements.filter((e): e is KeyPart[] => e !== 'never');
  if (!portGuardHolds(readers, live, ctx)) {
    ctx.sink.report('nft-unguarded-port', child(pointer, 'left'), 'this test');
    return null;
  }
  const step = membership(readers, live, negate, ctx.partTexts);
  if (step !== null) {
    steps.push(step);
    narrowGuard(ctx, step);
  }
  return steps;
}

/** The test that the key is (negate: is not) one of the elements `live`; null: no test at all. */
function membership(
  readers: readonly Reader[],
  live: KeyPart[][],
  negate: boolean,
  texts: Map<KeyPart, string>,
): Step | null {
  const fields = readers.filter((r) => r.kind !== 'const').length;
  // Only constants: the test holds for every packet or for none.
  if (fields === 0) return live.length > 0 === negate ? NEVER : null;
  let step: Step;
  if (live.length === 0) step = NEVER;
  else if (fields === 1) step = test({ kind: 'fields', parts: [unionPart(live.map((e) => e[0]!))] }, negate);
  else step = test({ kind: 'member', elements: sortElements(live, texts) }, negate);
  return step === NEVER && negate ? null : step;
}

/**
 * A named set's elements read for one key, kept for every rule that tests the same set the same
 * way (ksvc's hairpin set has an element per local endpoint and a few rules test it). Made only
 * when every element read without an error.
 */
interface SetReading {
  live: KeyPart[][];
  guard: KeyPart[][];
  /** The membership step by negation (null: none). */
  steps: Map<boolean, Step | null>;
}

const setReadings = new WeakMap<SetState, Map<string, SetReading>>();

function setReading(set: SetState, readers: readonly Reader[], ctx: RuleContext): SetReading | null {
  const key = readersKey(readers);
  let bySet = setReadings.get(set);
  const known = bySet?.get(key);
  if (known) return known;
  const live: KeyPart[][] = [];
  const pointers: string[] = [];
  for (const e of set.elements.values()) {
    const p = elementParts(readers, e.key, ctx, e.pointer);
    if (!p) return null;
    if (p !== 'never') {
      live.push(p);
      pointers.push(e.pointer);
    }
  }
  // nft refuses overlapping intervals (a set declared auto-merge, which would merge them, is not
  // read); concatenated ones it loads, and which one the kernel matches is not modelled
  const overlap = overlappingElements(live);
  if (overlap !== null) {
    const concatenated = readers.length > 1;
    ctx.sink.report('nft-overlapping-elements', pointers[overlap[1]]!, pointers[overlap[0]]!, concatenated);
    return null;
  }
  const reading: SetReading = { live, guard: guardPart(live), steps: new Map() };
  if (bySet === undefined) setReadings.set(set, (bySet = new Map()));
  bySet.set(key, reading);
  return reading;
}

export const sortElements = (elements: KeyPart[][], texts: Map<KeyPart, string>): KeyPart[][] =>
  sortedOrder(elements, texts).map((i) => elements[i]!);
