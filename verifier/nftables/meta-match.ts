// nft matches on a packet's metadata and conntrack state, mapped onto the model's steps: the mark
// (masked, xored, or compared as a prefix), ct state and ct status dnat, `meta random` against a
// threshold and `numgen` buckets. Payload fields and sets are match.ts.
import { type Rational, rational } from '../../compiler/ir/outcome.ts';
import type { CtState } from '../../compiler/ir/packet.ts';
import type { NumberRange, Step } from '../model/program.ts';
import { type RuleContext, shared } from './context.ts';
import type { Reader } from './keys.ts';
import { type Match, NEVER, orderedRange, test, unsupportedOp } from './match-base.ts';
import { elemValue, rightItems } from './parts.ts';
import { child } from './pointer.ts';
import {
  isBad,
  isObject,
  mergeRanges,
  readCtState,
  readCtStatusDnat,
  readMarkOperand,
  readNumberRange,
  readUnsigned,
  WHOLE_MARK,
} from './values.ts';

export function markSteps(
  r: { mask: number; xor: number },
  m: Match,
  ctx: RuleContext,
  pointer: string,
): Step[] | null {
  // a listed prefix may hold bits below it, as the kernel does, when it stands for the whole test
  const v = readMarkOperand(m.right, ctx.form === 'listing' && r.mask === WHOLE_MARK && r.xor === 0);
  if (isBad(v)) {
    ctx.sink.report('nft-bad-value', child(pointer, 'right'), v.bad.value, v.bad.expected);
    return null;
  }
  const whole = v.ok.mask === WHOLE_MARK;
  // no '!' (nft refuses it for the mark, an integer: "negation can only be used with singleton
  // bitmask values", and with a mask "cannot combine negation with binary expression"; measured);
  // a prefix is listed with == and != only
  if (!['==', '!=', ...(whole ? ['in'] : [])].includes(m.op)) {
    return unsupportedOp(m, { kind: 'mark', ...r }, ctx, pointer);
  }
  const negate = m.op === '!=';
  // ((mark & r.mask) ^ r.xor) compared on the operand's bits (a listed prefix's bits below it, on
  // a bare mark, are compared too: then it never matches)
  const mask = (r.mask & v.ok.mask) >>> 0;
  const value = (v.ok.value ^ (r.xor & v.ok.mask)) >>> 0;
  // Bits outside the mask can never be set in (mark & mask).
  if ((value & ~mask) >>> 0 !== 0) return negate ? [] : [NEVER];
  return [test({ kind: 'mark', mask, value }, negate)];
}

export function ctStateSteps(m: Match, ctx: RuleContext, pointer: string): Step[] | null {
  const rp = child(pointer, 'right');
  let values: { value: unknown; pointer: string }[];
  if (Array.isArray(m.right)) {
    // == and != compare the state bits with the states' OR: exact, so with several states == holds
    // for no packet and != for every one (measured: `cmp neq reg 1 0x00000006`)
    if ((m.op === '==' || m.op === '!=') && m.right.length > 1) {
      ctx.sink.report(
        'nft-unsupported',
        rp,
        `ct state ${m.op} with several states (an exact comparison of the state bits; 'in' tests any of them)`,
      );
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
export function ctStatusSteps(masked: boolean, m: Match, ctx: RuleContext, pointer: string): Step[] | null {
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
export function randomSteps(bits: number, m: Match, ctx: RuleContext, pointer: string): Step[] | null {
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
export function numgenSteps(
  r: { mod: number; offset: number },
  m: Match,
  ctx: RuleContext,
  pointer: string,
): Step[] | null {
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
