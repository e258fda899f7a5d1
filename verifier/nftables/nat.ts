// The statements that end a packet's walk with a translation or an answer: dnat (to a constant or
// through a map), masquerade, reject.
import { formatIP } from '../../common/ip.ts';
import type { Step, Verdict } from '../model/program.ts';
import { type RuleContext, shared } from './context.ts';
import { lookupSteps } from './lookup.ts';
import { child } from './pointer.ts';
import { isBad, isObject, readAddress, readUnsigned } from './values.ts';

const verdict = (v: Verdict): Step => ({ kind: 'verdict', verdict: v });

const ICMP_CODES = [
  'net-unreachable',
  'host-unreachable',
  'prot-unreachable',
  'port-unreachable',
  'net-prohibited',
  'host-prohibited',
  'admin-prohibited',
];
const ICMPV6_CODES = [
  'no-route',
  'admin-prohibited',
  'addr-unreachable',
  'port-unreachable',
  'policy-fail',
  'reject-route',
];
/** icmpx codes per family (the kernel's nft_reject_icmp_code / nft_reject_icmpv6_code). */
const ICMPX: Record<string, [string, string]> = {
  'port-unreachable': ['port-unreachable', 'port-unreachable'],
  'admin-prohibited': ['admin-prohibited', 'admin-prohibited'],
  'no-route': ['net-unreachable', 'no-route'],
  'host-unreachable': ['host-unreachable', 'addr-unreachable'],
};

/**
 * `reject`: the kind named as nft names the ICMP (ICMPv6) code, or 'tcp-reset'. `with tcp reset`
 * only ever applies to TCP packets: nft adds a `meta l4proto tcp` test to the rule (not listed).
 */
export function rejectSteps(
  body: { type?: string; expr?: string } | null,
  ctx: RuleContext,
  pointer: string,
): Step[] | null {
  ctx.hookNeeds.push({ what: 'reject', pointer });
  const v4 = ctx.family === 'ipv4';
  const type = body?.type;
  const code = body?.expr ?? 'port-unreachable';
  const bad = (what: string): null => {
    ctx.sink.report('nft-bad-value', pointer, what, `a reject kind for a table of family ${ctx.nftFamily}`);
    return null;
  };
  if (type === 'tcp reset') {
    ctx.notes.add("reject with tcp reset applies to TCP packets only (nft adds 'meta l4proto tcp' to the rule)");
    return [
      { kind: 'test', test: { kind: 'fields', parts: [{ field: 'l4proto', protocols: ['tcp'] }] }, negate: false },
      verdict({ kind: 'reject', with: 'tcp-reset' }),
    ];
  }
  let kind: string;
  if (type === undefined || type === (v4 ? 'icmp' : 'icmpv6')) {
    if (!(v4 ? ICMP_CODES : ICMPV6_CODES).includes(code)) return bad(`${type ?? 'icmp'} ${code}`);
    kind = code;
  } else if (type === 'icmpx') {
    const mapped = ICMPX[code];
    if (!mapped) return bad(`icmpx ${code}`);
    kind = v4 ? mapped[0] : mapped[1];
  } else return bad(String(type));
  return [verdict({ kind: 'reject', with: kind })];
}

function natFlagsOk(flags: unknown, allowed: readonly string[], ctx: RuleContext, pointer: string): boolean {
  const list = flags === undefined ? [] : Array.isArray(flags) ? flags : [flags];
  const extra = list.filter((f) => !allowed.includes(f as string));
  if (extra.length > 0) ctx.sink.report('nft-unsupported', pointer, `NAT flag(s) ${extra.join(', ')}`);
  return extra.length === 0;
}

