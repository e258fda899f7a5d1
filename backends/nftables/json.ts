// Constructors for the libnftables JSON subset ksvc emits (nft 1.0.6, json_schema_version 1), as
// plain objects in exactly libnftables' shape: the writer (document.ts) serializes them as they
// are, the schema (schema/ksvc-nft.schema.json) describes them, and text.ts prints them in nft
// syntax. No packet logic here: build.ts decides what to write.

/** A JSON value. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** An expression: a constant (string, number, list) or a one-key object. */
export type Expr = Json;
/** A statement: a one-key object. */
export type Stmt = { [key: string]: Json };

export type NftFamily = 'ip' | 'ip6';

export const payload = (protocol: string, field: string): Expr => ({ payload: { protocol, field } });
export const meta = (key: string): Expr => ({ meta: { key } });
export const ct = (key: string): Expr => ({ ct: { key } });
export const fib = (flag: 'saddr' | 'daddr'): Expr => ({ fib: { result: 'type', flags: [flag] } });
export const concat = (...items: Expr[]): Expr => ({ concat: items });
export const prefix = (addr: string, len: number): Expr => ({ prefix: { addr, len } });
export const and = (left: Expr, right: Expr): Expr => ({ '&': [left, right] });
export const or = (left: Expr, right: Expr): Expr => ({ '|': [left, right] });
export const xor = (left: Expr, right: Expr): Expr => ({ '^': [left, right] });
/** A map lookup used as a value (here: the DNAT address). */
export const mapLookup = (key: Expr, map: string): Expr => ({ map: { key, data: `@${map}` } });
/** `@name`: a named set or map as the right side of a lookup. */
export const setRef = (name: string): string => `@${name}`;

export type MatchOp = '==' | '!=' | '<' | 'in';
export const match = (op: MatchOp, left: Expr, right: Expr): Stmt => ({ match: { op, left, right } });

export const accept: Stmt = { accept: null };
export const drop: Stmt = { drop: null };
export const ret: Stmt = { return: null };
export const reject: Stmt = { reject: null };
export const jump = (target: string): Stmt => ({ jump: { target } });
export const goto = (target: string): Stmt => ({ goto: { target } });
export const vmap = (key: Expr, map: string): Stmt => ({ vmap: { key, data: `@${map}` } });
export const mangle = (key: Expr, value: Expr): Stmt => ({ mangle: { key, value } });
export const dnat = (addr: string, port: number): Stmt => ({ dnat: { addr, port } });
/** DNAT to the address `key` maps to in `map`, and to `port`. */
export const dnatFromMap = (key: Expr, map: string, port: number): Stmt => ({
  dnat: { addr: mapLookup(key, map), port },
});
/** `meta mark set meta mark | M`: the packet is to be masqueraded in nat-postrouting. */
export const markForMasquerade = (mark: number): Stmt => mangle(meta('mark'), or(meta('mark'), mark));
export const masquerade = (fullyRandom: boolean): Stmt =>
  fullyRandom ? { masquerade: { flags: 'fully-random' } } : { masquerade: null };
export const setUpdate = (elem: Expr, set: string): Stmt => ({ set: { op: 'update', elem, set: `@${set}` } });

/** Per-family spelling. */
export interface FamilySpelling {
  family: NftFamily;
  /** payload protocol of the network header */
  l3: 'ip' | 'ip6';
  addrType: 'ipv4_addr' | 'ipv6_addr';
}

export const spelling = (family: 'ipv4' | 'ipv6'): FamilySpelling =>
  family === 'ipv4'
    ? { family: 'ip', l3: 'ip', addrType: 'ipv4_addr' }
    : { family: 'ip6', l3: 'ip6', addrType: 'ipv6_addr' };

/** A CIDR text ("10.0.0.0/8") as an nft prefix expression. */
export function cidrExpr(cidr: string): Expr {
  const slash = cidr.lastIndexOf('/');
  return prefix(cidr.slice(0, slash), Number(cidr.slice(slash + 1)));
}

/** An interface name as an exact nft iifname value (a literal '*' or '\' is escaped). */
export const exactIfname = (name: string): string => name.replace(/[\\*]/g, (c) => `\\${c}`);
