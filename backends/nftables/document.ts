// FamilyRuleset(s) -> the libnftables JSON document, as text. Commands in an order nft 1.0.6
// accepts: metainfo, then per family: add table, delete table, add table (an atomic whole-table
// replace: the old table disappears and the new one appears in the same transaction), every chain
// (empty), every set and map (empty), their elements, then the rules (a rule or element may only
// name objects created before it), and last, when asked for, the table's version stamp. One
// command per line. The text comes in chunks (documentChunks) so a caller can stream it to a file;
// renderDocument joins them.
//
// The version stamp is an empty set `ksvc-version-<digest>` whose name digests the table's content
// (every command between the table's and the stamp's: what the table holds, not how the input
// was written). An update (delta.ts) deletes the previous version's stamp first, so nft refuses
// it whole, changing nothing, on a node whose table holds anything else.
import { createHash, type Hash } from 'node:crypto';
import type { Json } from './json.ts';
import { type Chain, type Element, type FamilyRuleset, type NamedSet, type Rule, TABLE } from './ruleset.ts';

export interface DocumentOptions {
  /**
   * true (default): delete and re-create the table in the same transaction, so loading replaces a
   * previous ksvc ruleset atomically. false: only create (fails if the table exists).
   */
  replace?: boolean;
  /** true: end each table with its version stamp (above); default false. */
  stamp?: boolean;
}

/**
 * Chunks are yielded once they hold at least this many characters (the last one may be shorter).
 * 64 Ki: a chunk string stays in V8's young generation and dies there; 1 Mi chunks went to the
 * large-object space, each on fresh pages (10,000 services: 3.93 → 3.36 s and 397 → 350 MiB for
 * `compile --backend nftables`, six pairs; 16 Ki measured the same as 64 Ki).
 */
const CHUNK_CHARS = 1 << 16;

/** The characters a string may hold to be written as it is: [A-Za-z0-9_./:@* -]. */
const PLAIN_CHARS = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:@* -')
  PLAIN_CHARS[c.charCodeAt(0)] = 1;
/** Every character is in PLAIN_CHARS (a loop: a regex test per address cost more than the text). */
function isPlain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || PLAIN_CHARS[c] === 0) return false;
  }
  return true;
}
/** A JSON string literal (names and addresses never need escaping; anything else is escaped). */
const str = (s: string): string => (isPlain(s) ? `"${s}"` : JSON.stringify(s));
const atom = (a: string | number): string => (typeof a === 'number' ? String(a) : str(a));

/** A concatenated key's JSON text. */
function concatText(parts: readonly (string | number)[]): string {
  let text = '{"concat":[';
  for (let i = 0; i < parts.length; i++) text += i === 0 ? atom(parts[i]!) : `,${atom(parts[i]!)}`;
  return `${text}]}`;
}

export const elementText = (e: Element): string => keyedElementText(e, undefined);

/** elementText, with the texts of list keys kept in `keyTexts` (by list object) when given. */
function keyedElementText(e: Element, keyTexts: Map<readonly (string | number)[], string> | undefined): string {
  const k = e.key;
  let key: string;
  if (typeof k !== 'object') key = atom(k);
  else if (keyTexts === undefined) key = concatText(k);
  else {
    const known = keyTexts.get(k);
    if (known === undefined) keyTexts.set(k, (key = concatText(k)));
    else key = known;
  }
  if (e.comment !== undefined) key = `{"elem":{"val":${key},"comment":${str(e.comment)}}}`;
  if (e.value === undefined) return key;
  return `[${key},${typeof e.value === 'object' ? JSON.stringify(e.value) : atom(e.value)}]`;
}

/** The table and family a command is about, as the JSON object's first members. */
const whereText = (rs: FamilyRuleset): string => `"family":"${rs.family}","table":"${TABLE}"`;

/** `{"table":{...}}`: the object of an add or delete table command. */
export const tableText = (rs: FamilyRuleset): string => `{"table":{"family":"${rs.family}","name":"${TABLE}"}}`;

