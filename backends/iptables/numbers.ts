// Number spellings that must match Go's fmt and libxtables' printf exactly.

const TWO31 = 0x80000000;

/** Exact value of a finite non-negative double as mantissa * 2^exp (BigInt mantissa). */
function decompose(x: number): { mant: bigint; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { mant: frac, exp: -1074 };
  return { mant: frac | (1n << 52n), exp: biased - 1075 };
}

/** num/den rounded to the nearest integer, ties to even (BigInt, den > 0). */
function roundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && q % 2n === 1n)) return q + 1n;
  return q;
}

function fixed(scaled: bigint, digits: number): string {
  const s = scaled.toString().padStart(digits + 1, '0');
  return `${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}`;
}

/** C/Go "%.{digits}f" of a non-negative double: the exact binary value, rounded half to even. */
export function formatFixed(x: number, digits: number): string {
  const { mant, exp } = decompose(x);
  const pow10 = 10n ** BigInt(digits);
  const scaled = exp >= 0 ? mant * (1n << BigInt(exp)) * pow10 : roundHalfEven(mant * pow10, 1n << BigInt(-exp));
  return fixed(scaled, digits);
}

const restoreCache = new Map<number, string>();
const saveCache = new Map<number, string>();

/** kube-proxy's probability token: Go fmt "%0.10f" of 1.0/n. */
export function restoreProbability(n: number): string {
  let s = restoreCache.get(n);
  if (s === undefined) restoreCache.set(n, (s = formatFixed(1 / n, 10)));
  return s;
}

/**
 * What iptables-save prints for that token: libxt_statistic stores lround(p * 2^31) of the parsed
 * text and prints "%.11f" of stored / 2^31.
 */
export function saveProbability(n: number): string {
  let s = saveCache.get(n);
  if (s === undefined) saveCache.set(n, (s = computeSaveProbability(n)));
  return s;
}

function computeSaveProbability(n: number): string {
  const p = Number(restoreProbability(n));
  const stored = Math.floor(p * TWO31 + 0.5); // lround: half away from zero (p >= 0)
  // stored / 2^31 is exact in binary; print it with 11 digits, half to even like glibc.
  return fixed(roundHalfEven(BigInt(stored) * 10n ** 11n, BigInt(TWO31)), 11);
}

/** Go "%#08x": "0x" then at least 8 hex digits (the masquerade mark in restore input). */
export const goHex08 = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;

/** iptables-save's mark spelling: "0x" + minimal hex. */
export const saveHex = (v: number): string => `0x${(v >>> 0).toString(16)}`;
