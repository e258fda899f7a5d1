// The reference evaluator's distribution for one concrete packet, keyed as the verifier observes
// outcomes, and the exact total-variation distance between two keyed distributions: what the
// property tests compare the artifacts' interpreters against (artifacts-property, random-edits),
// and a distribution written out for comparisons and messages.
import { evaluate } from '../../compiler/ir/evaluate.ts';
import {
  addRational,
  compareRational,
  outcomeKey,
  type Rational,
  rational,
  subRational,
} from '../../compiler/ir/outcome.ts';
import { concreteView, type Packet } from '../../compiler/ir/packet.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { observe } from '../../verifier/engine/observe.ts';

export type Dist = ReadonlyMap<string, Rational>;

/**
 * `observed`: the mark bits compared (0xffffffff: the whole mark); the IR owns only its masquerade
 * bit, so an accepted packet keeps the others as it arrived.
 */
export function irDistribution(ir: IRProgram, pk: Packet, observed = ir.masqueradeMark): Dist {
  const out = new Map<string, Rational>();
  const kept = (pk.mark & observed & ~ir.masqueradeMark) >>> 0;
  for (const w of evaluate(ir, concreteView(pk))) {
    const o = w.outcome.verdict === 'accept' ? { ...w.outcome, mark: (w.outcome.mark | kept) >>> 0 } : w.outcome;
    const k = outcomeKey(observe(o, observed));
    const prev = out.get(k);
    out.set(k, prev ? addRational(prev, w.p) : w.p);
  }
  for (const [k, p] of out) if (p.num === 0n) out.delete(k);
  return out;
}

/** ½ Σ |a(o) − b(o)|, exact (not reduced). */
export function totalVariation(a: Dist, b: Dist): Rational {
  let sum = rational(0);
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(k) ?? rational(0);
    const y = b.get(k) ?? rational(0);
    sum = addRational(sum, compareRational(x, y) >= 0 ? subRational(x, y) : subRational(y, x));
  }
  return { num: sum.num, den: sum.den * 2n };
}

/** A distribution as sorted `outcome @ num/den` lines (for comparing and for messages). */
export const showDist = (d: ReadonlyMap<string, { num: bigint; den: bigint }>): string[] =>
  [...d.entries()].map(([k, p]) => `${k} @ ${p.num}/${p.den}`).sort();
