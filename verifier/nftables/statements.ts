// One rule's statements as model steps, left to right: verdicts, matches, verdict maps and maps
// (a dispatch, or a numgen step when keyed by `numgen random`), mark writes, DNAT, masquerade,
// reject, affinity updates, and the statements with no effect on a packet (counter, log).
import { formatIP } from '../../common/ip.ts';
import type { Step, Verdict } from '../model/program.ts';
import { type RuleContext, shared } from './context.ts';
import type { SetState } from './document.ts';
import { readKey, readScalar } from './keys.ts';
import { dependencySteps, matchSteps, NEVER, portGuardHolds, type sortElements } from './match.ts';
import { elementParts, elemValue, partsKey } from './parts.ts';
import { child } from './pointer.ts';
import { affinityKey, affinityTimeout, isDynamic, keyFitsSet } from './sets.ts';
import { isBad, isObject, readAddress, readNumberRange, readUnsigned } from './values.ts';

/** The steps of a rule, or null when a statement could not be read (reported). */
export function ruleSteps(expr: readonly unknown[], pointer: string, ctx: RuleContext): Step[] | null {
  const steps: Step[] = [];
  let ok = true;
  const at = `${pointer}/expr/`;
  for (let i = 0; i < expr.length; i++) {
    const s = statementSteps(expr[i] as Record<string, unknown>, ctx, at + i);
    if (s === null) ok = false;
    else for (const step of s) steps.push(step);
  }
  return ok ? steps : null;
}

const verdict = (v: Verdict): Step => ({ kind: 'verdict', verdict: v });
const FINAL: Record<'accept' | 'drop' | 'return', Step> = {
  accept: verdict({ kind: 'accept' }),
  drop: verdict({ kind: 'drop' }),
  return: verdict({ kind: 'return' }),
};

function statementSteps(stmt: Record<string, unknown>, ctx: RuleContext, pointer: string): Step[] | null {
  const [kind] = Object.keys(stmt);
  const body = stmt[kind!];
  const at = child(pointer, kind!);
  switch (kind) {
    case 'accept':
    case 'drop':
    case 'return':
      return [FINAL[kind]];
    case 'continue':
      return [{ kind: 'noop', what: 'continue' }];
    case 'jump':
    case 'goto':
    case 'match':
      if (kind === 'match') return matchSteps(body as never, ctx, at);
      return verdictSteps(stmt, ctx, pointer);
    case 'vmap': {
      const { key, data } = body as { key: unknown; data: unknown };
      return lookupSteps(key, data, 'verdict', ctx, at, (v, p) => verdictSteps(v, ctx, p));
    }
    case 'mangle':
      return mangleSteps(body as { key: unknown; value: unknown }, ctx, at);
    case 'counter':
    case 'log':
      ctx.notes.add('counter and log statements do not change what happens to a packet');
      return [{ kind: 'noop', what: kind }];
    case 'reject':
      return rejectSteps(body as { type?: string; expr?: string } | null, ctx, at);
    case 'dnat':
      return dnatSteps(body as { addr: unknown; port?: unknown; family?: string; flags?: unknown }, ctx, at);
    case 'masquerade':
      return masqueradeSteps(body as { flags?: unknown; port?: unknown } | null, ctx, at);
    case 'set':
      return updateSteps(body as { op: string; elem: unknown; set: string }, ctx, at);
  }
  ctx.sink.report('nft-unknown-statement', pointer, String(kind));
  return null;
}

/** A verdict object (statement or map value) as steps; `continue` is no step at all. */
function verdictSteps(v: unknown, ctx: RuleContext, pointer: string): Step[] | null {
  if (!isObject(v)) {
    ctx.sink.report('nft-bad-value', pointer, JSON.stringify(v), 'a verdict');
    return null;
  }
  const [kind] = Object.keys(v);
  switch (kind) {
    case 'accept':
    case 'drop':
    case 'return':
      return [FINAL[kind]];
    case 'continue':
      return [];
    case 'jump':
    case 'goto': {
      const target = (v[kind] as { target: string }).target;
      if (!ctx.table.chains.has(target)) {
        ctx.sink.report(
          'nft-missing-reference',
          child(child(pointer, kind), 'target'),
          'chain',
          target,
          `table ${ctx.nftFamily} ${ctx.table.name}`,
        );
        return null;
      }
      return [shared(ctx, `${kind} ${target}`, () => verdict({ kind, chain: ctx.chainId(target) }))];
    }
  }
  ctx.sink.report(
    'nft-bad-value',
    pointer,
    JSON.stringify(v),
    'a verdict (accept, drop, return, continue, jump, goto)',
  );
  return null;
}

type ValueSteps = (value: unknown, pointer: string) => Step[] | null;