/** `{"chain":{...}}` with its base-chain spec: the object of an add chain command. */
export function chainText(rs: FamilyRuleset, c: Chain, withBase = true): string {
  const base =
    c.base && withBase
      ? `,"type":"${c.base.type}","hook":"${c.base.hook}","prio":${c.base.prio},"policy":"accept"`
      : '';
  return `{"chain":{${whereText(rs)},"name":${str(c.name)}${base}}}`;
}

/** `{"set":{...}}` or `{"map":{...}}`: the object of an add set or map command. */
export function setText(rs: FamilyRuleset, s: NamedSet, withDefinition = true): string {
  if (!withDefinition) return `{"${s.kind}":{${whereText(rs)},"name":${str(s.name)}}}`;
  const type = typeof s.type === 'string' ? `"${s.type}"` : `[${s.type.map((t) => `"${t}"`).join(',')}]`;
  let extra = s.map === undefined ? '' : `,"map":"${s.map}"`;
  if (s.flags) extra += `,"flags":[${s.flags.map((f) => `"${f}"`).join(',')}]`;
  if (s.timeout !== undefined) extra += `,"timeout":${s.timeout}`;
  return `{"${s.kind}":{${whereText(rs)},"name":${str(s.name)},"type":${type}${extra}}}`;
}

/** `{"set":{...}}`: the object of the add or delete command of a table's version stamp. */
export function stampSetText(rs: FamilyRuleset, stamp: string, withDefinition = true): string {
  const type = withDefinition ? `,"type":"${rs.family === 'ip' ? 'ipv4_addr' : 'ipv6_addr'}"` : '';
  return `{"set":{${whereText(rs)},"name":"ksvc-version-${stamp}"${type}}}`;
}

/** 16 hex digits (64 bits) of a table content's digest. */
const stampOfDigest = (digest: Hash): string => digest.digest('hex').slice(0, 16);

/** The version stamp of a family's table (its content's digest, as the stamped document writes it). */
export function tableStamp(rs: FamilyRuleset): string {
  const digest = createHash('sha256');
  for (const chunk of tableContent(rs, CHUNK_CHARS, false)) digest.update(chunk);
  return stampOfDigest(digest);
}

/** `{"element":{...}}` holding `elements` (their text, elementText): an add or delete element command's object. */
export const elementsText = (rs: FamilyRuleset, s: NamedSet, elements: readonly string[]): string =>
  `{"element":{${whereText(rs)},"name":${str(s.name)},"elem":[${elements.join(',')}]}}`;

/** The start of every rule object of chain `c`, up to its expressions (written once per chain). */
const ruleHead = (rs: FamilyRuleset, c: Chain): string => `{"rule":{${whereText(rs)},"chain":${str(c.name)},"expr":`;

/** The rest of a rule object after ruleHead: its expressions and comment. */
function ruleTail(r: Rule): string {
  const comment = r.comment === undefined ? '' : `,"comment":${str(r.comment)}`;
  return `${JSON.stringify(r.expr as Json)}${comment}}}`;
}

/** `{"rule":{...}}`: the object of an add rule command. */
export const ruleText = (rs: FamilyRuleset, c: Chain, r: Rule): string => `${ruleHead(rs, c)}${ruleTail(r)}`;

/**
 * The document text in chunks of at least `chunkChars` characters (the last may be shorter); their
 * concatenation is renderDocument's result.
 */
export const documentChunks = (
  rulesets: readonly FamilyRuleset[],
  options: DocumentOptions = {},
  chunkChars = CHUNK_CHARS,
): Generator<string> => chunksOf(rulesets, options, chunkChars, false);

/**
 * documentChunks for rulesets given away: each set's elements and each chain's rules are let go
 * once written, so a caller that keeps the whole text (`verify` reads it back) does not hold the
 * rulesets beside it (every-service affinity at 10,000: 362 MiB of rulesets, a 218 MB text).
 */
export const ownedDocumentChunks = (
  rulesets: FamilyRuleset[],
  options: DocumentOptions = {},
  chunkChars = CHUNK_CHARS,
): Generator<string> => chunksOf(rulesets, options, chunkChars, true);

