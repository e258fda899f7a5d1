// Load balancing as iptables does it: a cascade of independent random draws. kube-proxy's rule i of
// N (i < N-1) carries `--probability` = Go "%0.10f" of 1/(N-i); iptables stores
// lround(p * 2^31) and the kernel matches when (random & 0x7fffffff) < that threshold
// (xt_statistic). `meta random & 0x7fffffff < threshold` is the same test, so each rule of the nft
// cascade matches with exactly the probability of the corresponding iptables rule.

export const RANDOM_MASK = 0x7fffffff;

/** kube-proxy's probability text for 1/n (Go "%0.10f"). */
export const probabilityText = (n: number): string => (1 / n).toFixed(10);

/** The threshold iptables-restore stores for a probability text (libxt_statistic: lround(p * 2^31)). */
export const thresholdOf = (text: string): number => Math.round(Number(text) * 0x80000000);

/** Thresholds of the N-1 conditional rules for N endpoints (the last rule is unconditional). */
export function cascadeThresholds(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n - 1; i++) out.push(thresholdOf(probabilityText(n - i)));
  return out;
}
