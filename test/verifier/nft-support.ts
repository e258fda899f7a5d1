// Helpers for the nft reader's tests: small hand-written documents (one table, a base chain and
// whatever chains, sets and rules a test needs), reading them, and comparing programs.
import * as assert from 'uvu/assert';
import type { Diagnostic } from '../../common/diagnostics.ts';
import type { NetfilterProgram, Rule, Step } from '../../verifier/model/program.ts';
import { type NftReadResult, readNftables } from '../../verifier/nftables/index.ts';

export type Json = unknown;

// Expression builders (libnftables JSON).
export const payload = (protocol: string, field: string): Json => ({ payload: { protocol, field } });
export const meta = (key: string): Json => ({ meta: { key } });
export const ct = (key: string): Json => ({ ct: { key } });
export const fib = (flag: 'saddr' | 'daddr'): Json => ({ fib: { result: 'type', flags: [flag] } });
export const concat = (...items: Json[]): Json => ({ concat: items });
export const prefix = (addr: string, len: number): Json => ({ prefix: { addr, len } });
export const range = (a: Json, b: Json): Json => ({ range: [a, b] });
export const set = (...items: Json[]): Json => ({ set: items });
export const and = (a: Json, b: Json): Json => ({ '&': [a, b] });
export const or = (a: Json, b: Json): Json => ({ '|': [a, b] });
export const xor = (a: Json, b: Json): Json => ({ '^': [a, b] });
export const match = (op: string, left: Json, right: Json): Json => ({ match: { op, left, right } });
export const numgen = (mod: number, offset?: number): Json => ({
  numgen: offset === undefined ? { mode: 'random', mod } : { mode: 'random', mod, offset },
});
export const jump = (target: string): Json => ({ jump: { target } });
export const goto = (target: string): Json => ({ goto: { target } });
export const accept: Json = { accept: null };
export const drop: Json = { drop: null };

// Expected steps.
export const fields = (parts: unknown[], negate = false): Step =>
  ({ kind: 'test', test: { kind: 'fields', parts }, negate }) as Step;
export const proto = (...protocols: string[]): Step => fields([{ field: 'l4proto', protocols }]);
export const verdict = (v: object): Step => ({ kind: 'verdict', verdict: v }) as Step;
export const ep = (name: string): Step => verdict({ kind: 'goto', chain: `ip kube-proxy/${name}` });
/** Three chains a, b, c for jumps and gotos to land in. */
export const EP_CHAINS = ['a', 'b', 'c'].map((name) => ({ name, rules: [[accept]] }));

export interface ChainSpec {
  name: string;
  /** type/hook/prio of a base chain */
  base?: { type: 'filter' | 'nat'; hook: string; prio: number; policy?: string };
  rules?: Json[][];
}

/** A command document: table, chains (base first as given), sets/maps, then the rules. */
export function commandDoc(opts: {
  family?: 'ip' | 'ip6';
  table?: string;
  chains: ChainSpec[];
  sets?: Record<string, unknown>[];
  maps?: Record<string, unknown>[];
}): { nftables: Json[] } {
  const family = opts.family ?? 'ip';
  const table = opts.table ?? 'kube-proxy';
  const items: Json[] = [{ metainfo: { json_schema_version: 1 } }, { add: { table: { family, name: table } } }];
  for (const c of opts.chains) items.push({ add: { chain: { family, table, name: c.name, ...(c.base ?? {}) } } });
  for (const s of opts.sets ?? []) items.push({ add: { set: { family, table, ...s } } });
  for (const m of opts.maps ?? []) items.push({ add: { map: { family, table, ...m } } });
  for (const c of opts.chains)
    for (const expr of c.rules ?? []) items.push({ add: { rule: { family, table, chain: c.name, expr } } });
  return { nftables: items };
}

/** A document whose base chain (nat output, or `base`) holds `rules`; more chains/sets as needed. */
export function oneChain(
  rules: Json[][],
  more: {
    family?: 'ip' | 'ip6';
    base?: ChainSpec['base'];
    chains?: ChainSpec[];
    sets?: Record<string, unknown>[];
    maps?: Record<string, unknown>[];
  } = {},
): { nftables: Json[] } {
  return commandDoc({
    ...(more.family ? { family: more.family } : {}),
    chains: [
      { name: 'base', base: more.base ?? { type: 'nat', hook: 'output', prio: -100 }, rules },
      ...(more.chains ?? []),
    ],
    ...(more.sets ? { sets: more.sets } : {}),
    ...(more.maps ? { maps: more.maps } : {}),
  });
}

export function read(doc: Json, table?: string): NftReadResult {
  return readNftables(doc, table === undefined ? { file: 'test.json' } : { file: 'test.json', table });
}

const show = (ds: readonly Diagnostic[]): string => ds.map((d) => `${d.code} ${d.path}: ${d.message}`).join('\n');

/** Read without errors; the one program. */
export function program(doc: Json): NetfilterProgram {
  const r = read(doc);
  assert.equal(show(r.diagnostics.filter((d) => d.severity === 'error')), '', 'no errors');
  assert.is(r.programs.length, 1);
  return r.programs[0]!;
}

/** The steps of each rule of chain `name` (default: the base chain of oneChain). */
export function steps(doc: Json, name = 'base'): Step[][] {
  const p = program(doc);
  const family = p.family === 'ipv4' ? 'ip' : 'ip6';
  const chain = p.chains.get(`${family} kube-proxy/${name}`);
  assert.ok(chain, `chain ${name} was read`);
  return chain!.rules.map((r: Rule) => r.steps);
}

/** The single error of reading `doc`: its code and JSON pointer. */
export function onlyError(doc: Json): { code: string; path: string | undefined; message: string } {
  const r = read(doc);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.is(errors.length, 1, `exactly one error, got:\n${show(errors)}`);
  assert.equal(r.programs, [], 'no program from a document with errors');
  return { code: errors[0]!.code, path: errors[0]!.path, message: errors[0]!.message };
}

/** Programs as comparable JSON without origins (where a rule came from differs between forms). */
export function withoutOrigins(programs: readonly NetfilterProgram[]): string {
  return JSON.stringify(
    programs.map((p) => ({ ...p, ignored: p.ignored.map((i) => ({ kind: i.kind, name: i.name })) })),
    (k, v: unknown) =>
      k === 'origin' ? undefined : typeof v === 'bigint' ? `${v}n` : v instanceof Map ? [...v.entries()] : v,
    1,
  );
}

/** Address value of an IPv4 text (for expected ranges). */
export const v4 = (s: string): bigint => s.split('.').reduce((a, o) => a * 256n + BigInt(o), 0n);