function* chunksOf(
  rulesets: readonly FamilyRuleset[],
  options: DocumentOptions,
  chunkChars: number,
  release: boolean,
): Generator<string> {
  // what is not yet handed out; every chunk handed out but the last holds chunkChars or more
  let pending = '{"nftables":[\n{"metainfo":{"json_schema_version":1}}';
  for (const rs of rulesets) {
    const table = tableText(rs);
    pending += `,\n{"add":${table}}`;
    if (options.replace !== false) pending += `,\n{"delete":${table}},\n{"add":${table}}`;
    const digest = options.stamp ? createHash('sha256') : null;
    for (const chunk of tableContent(rs, chunkChars, release)) {
      digest?.update(chunk);
      pending += chunk;
      if (pending.length >= chunkChars) {
        yield pending;
        pending = '';
      }
    }
    if (digest) pending += `,\n{"add":${stampSetText(rs, stampOfDigest(digest))}}`;
  }
  yield `${pending}\n]}\n`;
}

/**
 * A new table's commands after its creation — its content and, with `stamp`, its version stamp —
 * separated by `,\n` as the document writes them (an update that adds a family, delta.ts).
 */
export function tableContentText(rs: FamilyRuleset, stamp: boolean): string {
  let text = '';
  for (const chunk of tableContent(rs, CHUNK_CHARS, false)) text += chunk;
  if (stamp) text += `,\n{"add":${stampSetText(rs, stampOfDigest(createHash('sha256').update(text)))}}`;
  return text.slice(2);
}

/**
 * A family's table content — its chains, sets and maps, their elements, the rules — as the
 * document writes it (each command after a `,\n`), in chunks of at least `chunkChars` characters
 * but the last. `release`: each set's elements and each chain's rules are let go once written.
 */
function* tableContent(rs: FamilyRuleset, chunkChars: number, release: boolean): Generator<string> {
  let parts: string[] = [];
  let size = 0;
  const put = (s: string): void => {
    parts.push(s);
    size += s.length;
  };
  const take = (): string => {
    const chunk = parts.join('');
    parts = [];
    size = 0;
    return chunk;
  };
  const where = whereText(rs);
  for (const c of rs.chains) {
    put(`,\n{"add":${chainText(rs, c)}}`);
    if (size >= chunkChars) yield take();
  }
  for (const s of rs.sets) {
    put(`,\n{"add":${setText(rs, s)}}`);
    if (size >= chunkChars) yield take();
  }
  // A map to addresses (the balance DNAT maps: one per endpoint position) keys its elements by the
  // frontends' key lists, the same list object in every such map: each list's text is made once
  // (10,000 services x 10 endpoints: ~180,000 elements, ~18,000 keys). Other sets' keys are mostly
  // lists of their own (the hairpin set's), which a memo would only hold.
  const keyTexts = new Map<readonly (string | number)[], string>();
  for (const s of rs.sets) {
    if (s.elements.length === 0) continue;
    put(`,\n{"add":{"element":{${where},"name":${str(s.name)},"elem":[`);
    const memo = s.kind === 'map' && typeof s.elements[0]!.value !== 'object' ? keyTexts : undefined;
    for (let i = 0; i < s.elements.length; i++) {
      put(i === 0 ? keyedElementText(s.elements[i]!, memo) : `,${keyedElementText(s.elements[i]!, memo)}`);
      if (size >= chunkChars) yield take();
    }
    put(']}}}');
    if (release) s.elements = [];
  }
  for (const c of rs.chains) {
    const head = `,\n{"add":${ruleHead(rs, c)}`;
    // a chunk may end inside a chain (and inside the declarations): a chunk of megabytes (10,000
    // affinity sets declared) is turned into bytes, to be written and digested, in fresh memory
    for (const r of c.rules) {
      put(`${head}${ruleTail(r)}}`);
      if (size >= chunkChars) yield take();
    }
    if (release) c.rules = [];
  }
  if (size > 0) yield take();
}

/** The whole document as one string. */
export const renderDocument = (rulesets: readonly FamilyRuleset[], options: DocumentOptions = {}): string =>
  [...documentChunks(rulesets, options)].join('');
