// Constructors for the libnftables JSON subset ksvc emits (nft 1.0.6, json_schema_version 1).
// They return JSON *text* fragments, not objects: a 10,000-service ruleset has ~800,000 commands,
// and writing their text directly is several times faster (and far smaller in memory) than
// building objects and serializing them. backends/nftables/schema/ksvc-nft.schema.json describes
// exactly these shapes; backends/nftables/text.ts prints them (parsed back) in nft syntax.

/** JSON text of one value. */
export type JsonText = string;
export type Expr = JsonText;
export type Stmt = JsonText;

export type NftFamily = 'ip' | 'ip6';

const PLAIN = /^[A-Za-z0-9_./:@* -]*$/;
/**
 * True when `s` is its own JSON string body (no quote, backslash or control character to escape).
 * Kubernetes names and canonical IP texts always are; the renderer checks a service port's base name
 * once and then quotes the names derived from it by concatenation.
 */
export const isPlain = (s: string): boolean => PLAIN.test(s);

/** A JSON string literal (escaped only when needed: names and addresses never need it). */
export const str = (s: string): JsonText => (PLAIN.test(s) ? `"${s}"` : JSON.stringify(s));

export const payload = (protocol: string, field: string): Expr =>
  `{"payload":{"protocol":"${protocol}","field":"${field}"}}`;
export const meta = (key: string): Expr => `{"meta":{"key":"${key}"}}`;
export const ct = (key: string): Expr => `{"ct":{"key":"${key}"}}`;
export const fib = (flag: 'saddr' | 'daddr'): Expr => `{"fib":{"result":"type","flags":["${flag}"]}}`;
export const concat = (...items: Expr[]): Expr => `{"concat":[${items.join(',')}]}`;
export const prefix = (addr: string, len: number): Expr => `{"prefix":{"addr":${str(addr)},"len":${len}}}`;
export const and = (left: Expr, right: Expr): Expr => `{"&":[${left},${right}]}`;
export const or = (left: Expr, right: Expr): Expr => `{"|":[${left},${right}]}`;
export const xor = (left: Expr, right: Expr): Expr => `{"^":[${left},${right}]}`;
export const list = (...items: string[]): Expr => `[${items.map(str).join(',')}]`;

export type MatchOp = '==' | '!=' | '<' | 'in';
export const match = (op: MatchOp, left: Expr, right: Expr): Stmt =>
  `{"match":{"op":"${op}","left":${left},"right":${right}}}`;

export const accept: Stmt = '{"accept":null}';
export const drop: Stmt = '{"drop":null}';
export const ret: Stmt = '{"return":null}';
export const reject: Stmt = '{"reject":null}';
export const jump = (target: string): Stmt => `{"jump":{"target":${str(target)}}}`;
export const goto = (target: string): Stmt => `{"goto":{"target":${str(target)}}}`;
export const vmap = (key: Expr, data: string): Stmt => `{"vmap":{"key":${key},"data":${str(data)}}}`;
export const mangle = (key: Expr, value: Expr): Stmt => `{"mangle":{"key":${key},"value":${value}}}`;
export const dnat = (addr: string, port: number): Stmt => `{"dnat":{"addr":${str(addr)},"port":${port}}}`;
export const masquerade = (fullyRandom: boolean): Stmt =>
  fullyRandom ? '{"masquerade":{"flags":"fully-random"}}' : '{"masquerade":null}';
export const setUpdate = (elem: Expr, set: string): Stmt =>
  `{"set":{"op":"update","elem":${elem},"set":${str(`@${set}`)}}}`;
/** A map element key with a comment. */
export const commented = (key: Expr, comment: string): Expr => `{"elem":{"val":${key},"comment":${str(comment)}}}`;

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
