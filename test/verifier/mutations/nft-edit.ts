// Precise edits of an nft JSON command document (ksvc's `nft -j -f` input): rules are selected by
// family, chain and what their expression contains; set and map elements by their key; chains by
// ksvc's naming scheme. A selection that finds nothing, or more than it should, throws: the
// mutation did not apply.
import { notApplied } from './types.ts';

export type NftFamily = 'ip' | 'ip6';
type Json = unknown;
type Obj = Record<string, Json>;
export interface Doc {
  nftables: Obj[];
}

export const parseDoc = (text: string): Doc => JSON.parse(text) as Doc;
export const printDoc = (doc: Doc): string => `${JSON.stringify(doc)}\n`;

/** Edit the document text through its parsed form; the edit must change it. */
export function editDoc(text: string, f: (doc: Doc) => void): string {
  const doc = parseDoc(text);
  const before = JSON.stringify(doc);
  f(doc);
  if (JSON.stringify(doc) === before) notApplied('the edit left the document unchanged');
  return printDoc(doc);
}

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const at = (o: Json, ...path: string[]): Json => path.reduce((v: Json, k) => (isObj(v) ? v[k] : undefined), o);

export interface RuleRef {
  /** index of the command in doc.nftables */
  index: number;
  rule: { family: string; chain: string; expr: Json[]; comment?: string } & Obj;
}

export function rulesOf(doc: Doc, family: NftFamily, chain: string): RuleRef[] {
  const out: RuleRef[] = [];
  for (const [index, cmd] of doc.nftables.entries()) {
    const rule = at(cmd, 'add', 'rule');
    if (isObj(rule) && rule.family === family && rule.chain === chain)
      out.push({ index, rule: rule as RuleRef['rule'] });
  }
  return out;
}

/** Rules of `chain` whose expression, as compact JSON, contains every string of `has`. */
export function selectRules(doc: Doc, family: NftFamily, chain: string, has: readonly string[] = []): RuleRef[] {
  const found = rulesOf(doc, family, chain).filter((r) => has.every((h) => JSON.stringify(r.rule.expr).includes(h)));
  if (found.length === 0) notApplied(`no rule in ${family} ${chain} with ${has.join(', ')}`);
  return found;
}

export function selectRule(doc: Doc, family: NftFamily, chain: string, has: readonly string[] = []): RuleRef {
  const found = selectRules(doc, family, chain, has);
  if (found.length !== 1) notApplied(`${found.length} rules in ${family} ${chain} with ${has.join(', ')}`);
  return found[0]!;
}

export function deleteRule(doc: Doc, family: NftFamily, chain: string, has: readonly string[]): void {
  doc.nftables.splice(selectRule(doc, family, chain, has).index, 1);
}

/** Insert a rule with `expr` before (or after) the selected rule of the same chain. */
export function insertRule(
  doc: Doc,
  family: NftFamily,
  chain: string,
  anchor: readonly string[],
  where: 'before' | 'after',
  expr: Json[],
): void {
  const r = selectRule(doc, family, chain, anchor);
  const cmd = { add: { rule: { family, table: r.rule.table, chain, expr } } };
  doc.nftables.splice(where === 'before' ? r.index : r.index + 1, 0, cmd);
}

/** Swap two rules' positions in the document (and so in their chain, when they share one). */
export function swapCommands(doc: Doc, i: number, j: number): void {
  const a = doc.nftables[i]!;
  doc.nftables[i] = doc.nftables[j]!;
  doc.nftables[j] = a;
}

/**
 * Replace, anywhere inside `root`, the one value `pick` selects (called on every object and array
 * element); `make` gives its replacement. Exactly one value must be selected.
 */
export function replaceOne(root: Json, pick: (v: Json) => boolean, make: (v: Json) => Json): void {
  const sites: { parent: Obj | Json[]; key: string | number }[] = [];
  const walk = (v: Json) => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        if (pick(x)) sites.push({ parent: v, key: i });
        walk(x);
      });
    } else if (isObj(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (pick(x)) sites.push({ parent: v, key: k });
        walk(x);
      }
    }
  };
  walk(root);
  if (sites.length !== 1) notApplied(`${sites.length} values selected, expected exactly one`);
  const { parent, key } = sites[0]!;
  (parent as Record<string | number, Json>)[key] = make((parent as Record<string | number, Json>)[key]);
}

/** A value whose compact JSON is exactly `json`. */
export const jsonIs = (json: string) => (v: Json) => JSON.stringify(v) === json;

