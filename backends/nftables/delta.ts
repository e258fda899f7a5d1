// An incremental update of ksvc's nftables ruleset: one transaction (`nft -j -f`) that turns a
// node holding `previous`'s table into one holding `next`'s, touching only what changed — new
// chains, sets and elements added, changed chains flushed and refilled, map elements whose value
// changed replaced, what is gone deleted — instead of deleting and re-creating the whole table.
// Affinity sets keep their records (unlike in a whole-table replace) unless their timeout changed.
// Stamped (the documents' version stamps, document.ts), the update first deletes the previous
// table's stamp and adds the next one's: nft refuses the whole transaction, changing nothing, on a
// node whose table holds anything but `previous` — an update made from the wrong old version, or
// applied twice, never lands half-right.
//
// Command order, so that every command names only objects that exist and nothing deleted is still
// referenced: the table (a no-op when it exists); the stamps; new chains; new sets and maps;
// deletions of elements gone or changed; flushes of changed and removed chains (their jumps and
// lookups go), and of every chain that names a set whose definition changed (an affinity timeout:
// that set is then deleted and created again — its records go, as they would in kube-proxy);
// additions of new and changed elements (a verdict may name a new chain); the rules of changed and
// new chains; deletions of removed sets and maps, then of removed chains (flushed, and no element
// or rule names them any more). A family only `next` has gets its table created whole (`create
// table`, which nft refuses when the table exists — the node does not hold `previous` then — and
// its content); a family only `previous` has loses its table (after its stamp, the guard). A
// change the layout never makes between two programs — a base chain's hook — is not expressed as
// a delta: the caller gets null and writes the whole-table replace instead.
import {
  chainText,
  elementsText,
  elementText,
  ruleText,
  setText,
  stampSetText,
  tableContentText,
  tableStamp,
  tableText,
} from './document.ts';
import type { Chain, Element, FamilyRuleset, NamedSet } from './ruleset.ts';

export interface NftDeltaStats {
  chainsAdded: number;
  chainsChanged: number;
  chainsRemoved: number;
  elementsAdded: number;
  elementsRemoved: number;
  setsAdded: number;
  setsRemoved: number;
  /** tables of a family only one version has */
  tablesAdded: number;
  tablesRemoved: number;
}

export interface NftDelta {
  /** the JSON document for `nft -j -f` */
  text: string;
  stats: NftDeltaStats;
  /** stamped: the stamps the previous version's tables hold, by family (the update applies there only) */
  previousStamps?: string[];
}

export interface DeltaOptions {
  /** the documents are stamped (DocumentOptions.stamp): swap the stamps first; default false */
  stamp?: boolean;
}

/** A chain's rules, comparable (the same rules in the same order, the same text). */
const rulesOf = (c: Chain): string => JSON.stringify(c.rules);
const definitionOf = (rs: FamilyRuleset, s: NamedSet): string => setText(rs, s);

/** An element's key, comparable (NUL never occurs in an address, a name or a port). */
const keyId = (e: Element): string => (typeof e.key === 'object' ? e.key.join('\0') : String(e.key));
/** The rest of an element (its value and comment), comparable. */
const restId = (e: Element): string =>
  `${typeof e.value === 'object' ? JSON.stringify(e.value) : String(e.value)}\0${e.comment ?? ''}`;

/** A set's elements by key; the value and comment of each (the text is written only for a change). */
function elementsByKey(s: NamedSet): Map<string, { rest: string; element: Element }> {
  const byKey = new Map<string, { rest: string; element: Element }>();
  for (const e of s.elements) byKey.set(keyId(e), { rest: restId(e), element: e });
  return byKey;
}

