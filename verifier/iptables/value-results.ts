// What the iptables value parsers return: the value, or why not and whether iptables itself would
// refuse it ("invalid") or the model cannot express it ("unsupported").

export type Parsed<T> =
  | { ok: true; value: T }
  | { ok: false; code: 'ipt-invalid-value' | 'ipt-unsupported-value'; why: string };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const invalid = (why: string): Parsed<never> => ({ ok: false, code: 'ipt-invalid-value', why });
export const unsupported = (why: string): Parsed<never> => ({ ok: false, code: 'ipt-unsupported-value', why });

/**
 * A number written with a leading zero: iptables reads it as octal in some options (tcp and sctp
 * ports, multiport, a DNAT port, a prefix length, recent --seconds: `--dport 053` is 43, `/010` is
 * /8) and as decimal in others (udp ports): refused, not guessed. iptables-save never writes one.
 */
export const LEADING_ZERO = /^0[0-9]/;
export const leadingZero = (what: string): Parsed<never> =>
  unsupported(`${what} with a leading zero: iptables reads some such numbers as octal (053 is 43); write it without`);