/** The declaration object of a chain, set or map (`add chain|set|map`). */
export function declaration(doc: Doc, kind: 'chain' | 'set' | 'map', family: NftFamily, name: string): Obj {
  const found = doc.nftables
    .map((c) => at(c, 'add', kind))
    .filter((o): o is Obj => isObj(o) && o.family === family && o.name === name);
  if (found.length !== 1) notApplied(`${found.length} declarations of ${kind} ${family} ${name}`);
  return found[0]!;
}

/** ksvc's chain (or affinity set) named `<kind>-<8-char hash>-<rest>`, e.g. ('service', 'shop/cart/tcp/'). */
export function nameOf(doc: Doc, family: NftFamily, kind: string, rest: string): string {
  const names = new Set<string>();
  for (const c of doc.nftables) {
    for (const what of ['chain', 'set']) {
      const o = at(c, 'add', what);
      if (!isObj(o) || o.family !== family || typeof o.name !== 'string') continue;
      const m = /^([a-z]+)-[A-Z2-7]{8}-(.*)$/.exec(o.name);
      if (m && m[1] === kind && m[2] === rest) names.add(o.name);
    }
  }
  if (names.size !== 1) notApplied(`${names.size} ${family} ${kind} chains or sets for ${rest}`);
  return [...names][0]!;
}

/** The element lists (`add element` commands' `elem`) of one set or map; at least one must exist. */
export function elementLists(doc: Doc, family: NftFamily, set: string): Json[][] {
  const lists = doc.nftables
    .map((c) => at(c, 'add', 'element'))
    .filter((o): o is Obj => isObj(o) && o.family === family && o.name === set)
    .map((o) => o.elem as Json[]);
  if (lists.length === 0) notApplied(`no elements of ${family} ${set}`);
  return lists;
}

/** Remove the one element of `set` whose compact JSON contains every string of `has`. */
export function removeElement(doc: Doc, family: NftFamily, set: string, has: readonly string[]): void {
  const hits = elementLists(doc, family, set).flatMap((list) =>
    list.map((e, i) => ({ list, i, e })).filter(({ e }) => has.every((h) => JSON.stringify(e).includes(h))),
  );
  if (hits.length !== 1) notApplied(`${hits.length} elements of ${family} ${set} with ${has.join(', ')}`);
  const { list, i } = hits[0]!;
  list.splice(i, 1);
  // an empty `add element` is not valid input: drop the command
  if (list.length === 0) {
    doc.nftables = doc.nftables.filter((c) => at(c, 'add', 'element', 'elem') !== list);
  }
}

/** Add an element to a set or map that already has elements. */
export function addElement(doc: Doc, family: NftFamily, set: string, elem: Json): void {
  elementLists(doc, family, set)[0]!.push(elem);
}

/** Add a first element list to a set or map (it must have none yet). */
export function addElementCommand(doc: Doc, family: NftFamily, set: string, elem: Json[]): void {
  const decl = doc.nftables.findIndex((c) => {
    const o = at(c, 'add', 'set') ?? at(c, 'add', 'map');
    return isObj(o) && o.family === family && o.name === set;
  });
  if (decl < 0) notApplied(`no set or map ${family} ${set}`);
  const table = at(doc.nftables[decl], 'add', 'set', 'table') ?? at(doc.nftables[decl], 'add', 'map', 'table');
  doc.nftables.splice(decl + 1, 0, { add: { element: { family, table, name: set, elem } } });
}

/**
 * Rename a chain with every reference: its declaration, its rules, and every jump or goto to it
 * (in rules and in verdict-map elements).
 */
export function renameChain(doc: Doc, family: NftFamily, from: string, to: string): void {
  let count = 0;
  const visit = (v: Json, inFamily: boolean) => {
    if (Array.isArray(v)) for (const x of v) visit(x, inFamily);
    else if (isObj(v)) {
      const fam = typeof v.family === 'string' ? v.family === family : inFamily;
      for (const key of ['jump', 'goto']) {
        const t = v[key];
        if (fam && isObj(t) && t.target === from) {
          t.target = to;
          count++;
        }
      }
      if (fam && typeof v.chain === 'string' && v.chain === from) {
        v.chain = to;
        count++;
      }
      for (const x of Object.values(v)) visit(x, fam);
    }
  };
  visit(doc.nftables, false);
  declaration(doc, 'chain', family, from).name = to;
  if (count < 2) notApplied(`chain ${family} ${from} has ${count} rules and references`);
}
