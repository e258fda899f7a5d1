// The statements that end a packet's walk with a translation or an answer: dnat (to a constant or
// through a map), masquerade, reject.
import { formatIP } from '../../common/ip.ts';
import { L4_PROTOCOLS, type L4Protocol } from '../../compiler/ir/packet.ts';
import type { Step, Verdict } from '../model/program.ts';
import type { RuleContext } from './context.ts';
import { lookupSteps } from './lookup.ts';
import { PORT_PROTOCOLS, protocolsOf } from './parts.ts';
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
    // nft refuses it outside inet, bridge and netdev tables ("abstracted ICMP unreachable not supported")
    if (ctx.nftFamily === 'ip' || ctx.nftFamily === 'ip6') return bad(`icmpx ${code}`);
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
  const steps = dnatTargetSteps(body, ctx, p);
  if (steps === null || portsGuarded(steps.at(-1)!, ctx)) return steps;
  ctx.sink.report('nft-unguarded-nat-port', p);
  return null;
}

/**
 * Whether every DNAT `last` can take that sets a port happens to a packet of a protocol with ports.
 * nft refuses a port mapping unless the rule has fixed the transport protocol ("transport protocol
 * mapping is only valid after transport protocol match"); the model has no meaning for a port
 * given to another protocol. Fixed means by the rule's earlier tests (the guard) or, for a map,
 * by the key of each element that can select a DNAT with a port.
 */
function portsGuarded(last: Step, ctx: RuleContext): boolean {
  const guarded = (protocols: readonly L4Protocol[]) =>
    protocols.every((x) => !ctx.guard.includes(x) || (PORT_PROTOCOLS as readonly string[]).includes(x));
  switch (last.kind) {
    case 'verdict':
      return last.verdict.kind !== 'dnat' || last.verdict.port === null || guarded(L4_PROTOCOLS);
    case 'numgen':
      return last.branches.every((b) => b.steps.every((s) => portsGuarded(s, ctx)));
    case 'dispatch':
      return guarded(portedProtocols(last));
    default:
      return true;
  }
}

/**
 * The protocols of a dispatch's elements that select a DNAT with a port (kept per shared dispatch).
 * A ported dispatch (`dnatPort`) gives every element a port, so its answer is every element's
 * protocols: kept per element list, which the map's dispatches for each target port share.
 */
const portedByDispatch = new WeakMap<object, readonly L4Protocol[]>();
function portedProtocols(d: Extract<Step, { kind: 'dispatch' }>): readonly L4Protocol[] {
  const owner = d.dnatPort !== undefined ? d.elements : d;
  let known = portedByDispatch.get(owner);
  if (known === undefined) {
    const all = new Set<L4Protocol>();
    for (const e of d.elements) {
      const ported =
        d.dnatPort !== undefined ||
        e.steps.some((s) => s.kind === 'verdict' && s.verdict.kind === 'dnat' && s.verdict.port !== null);
      if (ported) for (const x of protocolsOf(e.parts)) all.add(x);
    }
    portedByDispatch.set(owner, (known = L4_PROTOCOLS.filter((x) => all.has(x))));
  }
  return known;
}

function dnatTargetSteps(
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
  // The same target recurs in many rules and map elements: read once, one shared step, looked up
  // by the value as written and the port (no key text per map element). Only a string or a number
  // reads as an address: anything else is refused below, and never cached.
  let byPort = ctx.dnats.get(addr);
  const cached = byPort?.get(p);
  if (cached) return [cached];
  const a = readAddress(addr, ctx.family);
  if (isBad(a)) {
    ctx.sink.report('nft-bad-value', pointer, a.bad.value, a.bad.expected);
    return null;
  }
  const step = verdict({ kind: 'dnat', ip: formatIP(ctx.family, a.ok), port: p });
  if (byPort === undefined) ctx.dnats.set(addr, (byPort = new Map()));
  byPort.set(p, step);
  return [step];
}
