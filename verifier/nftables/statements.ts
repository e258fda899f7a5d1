// One rule's statements as model steps, left to right: verdicts, matches (match.ts), verdict maps
// (lookup.ts), mark writes, affinity updates, NAT and reject (nat.ts), and the statements with no
// effect on a packet (counter, log).
import type { Step, Verdict } from '../model/program.ts';
import type { RuleContext } from './context.ts';
import { type Reader, readKey, readScalar } from './keys.ts';
import { lookupSteps } from './lookup.ts';
import { dependencySteps, matchSteps } from './match.ts';
import { dnatSteps, masqueradeSteps, rejectSteps } from './nat.ts';
import { child } from './pointer.ts';
import { affinityKey, affinityTimeout, isDynamic, keyFitsSet } from './sets.ts';
import type { SetState } from './state.ts';
import { isBad, isObject, readAddress, readUnsigned } from './values.ts';

/** The steps of a rule, or null when a statement could not be read (reported). */
export function ruleSteps(expr: readonly unknown[], pointer: string, ctx: RuleContext): Step[] | null {
  const steps: Step[] = [];
  let ok = true;
  const at = `${pointer}/expr/`;
  let terminal: string | null = null;
  for (let i = 0; i < expr.length; i++) {
    const stmt = expr[i] as Record<string, unknown>; // one key, the schema checked
    const kind = Object.keys(stmt)[0]!;
    if (terminal !== null) {
      // nft refuses such a rule: read as it would be loaded, it would not be
      ctx.sink.report('nft-after-terminal', at + i, kind, terminal);
      ok = false;
      break;
    }
    if (TERMINAL.has(kind)) terminal = kind;
    const s = statementSteps(stmt, kind, ctx, at + i);
    if (s === null) ok = false;
    else for (const step of s) steps.push(step);
  }
  // a copy at its exact length: an array grown by push has room for 17 items, and the model keeps
  // one per rule (100 bytes a rule unused; 35 MB with affinity on every one of 10,000 services)
  return ok ? steps.slice() : null;
}

/**
 * Statements that end a rule: nft 1.0.6 refuses a statement after one of them ("Statement after
 * terminal statement has no effect"; measured with nft -c -j: not after continue or a verdict map).
 */
const TERMINAL = new Set([
  'accept',
  'drop',
  'return',
  'jump',
  'goto',
  'reject',
  'dnat',
  'snat',
  'masquerade',
  'redirect',
  'queue',
]);

const verdict = (v: Verdict): Step => ({ kind: 'verdict', verdict: v });
const FINAL: Record<'accept' | 'drop' | 'return', Step> = {
  accept: verdict({ kind: 'accept' }),
  drop: verdict({ kind: 'drop' }),
  return: verdict({ kind: 'return' }),
};

function statementSteps(stmt: Record<string, unknown>, kind: string, ctx: RuleContext, pointer: string): Step[] | null {
  const body = stmt[kind];
  const at = child(pointer, kind);
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
      return lookupSteps(key, data, 'verdict', ctx, at, (v, p) => verdictSteps(v, ctx, p), 'verdict');
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
      const cache = kind === 'jump' ? ctx.jumps : ctx.gotos;
      let step = cache.get(target);
      if (step === undefined) cache.set(target, (step = verdict({ kind, chain: ctx.chainId(target) })));
      return [step];
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

/**
 * The key of an `update @set { … }`: like a lookup key, except that a part may be a plain constant
 * — an update statement is typed by its set, so nft takes `ip saddr . 10.0.0.1 . 8080` there (a
 * lookup needs the `field & 0 | constant` spelling). A constant takes its type from the set's key.
 */
function updateKey(expr: unknown, set: SetState, ctx: RuleContext, p: string): Reader[] | null {
  if (!isObject(expr) || !('concat' in expr)) return readKey(expr, ctx, p);
  const parts = expr.concat as unknown[];
  const out: Reader[] = [];
  for (const [i, part] of parts.entries()) {
    const at = child(child(p, 'concat'), i);
    if (isObject(part)) {
      const r = readKey(part, ctx, at);
      if (r?.length !== 1) return null;
      out.push(r[0]!);
      continue;
    }
    const type = set.keyType[i];
    if (type === 'ipv4_addr' || type === 'ipv6_addr') {
      const v = readAddress(part, ctx.family);
      if (isBad(v)) {
        ctx.sink.report('nft-bad-value', at, v.bad.value, v.bad.expected);
        return null;
      }
      out.push({ kind: 'const', of: 'addr', value: v.ok, dep: null });
    } else if (type === 'inet_service') {
      const v = readUnsigned(part, 16, 'a port');
      if (isBad(v)) {
        ctx.sink.report('nft-bad-value', at, v.bad.value, v.bad.expected);
        return null;
      }
      out.push({ kind: 'const', of: 'port', value: v.ok, dep: null });
    } else {
      ctx.sink.report('nft-unsupported', at, `a constant of type ${type ?? '(none)'} in an update key`);
      return null;
    }
  }
  return out;
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
  const readers = updateKey(keyExpr, set, ctx, keyAt);
  if (!readers || !keyFitsSet(readers, set, ctx, keyAt)) return null;
  const key = affinityKey(readers, set, ctx, keyAt);
  if (!key) return null;
  return [...dependencySteps(readers, ctx), { kind: 'affinityWrite', list: key.list, key: key.key }];
}
