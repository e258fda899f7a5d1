// A count with its digits in groups of three ("1,247,491"), as toLocaleString('en-US') writes an
// integer, without it: the first toLocaleString loads ICU's locale data, 20–30 ms of a small verify.

/** `n` (an integer) with a comma between groups of three digits; anything else as toLocaleString writes it. */
export function groupedNumber(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}
