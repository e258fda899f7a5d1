// What the left-hand side of a match, a lookup key or a map key reads from the packet. Each nft
// expression the model understands becomes one Reader; a concatenation becomes a list of them.
// Bitwise operations are folded into the kernel's form (x & mask) ^ xor and kept only where the
// result is exact in the model: a field masked to a constant (nft 1.0.6's typed-constant idiom
// `ip saddr & 0.0.0.0 | 10.0.0.1`, which nft lists back as `ip saddr & 10.0.0.1 | 0xa000001` —
// the same constant), `meta mark & M`, `meta random & (2^k - 1)` and `ct status & dnat`.
import { type Family, familyBits } from '../../common/ip.ts';
import type { Protocol } from '../../common/kubernetes.ts';
import type { KeyPart } from '../model/program.ts';
import type { DiagnosticSink } from './diagnostics.ts';
import { child } from './pointer.ts';
import type { NftFamily } from './state.ts';
import { isBad, isObject, type Read, readAddress, readCtStatusDnat, readUnsigned } from './values.ts';

export type Reader =
  | { kind: 'addr'; field: 'saddr' | 'daddr' }
  | { kind: 'proto' }
  /** dep: the protocol a tcp/udp/sctp payload implies (nft adds `meta l4proto P`); null for `th` */
  | { kind: 'port'; field: 'sport' | 'dport'; dep: Protocol | null }
  | { kind: 'ifname'; field: 'iifname' | 'oifname' }
  | { kind: 'fib'; field: 'saddrLocal' | 'daddrLocal' }
  /** a field masked to a constant: the value does not depend on the packet (dep as for ports) */
  | { kind: 'const'; of: 'addr' | 'port'; value: bigint; dep: Protocol | null }
  /** (mark & mask) ^ xor */
  | { kind: 'mark'; mask: number; xor: number }
  | { kind: 'ctState' }
  /** masked: `ct status & dnat`; otherwise the whole status word */
  | { kind: 'ctStatus'; masked: boolean }
  /** meta random & (2^bits - 1) */
  | { kind: 'random'; bits: number }
  | { kind: 'numgen'; mod: number; offset: number };

export interface KeyContext {
  family: Family;
  nftFamily: NftFamily;
  sink: DiagnosticSink;
  /** Map and set element key parts read so far in this table, by reader and constant (parts.ts). */
  parts: Map<string, Map<string | number, KeyPart | boolean>>;
  /**
   * Each shared part's sort text (order.ts, sortKey), made once while this table is read and
   * dropped with the reading: the model keeps the parts, not their texts.
   */
  partTexts: Map<KeyPart, string>;
  /**
   * Each affinity list name once per table read (sets.ts, affinityKey): every rule that checks or
   * updates a list spells its name again, and the model keeps one string per step otherwise.
   */
  listNames: Map<string, string>;
}

// Readers without parameters are shared (they are plain immutable data).
const R = {
  saddr: { kind: 'addr', field: 'saddr' },
  daddr: { kind: 'addr', field: 'daddr' },
  proto: { kind: 'proto' },
  iifname: { kind: 'ifname', field: 'iifname' },
  oifname: { kind: 'ifname', field: 'oifname' },
  saddrLocal: { kind: 'fib', field: 'saddrLocal' },
  daddrLocal: { kind: 'fib', field: 'daddrLocal' },
  mark: { kind: 'mark', mask: 0xffffffff, xor: 0 },
  random: { kind: 'random', bits: 32 },
  ctState: { kind: 'ctState' },
  ctStatus: { kind: 'ctStatus', masked: false },
} as const satisfies Record<string, Reader>;
const PORTS = new Map<string, Reader>();
for (const p of ['tcp', 'udp', 'sctp', 'th'] as const)
  for (const field of ['sport', 'dport'] as const)
    PORTS.set(`${p} ${field}`, { kind: 'port', field, dep: p === 'th' ? null : p });