/** The elements a map expression's data names: a named map's, or an anonymous map's pairs. */
function mapElements(
  data: unknown,
  expect: 'verdict' | 'nat',
  ctx: RuleContext,
  pointer: string,
): { set: SetState | null; items: { key: unknown; value: unknown; pointer: string }[] } | null {
  if (typeof data === 'string' && data.startsWith('@')) {
    const name = data.slice(1);
    const set = ctx.table.sets.get(name);
    if (!set) {
      ctx.sink.report('nft-missing-reference', pointer, 'map', name, `table ${ctx.nftFamily} ${ctx.table.name}`);
      return null;
    }
    const isVerdict = set.dataType === 'verdict';
    if (set.kind !== 'map' || isVerdict !== (expect === 'verdict') || isDynamic(set)) {
      ctx.sink.report(
        'nft-bad-value',
        pointer,
        `'${name}'`,
        expect === 'verdict' ? 'a verdict map' : 'a map to addresses (and ports)',
      );
      return null;
    }
    return {
      set,
      items: [...set.elements.values()].map((e) => ({ key: e.key, value: e.data, pointer: e.pointer })),
    };
  }
  if (isObject(data) && Array.isArray(data.set)) {
    const at = child(pointer, 'set');
    const items: { key: unknown; value: unknown; pointer: string }[] = [];
    for (const [i, pair] of data.set.entries()) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        ctx.sink.report('nft-bad-value', child(at, i), JSON.stringify(pair), 'a [key, value] pair');
        return null;
      }
      items.push({ key: elemValue(pair[0]), value: pair[1], pointer: child(at, i) });
    }
    return { set: null, items };
  }
  ctx.sink.report('nft-bad-value', pointer, JSON.stringify(data), 'a named map (@name) or an anonymous map');
  return null;
}

/**
 * A lookup that branches (vmap, or the map of a dnat): by `numgen random mod N` a numgen step,
 * otherwise a dispatch on packet fields. Each element's value becomes that branch's steps.
 */
