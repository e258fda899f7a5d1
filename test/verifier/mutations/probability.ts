// Kernel-level probabilities, computed here with BigInt and independently of the verifier: iptables
// stores `--probability p` as lround(p · 2^31) and xt_statistic passes a packet when a random
// 31-bit number is below that threshold; ksvc's nft cascade compares `meta random & 0x7fffffff`
// with the same threshold.
import { notApplied } from './types.ts';

const TWO31 = 1n << 31n;

/** lround(p · 2^31) for a decimal p, exactly; throws when p·2^31 lies within 10^-6 of a rounding boundary. */
export function thresholdOf(decimal: string): bigint {
  const m = /^([01])\.(\d+)$/.exec(decimal);
  if (!m) notApplied(`not a plain decimal: ${decimal}`);
  const den = 10n ** BigInt(m[2]!.length);
  const num = BigInt(m[1]!) * den + BigInt(m[2]!);
  const scaled = num * TWO31;
  const frac = scaled % den;
  // iptables computes p·2^31 in double precision; away from .5 the double's error cannot change lround
  const fromHalf = 2n * frac - den;
  if ((fromHalf < 0n ? -fromHalf : fromHalf) * 1_000_000n <= den)
    notApplied(`${decimal}: too close to a rounding boundary`);
  return (2n * scaled + den) / (2n * den);
}

/** A 12-digit decimal whose threshold is exactly `t` (checked). */
export function decimalFor(t: bigint): string {
  const digits = 10n ** 12n;
  const d = (t * digits + TWO31 / 2n) / TWO31;
  const text = `${d / digits}.${(d % digits).toString().padStart(12, '0')}`;
  if (thresholdOf(text) !== t) notApplied(`${text} does not have threshold ${t}`);
  return text;
}

/** The decimal that moves `decimal`'s threshold by `delta` units of 2^-31 (exactly; checked). */
export function shiftedProbability(decimal: string, delta: bigint): string {
  const t = thresholdOf(decimal);
  const shifted = decimalFor(t + delta);
  if (thresholdOf(shifted) - t !== delta) notApplied(`threshold of ${shifted} is not ${t} + ${delta}`);
  return shifted;
}
