// Load balancing as iptables does it: a cascade of independent random draws. kube-proxy's rule i of
// N (i < N-1) carries `--probability` = Go "%0.10f" of 1/(N-i); iptables-restore parses that text
// (strtod) and libxt_statistic stores lround(p * 2^31); the kernel (xt_statistic) matches when
// (random & 0x7fffffff) < that threshold. `meta random & 0x7fffffff < threshold` is the same test on
// a fresh 32-bit random value, so each rule of the nft cascade matches with exactly the probability
// of the corresponding iptables rule. The threshold must come from the 10-decimal text, not from
// 2^31/(N-i) directly: the two differ for many N (N = 44: 48806446 from the text, 48806447 direct).

export const RANDOM_MASK = 0x7fffffff;

const TWO31 = 0x80000000;
const TEN10 = 10n ** 10n;

/**
 * kube-proxy's probability text for 1/n: Go "%0.10f", i.e. the exact binary value of the double
 * 1/n rounded to 10 decimals, ties to even (JavaScript's toFixed rounds ties up: n = 2048 gives
 * 0.0004882813 there, Go prints 0.0004882812).
 */
export function probabilityText(n: number): string {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`probabilityText: n must be a positive integer, got ${n}`);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, 1 / n);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mant = biased === 0 ? fraction : fraction | (1n << 52n);
  const shift = BigInt(1075 - (biased === 0 ? 1 : biased)); // 1/n = mant / 2^shift, shift > 0 for n >= 1
  const num = mant * TEN10;
  let q = num >> shift;
  const rem = num - (q << shift);
  const half = 1n << (shift - 1n);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  const digits = q.toString().padStart(11, '0');
  return `${digits.slice(0, -10)}.${digits.slice(-10)}`;
}

/** The threshold iptables-restore stores for a probability text (libxt_statistic: lround(p * 2^31)). */
export const thresholdOf = (text: string): number => Math.floor(Number(text) * TWO31 + 0.5);

/** Thresholds of the N-1 conditional rules for N endpoints (the last rule is unconditional). */
export function cascadeThresholds(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n - 1; i++) out.push(thresholdOf(probabilityText(n - i)));
  return out;
}
