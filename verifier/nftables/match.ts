// The match statement (`left op right`) as model steps. Each kind of left-hand side has its own
// exact reading: packet fields and their sets, marks, conntrack state and status, `meta random`
// thresholds (an exact probability) and `numgen` values. Anything else is an error.
import { type Rational, rational } from '../../compiler/ir/outcome.ts';
import type { CtState, L4Protocol } from '../../compiler/ir/packet.ts';
import type { AddressRange, KeyPart, NumberRange, Step, Test } from '../model/program.ts';
import { narrowGuard, type RuleContext, shared } from './context.ts';
import { describe, type Reader, readersKey, readKey } from './keys.ts';
import {
  elementParts,
  elemValue,
  guardPart,
  PORT_PROTOCOLS,
  partsKey,
  protocolsOf,
  rightItems,
  unionPart,
} from './parts.ts';
import { child } from './pointer.ts';
import { affinityKey, affinityTimeout, isDynamic, keyFitsSet } from './sets.ts';
import type { SetState } from './state.ts';
import {
  isBad,
  isObject,
  mergeRanges,
  readAddress,
  readCtState,
  readCtStatusDnat,
  readMark,
  readNumberRange,
  readUnsigned,
} from './values.ts';

export interface Match {
  op: string;
  left: unknown;
  right: unknown;
}

const test = (t: Test, negate = false): Step => ({ kind: 'test', test: t, negate });
/** A test no packet passes (an empty membership). */
export const NEVER: Step = test({ kind: 'member', elements: [] });

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

function unsupportedOp(m: Match, r: Reader, ctx: RuleContext, pointer: string): null {
  ctx.sink.report('nft-unsupported', child(pointer, 'op'), `operator '${m.op}' on ${describe(r)}`);
  return null;
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
      made = membership(readers, reading.live, negate);
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
  const step = membership(readers, live, negate);
  if (step !== null) {
    steps.push(step);
    narrowGuard(ctx, step);
  }
  return steps;
}

/** The test that the key is (negate: is not) one of the elements `live`; null: no test at all. */
function membership(readers: readonly Reader[], live: KeyPart[][], negate: boolean): Step | null {
  const fields = readers.filter((r) => r.kind !== 'const').length;
  // Only constants: the test holds for every packet or for none.
  if (fields === 0) return live.length > 0 === negate ? NEVER : null;
  let step: Step;
  if (live.length === 0) step = NEVER;
  else if (fields === 1) step = test({ kind: 'fields', parts: [unionPart(live.map((e) => e[0]!))] }, negate);
  else step = test({ kind: 'member', elements: sortElements(live) }, negate);
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
  for (const e of set.elements.values()) {
    const p = elementParts(readers, e.key, ctx, e.pointer);
    if (!p) return null;
    if (p !== 'never') live.push(p);
  }
  const reading: SetReading = { live, guard: guardPart(live), steps: new Map() };
  if (bySet === undefined) setReadings.set(set, (bySet = new Map()));
  bySet.set(key, reading);
  return reading;
}