/** The commands for one family present in both versions; null when the change is not a delta. */
function familyDelta(
  before: FamilyRuleset,
  after: FamilyRuleset,
  stamps: string[] | null,
  stats: NftDeltaStats,
): string[] | null {
  const chainsBefore = new Map(before.chains.map((c) => [c.name, c]));
  const chainsAfter = new Map(after.chains.map((c) => [c.name, c]));
  const setsBefore = new Map(before.sets.map((s) => [s.name, s]));
  for (const c of after.chains) {
    const old = chainsBefore.get(c.name);
    if (old && chainText(before, old) !== chainText(after, c)) return null;
  }
  // a set or map whose definition changed (an affinity timeout) is deleted and created again, once
  // no rule names it: every chain that names it is flushed and refilled
  const redefined = after.sets.filter((s) => {
    const old = setsBefore.get(s.name);
    return old !== undefined && definitionOf(before, old) !== definitionOf(after, s);
  });
  const namesRedefined = (rules: string) => redefined.some((s) => rules.includes(`"@${s.name}"`));
  const setsAfter = new Map(after.sets.map((s) => [s.name, s]));
  const addedChains = after.chains.filter((c) => !chainsBefore.has(c.name));
  const removedChains = before.chains.filter((c) => !chainsAfter.has(c.name));
  const changedChains = after.chains.filter((c) => {
    const old = chainsBefore.get(c.name);
    if (old === undefined) return false;
    const rules = rulesOf(old);
    return rules !== rulesOf(c) || namesRedefined(rules);
  });
  const addedSets = after.sets.filter((s) => !setsBefore.has(s.name));
  const removedSets = before.sets.filter((s) => !setsAfter.has(s.name));
  const isRedefined = new Set(redefined.map((s) => s.name));

  const out: string[] = [`{"add":${tableText(after)}}`];
  if (stamps) {
    const previous = tableStamp(before);
    stamps.push(previous);
    out.push(
      `{"delete":${stampSetText(before, previous, false)}}`,
      `{"add":${stampSetText(after, tableStamp(after))}}`,
    );
  }
  for (const c of addedChains) out.push(`{"add":${chainText(after, c)}}`);
  for (const s of addedSets) out.push(`{"add":${setText(after, s)}}`);
  // elements of sets in both versions: gone or changed ones deleted now, new or changed added later
  const additions: string[] = [];
  for (const s of after.sets) {
    const old = setsBefore.get(s.name);
    if (!old || isRedefined.has(s.name)) {
      if (s.elements.length > 0) additions.push(`{"add":${elementsText(after, s, s.elements.map(elementText))}}`);
      stats.elementsAdded += s.elements.length;
      continue;
    }
    const [was, is] = [elementsByKey(old), elementsByKey(s)];
    const gone: string[] = [];
    for (const [key, e] of was) if (is.get(key)?.rest !== e.rest) gone.push(elementText({ key: e.element.key }));
    const come: string[] = [];
    for (const [key, e] of is) if (was.get(key)?.rest !== e.rest) come.push(elementText(e.element));
    if (gone.length > 0) out.push(`{"delete":${elementsText(after, s, gone)}}`);
    if (come.length > 0) additions.push(`{"add":${elementsText(after, s, come)}}`);
    stats.elementsRemoved += gone.length;
    stats.elementsAdded += come.length;
  }
  for (const c of [...changedChains, ...removedChains]) out.push(`{"flush":${chainText(before, c, false)}}`);
  for (const s of redefined) out.push(`{"delete":${setText(before, s, false)}}`, `{"add":${setText(after, s)}}`);
  for (const a of additions) out.push(a); // not a spread: arguments are limited
  for (const c of [...changedChains, ...addedChains]) {
    for (const r of c.rules) out.push(`{"add":${ruleText(after, c, r)}}`);
  }
  for (const s of removedSets) out.push(`{"delete":${setText(before, s, false)}}`);
  for (const c of removedChains) out.push(`{"delete":${chainText(before, c, false)}}`);
  stats.chainsAdded += addedChains.length;
  stats.chainsChanged += changedChains.length;
  stats.chainsRemoved += removedChains.length;
  stats.setsAdded += addedSets.length + redefined.length;
  stats.setsRemoved += removedSets.length + redefined.length;
  return out;
}

/**
 * The update from `previous` to `next` (one ruleset per family each), or null when it is not
 * expressible as a delta (see above).
 */
export function renderDelta(
  previous: readonly FamilyRuleset[],
  next: readonly FamilyRuleset[],
  options: DeltaOptions = {},
): NftDelta | null {
  const stats: NftDeltaStats = {
    chainsAdded: 0,
    chainsChanged: 0,
    chainsRemoved: 0,
    elementsAdded: 0,
    elementsRemoved: 0,
    setsAdded: 0,
    setsRemoved: 0,
    tablesAdded: 0,
    tablesRemoved: 0,
  };
  const commands: string[] = ['{"metainfo":{"json_schema_version":1}}'];
  const stamps: string[] | null = options.stamp ? [] : null;
  const before = new Map(previous.map((rs) => [rs.family, rs]));
  for (const rs of next) {
    const old = before.get(rs.family);
    if (old === undefined) {
      const content = tableContentText(rs, stamps !== null);
      commands.push(`{"create":${tableText(rs)}}`, ...(content === '' ? [] : [content]));
      stats.tablesAdded++;
      continue;
    }
    const family = familyDelta(old, rs, stamps, stats);
    if (family === null) return null;
    for (const c of family) commands.push(c); // not a spread: arguments are limited
  }
  for (const old of previous) {
    if (next.some((rs) => rs.family === old.family)) continue;
    if (stamps) {
      const stamp = tableStamp(old);
      stamps.push(stamp);
      commands.push(`{"delete":${stampSetText(old, stamp, false)}}`);
    }
    commands.push(`{"delete":${tableText(old)}}`);
    stats.tablesRemoved++;
  }
  const text = `{"nftables":[\n${commands.join(',\n')}\n]}\n`;
  return stamps ? { text, stats, previousStamps: stamps } : { text, stats };
}
