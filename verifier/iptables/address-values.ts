// iptables addresses and prefixes (`-s`, `-d`, a dotted mask), read exactly as iptables reads them
// or refused (values.ts has the other option values).
import { canonicalIPv4At, type Family, familyBits, formatIP, parseIPStrict } from '../../common/ip.ts';
import type { AddressRange } from '../model/program.ts';
import { invalid, LEADING_ZERO, leadingZero, ok, type Parsed, unsupported } from './value-results.ts';

export interface ParsedAddress {
  family: Family;
  range: AddressRange;
}

export function parseHost(text: string): Parsed<{ family: Family; value: bigint }> {
  const fast = canonicalIPv4At(text);
  if (fast >= 0) return ok({ family: 'ipv4', value: BigInt(fast) });
  const r = parseIPStrict(text);
  if (r.ok) return ok({ family: r.value.family, value: r.value.value });
  if (/^[0-9.]+$/.test(text) && r.suggestion !== undefined) {
    // iptables reads each part as strtoul base 0: octal after a leading zero
    const octal = text
      .split('.')
      .map((p) => (/^0[0-7]+$/.test(p) ? Number.parseInt(p, 8) : /^(0|[1-9][0-9]*)$/.test(p) ? Number(p) : NaN));
    const reads = octal.length === 4 && octal.every((n) => n <= 255) ? `, ${octal.join('.')} here` : '';
    return invalid(
      `a number has a leading zero, which iptables reads as octal${reads} (write ${r.suggestion} if that is meant)`,
    );
  }
  if (/^[A-Za-z][A-Za-z0-9.-]*$/.test(text) && !text.includes(':')) {
    return unsupported('a host name; iptables would resolve it when loading, so the ruleset would depend on DNS');
  }
  // iptables completes a network address with zeros (xtables' numeric_to_ipaddr, measured by a
  // review), each part read as strtoul base 0 reads it up to 255: said only for plain decimal parts
  const parts = text.split('.');
  if (parts.length < 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) {
    const full = [...parts, '0', '0', '0'].slice(0, 4).join('.');
    return unsupported(`a short address form; iptables reads it as ${full} (write that)`);
  }
  return invalid(r.reason);
}

/** `-s`/`-d` values: ADDR, ADDR/LEN or ADDR/MASK (a netmask written as an address); iptables masks host bits off. */
export function parseAddress(text: string): Parsed<ParsedAddress> {
  const fast = text.length <= 15 ? canonicalIPv4At(text) : -1;
  return fast >= 0 ? ipv4Address(fast) : parseAddressSlow(text);
}

/** The parse of a canonical dotted quad whose value canonicalIPv4At gave. */
const ipv4Address = (value: number): Parsed<ParsedAddress> => ok({ family: 'ipv4', range: ipv4Range(value) });

/** The one-address range of a canonical dotted quad whose value canonicalIPv4At gave. */
export function ipv4Range(value: number): AddressRange {
  const v = BigInt(value);
  return [v, v];
}

function parseAddressSlow(text: string): Parsed<ParsedAddress> {
  if (text.includes(',')) {
    return unsupported('iptables expands an address list into one rule per address; write one address per rule');
  }
  const slash = text.indexOf('/');
  const host = parseHost(slash < 0 ? text : text.slice(0, slash));
  if (!host.ok) return host;
  const { family, value } = host.value;
  const bits = familyBits(family);
  let prefix = bits;
  if (slash >= 0) {
    const mask = text.slice(slash + 1);
    if (LEADING_ZERO.test(mask)) return leadingZero('a prefix length');
    if (/^[0-9]{1,3}$/.test(mask)) {
      prefix = Number(mask);
      if (prefix > bits) return invalid(`prefix length ${prefix} is larger than ${bits}`);
    } else if ((family === 'ipv4' && mask.includes('.')) || (family === 'ipv6' && mask.includes(':'))) {
      // a netmask written as an address of the family (ip6tables takes `/ffff:ffff::` too)
      const m = parseHost(mask);
      if (!m.ok || m.value.family !== family) return invalid(`'${mask}' is not a netmask`);
      const all = (1n << BigInt(bits)) - 1n;
      const inverse = ~m.value.value & all;
      if ((inverse & (inverse + 1n)) !== 0n) {
        return unsupported('a non-contiguous netmask does not describe one address range');
      }
      prefix = bits - (inverse === 0n ? 0 : inverse.toString(2).length);
    } else {
      return invalid(`'${mask}' is not a prefix length`);
    }
  }
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  const first = value & ~hostMask;
  return ok({ family, range: [first, first | hostMask] });
}

/** The all-ones mask of a family as written (recent --mask): true when `text` is it. */
export function isAllOnesMask(text: string): Parsed<Family> {
  const h = parseHost(text);
  if (!h.ok) return h;
  const bits = familyBits(h.value.family);
  if (h.value.value !== (1n << BigInt(bits)) - 1n) {
    return unsupported(
      `the model's affinity records are keyed by the whole address; only ${formatIP(h.value.family, (1n << BigInt(bits)) - 1n)} is supported`,
    );
  }
  return ok(h.value.family);
}