export const sortElements = (elements: KeyPart[][]): KeyPart[][] =>
  elements
    .map((e) => ({ e, k: partsKey(e) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map((x) => x.e);

/** The values `x op bound` admits in [0, max], or null when none. */
function orderedRange(op: string, bound: bigint, max: bigint): [bigint, bigint] | null {
  const [lo, hi] =
    op === '<' ? [0n, bound - 1n] : op === '<=' ? [0n, bound] : op === '>' ? [bound + 1n, max] : [bound, max];
  const h = hi > max ? max : hi;
  return lo > h ? null : [lo, h];
}

function markSteps(r: { mask: number; xor: number }, m: Match, ctx: RuleContext, pointer: string): Step[] | null {
  const v = readMark(m.right);
  if (isBad(v)) {
    ctx.sink.report('nft-bad-value', child(pointer, 'right'), v.bad.value, v.bad.expected);
    return null;
  }
  if (m.op === '!') {
    if (r.xor !== 0) return unsupportedOp(m, { kind: 'mark', ...r }, ctx, pointer);
    return [test({ kind: 'mark', mask: (r.mask & v.ok) >>> 0, value: 0 })];
  }
  if (!['==', '!=', 'in'].includes(m.op)) return unsupportedOp(m, { kind: 'mark', ...r }, ctx, pointer);
  const negate = m.op === '!=';
  const value = (v.ok ^ r.xor) >>> 0;
  // Bits outside the mask can never be set in (mark & mask).
  if ((value & ~r.mask) >>> 0 !== 0) return negate ? [] : [NEVER];
  return [test({ kind: 'mark', mask: r.mask >>> 0, value }, negate)];
}

function ctStateSteps(m: Match, ctx: RuleContext, pointer: string): Step[] | null {
  const rp = child(pointer, 'right');
  let values: { value: unknown; pointer: string }[];
  if (Array.isArray(m.right)) {
    if (m.op === '==' && m.right.length > 1) {
      ctx.sink.report('nft-unsupported', rp, 'ct state == with several states (an exact comparison of the state bits)');
      return null;
    }
    values = m.right.map((value, i) => ({ value, pointer: child(rp, i) }));
  } else if (typeof m.right === 'string' && m.right.startsWith('@')) {
    ctx.sink.report('nft-unsupported', rp, 'ct state looked up in a named set');
    return null;
  } else values = rightItems(m.right, rp);
  if (!['==', '!=', 'in', '!'].includes(m.op)) return unsupportedOp(m, { kind: 'ctState' }, ctx, pointer);
  const states: CtState[] = [];
  for (const { value, pointer: at } of values) {
    const s = readCtState(elemValue(value));
    if (isBad(s)) {
      ctx.sink.report('nft-bad-value', at, s.bad.value, s.bad.expected);
      return null;
    }
    if (!states.includes(s.ok)) states.push(s.ok);
  }
  const negate = m.op === '!=' || m.op === '!';
  states.sort();
  return [shared(ctx, `ct ${states.join()} ${negate}`, () => test({ kind: 'ct', states, dnat: false }, negate))];
}

/**
 * `ct status dnat` / `ct status & dnat != 0` and their negations. Without a conntrack entry
 * (state invalid or untracked) nft cannot read ct status and the rule stops, negated or not: the
 * reader writes that as a state test before the status test.
 */
function ctStatusSteps(masked: boolean, m: Match, ctx: RuleContext, pointer: string): Step[] | null {
  const rp = child(pointer, 'right');
  let dnat: boolean;
  if (masked && (m.op === '==' || m.op === '!=')) {
    const zero = m.right === 0 || m.right === '0';
    if (!zero && isBad(readCtStatusDnat(m.right))) {
      ctx.sink.report('nft-bad-value', rp, JSON.stringify(m.right), "0 or 'dnat'");
      return null;
    }
    dnat = zero === (m.op === '!=');
  } else if (!masked && (m.op === 'in' || m.op === '!')) {
    const d = readCtStatusDnat(m.right);
    if (isBad(d)) {
      ctx.sink.report('nft-bad-value', rp, d.bad.value, d.bad.expected);
      return null;
    }
    dnat = m.op === 'in';
  } else {
    ctx.sink.report(
      'nft-unsupported',
      child(pointer, 'op'),
      `ct status with operator '${m.op}'${masked ? '' : ' (without a mask this compares the whole status word)'}`,
    );
    return null;
  }
  ctx.notes.add(
    'ct status is only readable for packets with a conntrack entry: a ct status test fails for ct state invalid and untracked, negated or not',
  );
  return [
    test({ kind: 'ct', states: ['established', 'new', 'related'], dnat: false }),
    test({ kind: 'ct', states: [], dnat: true }, !dnat),
  ];
}

/** `meta random & (2^k - 1) op T`: a uniform k-bit value compared with T — an exact probability. */
function randomSteps(bits: number, m: Match, ctx: RuleContext, pointer: string): Step[] | null {
  const t = readUnsigned(m.right, 32, 'a 32-bit threshold');
  if (isBad(t)) {
    ctx.sink.report('nft-bad-value', child(pointer, 'right'), t.bad.value, t.bad.expected);
    return null;
  }
  const n = 1n << BigInt(bits);
  const T = t.ok;
  const clamp = (x: bigint): bigint => (x < 0n ? 0n : x > n ? n : x);
  let count: bigint;
  switch (m.op) {
    case '==':
      count = T < n ? 1n : 0n;
      break;
    case '!=':
      count = T < n ? n - 1n : n;
      break;
    case '<':
      count = clamp(T);
      break;
    case '<=':
      count = clamp(T + 1n);
      break;
    case '>':
      count = clamp(n - 1n - T);
      break;
    case '>=':
      count = clamp(n - T);
      break;
    default:
      return unsupportedOp(m, { kind: 'random', bits }, ctx, pointer);
  }
  const p: Rational = rational(count, n);
  ctx.notes.add('meta random is a fresh uniform 32-bit value each time a rule reads it');
  return [shared(ctx, `random ${p.num}/${p.den}`, () => ({ kind: 'random', p }))];
}

/** `numgen random mod N offset O op V`: a numgen step with one branch that continues the rule. */
function numgenSteps(r: { mod: number; offset: number }, m: Match, ctx: RuleContext, pointer: string): Step[] | null {
  const rp = child(pointer, 'right');
  const ranges: NumberRange[] = [];
  const ordering = ['<', '<=', '>', '>='].includes(m.op);
  if (!['==', '!=', 'in'].includes(m.op) && !ordering) return unsupportedOp(m, r as Reader, ctx, pointer);
  for (const item of ordering ? [{ value: m.right, pointer: rp }] : rightItems(m.right, rp)) {
    const v = readNumberRange(elemValue(item.value), 32, 'a 32-bit number');
    if (isBad(v)) {
      ctx.sink.report('nft-bad-value', item.pointer, v.bad.value, v.bad.expected);
      return null;
    }
    if (ordering) {
      if (isObject(item.value)) return unsupportedOp(m, r as Reader, ctx, pointer);
      const range = orderedRange(m.op, BigInt(v.ok[0]), 0xffffffffn);
      if (range) ranges.push([Number(range[0]), Number(range[1])]);
    } else ranges.push(v.ok);
  }
  const lo = r.offset;
  const hi = r.offset + r.mod - 1;
  let values: readonly NumberRange[] = mergeRanges(ranges);
  if (m.op === '!=') {
    const complement: NumberRange[] = [];
    let next = lo;
    for (const [a, b] of values) {
      if (a > next) complement.push([next, Math.min(a - 1, hi)]);
      next = Math.max(next, b + 1);
    }
    if (next <= hi) complement.push([next, hi]);
    values = complement.filter(([a, b]) => a <= b && b >= lo && a <= hi);
  }
  const inside = values.map(([a, b]): NumberRange => [Math.max(a, lo), Math.min(b, hi)]).filter(([a, b]) => a <= b);
  if (inside.length === 0) return [NEVER];
  return [{ kind: 'numgen', modulus: r.mod, offset: r.offset, branches: [{ values: inside, steps: [] }] }];
}