export function masqueradeSteps(
  body: { flags?: unknown; port?: unknown } | null,
  ctx: RuleContext,
  p: string,
): Step[] | null {
  ctx.hookNeeds.push({ what: 'masquerade', pointer: p });
  if (body?.port !== undefined) {
    ctx.sink.report('nft-unsupported', child(p, 'port'), 'masquerade to a port');
    return null;
  }
  if (!natFlagsOk(body?.flags, ['fully-random'], ctx, child(p, 'flags'))) return null;
  const flags = body?.flags === undefined ? [] : Array.isArray(body.flags) ? body.flags : [body.flags];
  return [verdict({ kind: 'masquerade', fullyRandom: flags.includes('fully-random') })];
}

export function dnatSteps(
  body: { addr: unknown; port?: unknown; family?: string; flags?: unknown },
  ctx: RuleContext,
  p: string,
): Step[] | null {
  ctx.hookNeeds.push({ what: 'dnat', pointer: p });
  if (body.family !== undefined && body.family !== ctx.nftFamily) {
    ctx.sink.report('nft-family-mismatch', child(p, 'family'), `dnat ${body.family}`, ctx.nftFamily);
    return null;
  }
  if (!natFlagsOk(body.flags, [], ctx, child(p, 'flags'))) return null;
  let port: number | null = null;
  if (body.port !== undefined) {
    const v = readUnsigned(body.port, 16, 'a port number');
    if (isBad(v)) {
      if (isObject(body.port))
        ctx.sink.report('nft-unsupported', child(p, 'port'), 'a DNAT port that is not one constant');
      else ctx.sink.report('nft-bad-value', child(p, 'port'), v.bad.value, v.bad.expected);
      return null;
    }
    port = Number(v.ok);
  }
  const addrAt = child(p, 'addr');
  if (isObject(body.addr) && isObject(body.addr.map)) {
    const m = body.addr.map as { key: unknown; data: unknown };
    const at = child(addrAt, 'map');
    if (port === null) {
      // The values read the same for every such rule: valueKey lets the lookup reuse them.
      return lookupSteps(m.key, m.data, 'nat', ctx, at, (value, p) => natTarget(value, null, ctx, p), 'nat null');
    }
    // The map gives the address, the statement the port: the elements are read once for every
    // port (dnatPort). An `address . port` value with a statement port is reported by natTarget.
    const addressOnly = (value: unknown, p: string) =>
      natTarget(value, isObject(value) && Array.isArray(value.concat) ? port : null, ctx, p);
    return lookupSteps(m.key, m.data, 'nat', ctx, at, addressOnly, 'nat address', port);
  }
  if (isObject(body.addr)) {
    ctx.sink.report('nft-unsupported', addrAt, 'a DNAT to an address range or computed address');
    return null;
  }
  return natTarget(body.addr, port, ctx, addrAt);
}

/** A DNAT target: an address (with the statement's port), or a map value `address . port`. */
function natTarget(value: unknown, port: number | null, ctx: RuleContext, pointer: string): Step[] | null {
  let addr = value;
  let p = port;
  if (isObject(value) && Array.isArray(value.concat)) {
    if (value.concat.length !== 2 || port !== null) {
      ctx.sink.report('nft-bad-value', pointer, JSON.stringify(value), 'an address . port DNAT target');
      return null;
    }
    const v = readUnsigned(value.concat[1], 16, 'a port number');
    if (isBad(v)) {
      ctx.sink.report('nft-bad-value', child(child(pointer, 'concat'), 1), v.bad.value, v.bad.expected);
      return null;
    }
    addr = value.concat[0];
    p = Number(v.ok);
  }
  // The same target recurs in many rules and map elements: read once, one shared step.
  const key = `dnat ${typeof addr} ${String(addr)} ${p}`;
  const cached = ctx.cache.get(key);
  if (cached) return [cached];
  const a = readAddress(addr, ctx.family);
  if (isBad(a)) {
    ctx.sink.report('nft-bad-value', pointer, a.bad.value, a.bad.expected);
    return null;
  }
  return [shared(ctx, key, () => verdict({ kind: 'dnat', ip: formatIP(ctx.family, a.ok), port: p }))];
}