/** One scalar reader (not a concatenation); null after reporting why not. */
export function readScalar(expr: unknown, ctx: KeyContext, pointer: string): Reader | null {
  if (!isObject(expr)) {
    ctx.sink.report('nft-unsupported', pointer, `a constant (${JSON.stringify(expr)}) on the left of a test`);
    return null;
  }
  const [kind] = Object.keys(expr);
  const body = expr[kind!] as Record<string, unknown>;
  const at = child(pointer, kind!);
  switch (kind) {
    case 'payload':
      return payloadReader(body.protocol as string, body.field as string, ctx, at);
    case 'meta':
      switch (body.key) {
        case 'l4proto':
          return R.proto;
        case 'mark':
          return R.mark;
        case 'iifname':
          return R.iifname;
        case 'oifname':
          return R.oifname;
        case 'random':
          return R.random;
      }
      ctx.sink.report('nft-unsupported', at, `reading meta ${String(body.key)}`);
      return null;
    case 'ct':
      return body.key === 'state' ? R.ctState : R.ctStatus;
    case 'fib': {
      const flag = Array.isArray(body.flags) ? body.flags[0] : body.flags;
      return flag === 'saddr' ? R.saddrLocal : R.daddrLocal;
    }
    case 'numgen': {
      const mod = body.mod as number;
      const offset = (body.offset as number | undefined) ?? 0;
      // the kernel refuses values past 32 bits ("Value too large for defined data type", measured
      // with nft -c -j: mod 2 offset 4294967295)
      if (offset + mod - 1 > 0xffffffff) {
        ctx.sink.report('nft-bad-value', at, `mod ${mod} offset ${offset}`, 'a numgen whose values fit in 32 bits');
        return null;
      }
      return { kind: 'numgen', mod, offset };
    }
    case '&':
    case '|':
    case '^':
      return bitwise(expr, ctx, pointer);
  }
  ctx.sink.report('nft-unsupported', at, `'${kind}' where a packet field is expected`);
  return null;
}

/** The components of a key: the parts of a concatenation, or one scalar reader. */
export function readKey(expr: unknown, ctx: KeyContext, pointer: string): Reader[] | null {
  if (isObject(expr) && 'concat' in expr) {
    const parts = expr.concat as unknown[];
    const out: Reader[] = [];
    for (const [i, p] of parts.entries()) {
      const r = readScalar(p, ctx, child(child(pointer, 'concat'), i));
      if (!r) return null;
      if (!['addr', 'proto', 'port', 'ifname', 'fib', 'const'].includes(r.kind)) {
        ctx.sink.report('nft-unsupported', child(child(pointer, 'concat'), i), `${describe(r)} inside a concatenation`);
        return null;
      }
      out.push(r);
    }
    return out;
  }
  const r = readScalar(expr, ctx, pointer);
  return r ? [r] : null;
}

function payloadReader(protocol: string, field: string, ctx: KeyContext, at: string): Reader | null {
  const l3 = ctx.nftFamily;
  if (protocol === 'ip' || protocol === 'ip6') {
    if (protocol !== l3) {
      ctx.sink.report('nft-family-mismatch', at, `${protocol} ${field}`, l3);
      return null;
    }
    if (field === 'saddr') return R.saddr;
    if (field === 'daddr') return R.daddr;
    if (protocol === 'ip' && field === 'protocol') return R.proto;
    if (protocol === 'ip6' && field === 'nexthdr') {
      ctx.sink.report(
        'nft-unsupported',
        at,
        "ip6 nexthdr is the first header after the IPv6 header, which is an extension header (not the transport protocol) when the packet has one; 'meta l4proto' reads the transport protocol",
      );
      return null;
    }
  } else {
    const port = PORTS.get(`${protocol} ${field}`);
    if (port) return port;
  }
  ctx.sink.report('nft-bad-value', at, `${protocol} ${field}`, 'a header field');
  return null;
}