function lookupSteps(
  keyExpr: unknown,
  data: unknown,
  expect: 'verdict' | 'nat',
  ctx: RuleContext,
  pointer: string,
  valueSteps: ValueSteps,
): Step[] | null {
  const readers = readKey(keyExpr, ctx, child(pointer, 'key'));
  if (!readers) return null;
  const map = mapElements(data, expect, ctx, child(pointer, 'data'));
  if (!map) return null;
  if (map.set && !keyFitsSet(readers, map.set, ctx, child(pointer, 'key'))) return null;
  // Both named and anonymous map elements point at their [key, value] pair.
  const key = (p: string): string => child(p, 0);
  const value = (p: string): string => child(p, 1);
  const [first] = readers;
  if (readers.length === 1 && first!.kind === 'numgen') {
    const branches: { values: [number, number][]; steps: Step[] }[] = [];
    for (const item of map.items) {
      const v = readNumberRange(item.key, 32, 'a numgen value');
      if (isBad(v)) {
        ctx.sink.report('nft-bad-value', key(item.pointer), v.bad.value, v.bad.expected);
        return null;
      }
      const steps = valueSteps(item.value, value(item.pointer));
      if (!steps) return null;
      branches.push({ values: [[v.ok[0], v.ok[1]]], steps });
    }
    branches.sort((a, b) => a.values[0]![0] - b.values[0]![0]);
    return [{ kind: 'numgen', modulus: first.mod, offset: first.offset, branches }];
  }
  const steps = dependencySteps(readers, ctx);
  const elements: { parts: ReturnType<typeof sortElements>[number]; steps: Step[] }[] = [];
  for (const item of map.items) {
    const parts = elementParts(readers, item.key, ctx, key(item.pointer));
    if (!parts) return null;
    const then = valueSteps(item.value, value(item.pointer));
    if (!then) return null;
    if (parts !== 'never') elements.push({ parts, steps: then });
  }
  if (
    !portGuardHolds(
      readers,
      elements.map((e) => e.parts),
      ctx,
    )
  ) {
    ctx.sink.report('nft-unguarded-port', child(pointer, 'key'), 'this lookup');
    return null;
  }
  const keyed = elements.map((e) => ({ e, k: partsKey(e.parts) }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  steps.push(elements.length === 0 ? NEVER : { kind: 'dispatch', elements: keyed.map((x) => x.e) });
  return steps;
}

function mangleSteps(body: { key: unknown; value: unknown }, ctx: RuleContext, pointer: string): Step[] | null {
  const k = isObject(body.key) && isObject(body.key.meta) ? body.key.meta.key : null;
  if (k === 'nftrace') return [{ kind: 'noop', what: 'meta nftrace set' }];
  if (k !== 'mark') {
    ctx.sink.report('nft-unsupported', child(pointer, 'key'), 'writing anything but meta mark');
    return null;
  }
  const vp = child(pointer, 'value');
  if (!isObject(body.value)) {
    const v = readUnsigned(body.value, 32, 'a 32-bit mark');
    if (isBad(v)) {
      ctx.sink.report('nft-bad-value', vp, v.bad.value, v.bad.expected);
      return null;
    }
    return [{ kind: 'mark', op: 'set', value: Number(v.ok) }];
  }
  const r = readScalar(body.value, ctx, vp);
  if (!r) return null;
  if (r.kind !== 'mark') {
    ctx.sink.report('nft-unsupported', vp, 'a mark computed from anything but meta mark and constants');
    return null;
  }
  // The new mark is (mark & mask) ^ xor; say it with the fewest model operations.
  const { mask, xor } = r;
  const all = 0xffffffff;
  if (mask === 0) return [{ kind: 'mark', op: 'set', value: xor }];
  if (xor === 0) return mask === all ? [] : [{ kind: 'mark', op: 'and', value: mask }];
  if (mask === all) return [{ kind: 'mark', op: 'xor', value: xor }];
  if (mask === (~xor & all) >>> 0) return [{ kind: 'mark', op: 'or', value: xor }];
  return [
    { kind: 'mark', op: 'and', value: mask },
    { kind: 'mark', op: 'xor', value: xor },
  ];
}

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
function rejectSteps(body: { type?: string; expr?: string } | null, ctx: RuleContext, pointer: string): Step[] | null {
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

function masqueradeSteps(body: { flags?: unknown; port?: unknown } | null, ctx: RuleContext, p: string): Step[] | null {
  ctx.hookNeeds.push({ what: 'masquerade', pointer: p });
  if (body?.port !== undefined) {
    ctx.sink.report('nft-unsupported', child(p, 'port'), 'masquerade to a port');
    return null;
  }
  if (!natFlagsOk(body?.flags, ['fully-random'], ctx, child(p, 'flags'))) return null;
  const flags = body?.flags === undefined ? [] : Array.isArray(body.flags) ? body.flags : [body.flags];
  return [verdict({ kind: 'masquerade', fullyRandom: flags.includes('fully-random') })];
}

function dnatSteps(
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
    return lookupSteps(m.key, m.data, 'nat', ctx, child(addrAt, 'map'), (value, at) => natTarget(value, port, ctx, at));
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
  const cached = ctx.cache.get(`dnat ${String(addr)} ${p}`);
  if (cached) return [cached];
  const a = readAddress(addr, ctx.family);
  if (isBad(a)) {
    ctx.sink.report('nft-bad-value', pointer, a.bad.value, a.bad.expected);
    return null;
  }
  return [
    shared(ctx, `dnat ${String(addr)} ${p}`, () => verdict({ kind: 'dnat', ip: formatIP(ctx.family, a.ok), port: p })),
  ];
}

/** `update @set { key }` on a dynamic set: the packet's affinity record is written or refreshed. */
function updateSteps(body: { op: string; elem: unknown; set: string }, ctx: RuleContext, p: string): Step[] | null {
  if (body.op !== 'update') {
    ctx.sink.report(
      'nft-unsupported',
      child(p, 'op'),
      `'${body.op} @set' (only 'update' refreshes an existing record's timeout, as iptables' recent --set does)`,
    );
    return null;
  }
  const name = body.set.slice(1);
  const set = ctx.table.sets.get(name);
  if (!set) {
    ctx.sink.report('nft-missing-reference', child(p, 'set'), 'set', name, `table ${ctx.nftFamily} ${ctx.table.name}`);
    return null;
  }
  if (set.kind !== 'set' || !isDynamic(set)) {
    ctx.sink.report(
      'nft-affinity',
      child(p, 'set'),
      `'${name}' is updated from the packet path but is not a dynamic set`,
    );
    return null;
  }
  const maxAge = affinityTimeout(set, ctx, child(p, 'set'));
  if (maxAge === null) return null;
  let keyExpr = body.elem;
  let keyAt = child(p, 'elem');
  if (isObject(body.elem) && isObject(body.elem.elem)) {
    const e = body.elem.elem as { val: unknown; timeout?: number };
    if (e.timeout !== undefined && e.timeout !== maxAge) {
      ctx.sink.report(
        'nft-affinity',
        child(child(keyAt, 'elem'), 'timeout'),
        `this update writes records that live ${e.timeout}s, but lookups in '${name}' read them with the set's timeout ${maxAge}s`,
      );
      return null;
    }
    keyExpr = e.val;
    keyAt = child(child(keyAt, 'elem'), 'val');
  }
  const readers = readKey(keyExpr, ctx, keyAt);
  if (!readers || !keyFitsSet(readers, set, ctx, keyAt)) return null;
  const key = affinityKey(readers, set, ctx, keyAt);
  if (!key) return null;
  return [...dependencySteps(readers, ctx), { kind: 'affinityWrite', list: key.list, key: key.key }];
}