/** Folds a chain of &, |, ^ with constants over one field into (x & mask) ^ xor. */
function bitwise(expr: Record<string, unknown>, ctx: KeyContext, pointer: string): Reader | null {
  const ops: { op: string; operand: unknown; at: string }[] = [];
  let inner: unknown = expr;
  let at = pointer;
  // Walk down the left operands; the innermost non-binop is the field.
  while (isObject(inner) && isBitwise(inner)) {
    const [op] = Object.keys(inner);
    const operands = inner[op!] as unknown[];
    const opAt = child(at, op!);
    // n operands fold left: ((a op b) op c)
    for (let i = operands.length - 1; i >= 1; i--) ops.unshift({ op: op!, operand: operands[i], at: child(opAt, i) });
    inner = operands[0];
    at = child(opAt, 0);
  }
  const base = readScalar(inner, ctx, at);
  if (!base) return null;
  if (base.kind === 'ctStatus') {
    const [only] = ops;
    if (ops.length === 1 && only!.op === '&') {
      const d = readCtStatusDnat(only!.operand);
      if (isBad(d)) return badValue(ctx, only!.at, d);
      return { kind: 'ctStatus', masked: true };
    }
    ctx.sink.report('nft-unsupported', pointer, "ct status combined with anything but '& dnat'");
    return null;
  }
  const width = widthOf(base, ctx.family);
  if (width === null) {
    ctx.sink.report('nft-unsupported', pointer, `bitwise operations on ${describe(base)}`);
    return null;
  }
  const all = (1n << BigInt(width)) - 1n;
  let mask = all;
  let xor = 0n;
  for (const { op, operand, at: oAt } of ops) {
    const c = constantOf(base, operand, ctx.family, width);
    if (isBad(c)) return badValue(ctx, oAt, c);
    const v = c.ok;
    if (op === '&') {
      mask &= v;
      xor &= v;
    } else if (op === '|') {
      mask &= ~v & all;
      xor |= v;
    } else xor ^= v;
  }
  switch (base.kind) {
    case 'addr':
    case 'port':
    case 'const': {
      if (base.kind === 'const' || mask === 0n) {
        const value = base.kind === 'const' ? (base.value & mask) ^ xor : xor;
        const dep = base.kind === 'port' || base.kind === 'const' ? base.dep : null;
        return {
          kind: 'const',
          of: base.kind === 'addr' ? 'addr' : base.kind === 'const' ? base.of : 'port',
          value,
          dep,
        };
      }
      if (mask === all && xor === 0n) return base;
      ctx.sink.report(
        'nft-unsupported',
        pointer,
        `${describe(base)} with a partial mask (only a whole field or a constant)`,
      );
      return null;
    }
    case 'mark':
      return {
        kind: 'mark',
        mask: Number(BigInt(base.mask) & mask & all),
        xor: Number(((BigInt(base.xor) & mask) ^ xor) & all),
      };
    case 'random': {
      const bits = mask.toString(2).length;
      if (xor !== 0n || mask !== (1n << BigInt(bits)) - 1n || mask === 0n) {
        ctx.sink.report('nft-unsupported', pointer, `meta random with mask 0x${mask.toString(16)} (only masks 2^k-1)`);
        return null;
      }
      return { kind: 'random', bits };
    }
  }
  return null;
}

const isBitwise = (e: Record<string, unknown>): boolean => '&' in e || '|' in e || '^' in e;

function widthOf(r: Reader, family: Family): number | null {
  switch (r.kind) {
    case 'addr':
      return familyBits(family);
    case 'port':
      return 16;
    case 'const':
      return r.of === 'addr' ? familyBits(family) : 16;
    case 'mark':
    case 'random':
      return 32;
    default:
      return null;
  }
}

function constantOf(base: Reader, v: unknown, family: Family, width: number): Read<bigint> {
  if (base.kind === 'addr' || (base.kind === 'const' && base.of === 'addr')) return readAddress(v, family);
  return readUnsigned(v, width, `a ${width}-bit constant`);
}

function badValue(ctx: KeyContext, at: string, r: { bad: { value: string; expected: string } }): null {
  ctx.sink.report('nft-bad-value', at, r.bad.value, r.bad.expected);
  return null;
}

/** A text that tells key readers apart (a cache key for what is read with them). */
export const readersKey = (readers: readonly Reader[]): string =>
  JSON.stringify(readers, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

export function describe(r: Reader): string {
  switch (r.kind) {
    case 'addr':
      return `the ${r.field === 'saddr' ? 'source' : 'destination'} address`;
    case 'proto':
      return 'the protocol';
    case 'port':
      return `the ${r.field === 'sport' ? 'source' : 'destination'} port`;
    case 'ifname':
      return r.field;
    case 'fib':
      return `fib ${r.field === 'saddrLocal' ? 'saddr' : 'daddr'} type`;
    case 'const':
      return 'a constant';
    case 'mark':
      return 'meta mark';
    case 'ctState':
      return 'ct state';
    case 'ctStatus':
      return 'ct status';
    case 'random':
      return 'meta random';
    case 'numgen':
      return 'numgen';
  }
}
