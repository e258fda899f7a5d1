// Applies a libnftables JSON document to an empty ruleset, as `nft -j -f` would: commands in order
// (add/create/insert/delete/flush of tables, chains, rules, sets, maps and elements; bare listed
// objects are implicit adds). The result is the final state of the tables in scope (ip/ip6 tables
// with the given name); every other table is only remembered, to be listed as ignored.
// In a command document a rule or element may only name chains and sets that exist when it is
// added (nft refuses forward references); a listing is checked as a whole afterwards.
import type { DiagnosticSink } from './diagnostics.ts';
import { child, locatePointer } from './pointer.ts';
import { checkShape, type ObjectShape } from './schema.ts';
import { isObject } from './values.ts';

export type NftFamily = 'ip' | 'ip6';
export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';

export interface BaseSpec {
  type: 'filter' | 'nat';
  hook: Hook;
  prio: number;
  policy: 'accept' | 'drop';
}

/** The chains (jump/goto targets) and sets (`@name`) a rule or map value names. */
export interface Refs {
  chains: readonly string[];
  sets: readonly string[];
}

export interface RuleState {
  /** The rule object; absent when it is read again from the source text at [start, end). */
  obj?: Record<string, unknown>;
  start?: number;
  end?: number;
  refs: Refs;
  comment?: string;
  /** Pointer to the rule object. */
  pointer: string;
}

export interface ChainState {
  name: string;
  pointer: string;
  base: BaseSpec | null;
  rules: RuleState[];
}

export interface ElementState {
  /** The key as written, without an `elem` wrapper. */
  key: unknown;
  /** A map element's value. */
  data?: unknown;
  /** Per-element timeout in seconds, when given. */
  timeout?: number;
  /** Pointer to the key (or the [key, value] pair). */
  pointer: string;
}

export interface SetState {
  kind: 'set' | 'map';
  name: string;
  pointer: string;
  /** Key type parts (one for a plain type). */
  keyType: string[];
  /** Map value type parts, or 'verdict'; null for a set. */
  dataType: string[] | 'verdict' | null;
  flags: ReadonlySet<string>;
  /** Default element timeout in seconds. */
  timeout: number | null;
  /** By identity of the key (canonical JSON), in insertion order. */
  elements: Map<string, ElementState>;
}

export interface TableState {
  family: NftFamily;
  name: string;
  pointer: string;
  /** In creation order. */
  chains: Map<string, ChainState>;
  sets: Map<string, SetState>;
}

/** Where something is in the document's text: [start, end). */
export interface ItemSpan {
  start: number;
  end: number;
}

export interface ForeignTable {
  family: string;
  name: string;
  pointer: string;
}

export interface RulesetState {
  /** 'commands' when any item is a command; 'listing' for bare objects only. */
  form: 'commands' | 'listing';
  /** The document's text when rules keep their place in it (RuleState.start/end). */
  source: string | null;
  tables: Map<string, TableState>;
  foreign: Map<string, ForeignTable>;
}

const COMMANDS = new Set(['add', 'create', 'insert', 'delete', 'flush']);
const tableKey = (family: string, name: string): string => `${family} ${name}`;

interface Item {
  index: number;
  command: string;
  kind: string;
  obj: Record<string, unknown> | null;
  /** Pointer to the object. */
  pointer: string;
}

function itemOf(raw: Record<string, unknown>, index: number): Item | null {
  const [first] = Object.keys(raw);
  if (first === undefined || first === 'metainfo') return null;
  const base = `/nftables/${index}`;
  if (COMMANDS.has(first)) {
    const body = raw[first] as Record<string, unknown>;
    const [kind] = Object.keys(body);
    const obj = body[kind!];
    return {
      index,
      command: first,
      kind: kind!,
      obj: isObject(obj) ? obj : null,
      pointer: `${base}/${first}/${child('', kind!).slice(1)}`,
    };
  }
  return {
    index,
    command: 'add',
    kind: first,
    obj: raw[first] as Record<string, unknown>,
    pointer: child(base, first),
  };
}

const NO_REFS: Refs = { chains: [], sets: [] };

/** The chains (jump/goto targets) and sets (`@name`) named anywhere in a JSON value. */
export function referencesOf(v: unknown): Refs {
  const found: { chains: string[] | null; sets: string[] | null } = { chains: null, sets: null };
  collectReferences(v, found);
  return found.chains === null && found.sets === null
    ? NO_REFS
    : { chains: found.chains ?? [], sets: found.sets ?? [] };
}

function collectReferences(x: unknown, found: { chains: string[] | null; sets: string[] | null }): void {
  if (typeof x === 'string') {
    if (x.charCodeAt(0) === 64 /* @ */) (found.sets ??= []).push(x.slice(1));
  } else if (Array.isArray(x)) {
    for (const y of x) collectReferences(y, found);
  } else if (typeof x === 'object' && x !== null) {
    for (const k in x) {
      const y = (x as Record<string, unknown>)[k];
      if ((k === 'jump' || k === 'goto') && isObject(y) && typeof y.target === 'string')
        (found.chains ??= []).push(y.target);
      else collectReferences(y, found);
    }
  }
}

/** Is this item a command (`{"add": …}`) rather than a listed object? */
export const isCommand = (raw: Record<string, unknown>): boolean => {
  for (const k in raw) return COMMANDS.has(k);
  return false;
};

/**
 * Applies items one at a time (the caller may parse them one at a time). `form` says whether the
 * document holds any command: then references are checked when each item is applied.
 */
export class DocumentApplier {
  readonly state: RulesetState;
  private readonly applier: Applier;
  constructor(
    form: 'commands' | 'listing',
    private readonly tableName: string,
    private readonly sink: DiagnosticSink,
    /** The document's text, when items come from it with their offsets. */
    source: string | null,
  ) {
    this.state = { form, tables: new Map(), foreign: new Map(), source };
    this.applier = new Applier(this.state, sink, form);
  }

  /** Apply item `index`; `span`: where it is in the source text (text input only). */
  item(raw: Record<string, unknown>, index: number, span?: ItemSpan): void {
    const { sink, state } = this;
    if ('metainfo' in raw) {
      const v = (raw.metainfo as { json_schema_version?: unknown }).json_schema_version;
      if (v !== undefined && v !== 1)
        sink.report('nft-schema-version', `/nftables/${index}/metainfo/json_schema_version`, v);
      return;
    }
    const item = itemOf(raw, index);
    if (!item) return;
    if (item.kind === 'ruleset') {
      if (item.command === 'flush') {
        state.tables.clear();
        state.foreign.clear();
      } else sink.report('nft-unknown-command', item.pointer, `${item.command} ruleset`);
      return;
    }
    const obj = item.obj!;
    const family = String(obj.family);
    const tname = String(item.kind === 'table' ? obj.name : obj.table);
    const inScope = (family === 'ip' || family === 'ip6') && tname === this.tableName;
    if (!inScope) {
      applyForeign(state, item, family, tname);
      return;
    }
    this.applier.apply(item, family as NftFamily, tname, span);
  }
}

/** Apply a parsed document. */
export function applyDocument(
  doc: { nftables: Record<string, unknown>[] },
  tableName: string,
  sink: DiagnosticSink,
): RulesetState {
  const form = doc.nftables.some(isCommand) ? 'commands' : 'listing';
  const applier = new DocumentApplier(form, tableName, sink, null);
  doc.nftables.forEach((raw, index) => {
    applier.item(raw, index);
  });
  return applier.state;
}

function applyForeign(state: RulesetState, item: Item, family: string, name: string): void {
  const key = tableKey(family, name);
  if (item.kind === 'table' && item.command === 'delete') state.foreign.delete(key);
  else if (!state.foreign.has(key) && item.command !== 'delete')
    state.foreign.set(key, { family, name, pointer: item.pointer });
}

const SHAPES: Record<string, Partial<Record<string, ObjectShape>>> = {
  add: { table: 'table', chain: 'chain', rule: 'rule', set: 'set', map: 'map', element: 'element' },
  create: { table: 'table', chain: 'chain', set: 'set', map: 'map', element: 'element' },
  insert: { rule: 'rule' },
  delete: { table: 'tableRef', chain: 'chainRef', set: 'setRef', map: 'setRef', element: 'element' },
  flush: { table: 'tableRef', chain: 'chainRef', set: 'setRef', map: 'setRef' },
};

class Applier {
  constructor(
    private readonly state: RulesetState,
    private readonly sink: DiagnosticSink,
    private readonly form: 'commands' | 'listing',
  ) {}

  apply(item: Item, family: NftFamily, tname: string, span?: ItemSpan): void {
    const { command, kind, pointer } = item;
    const shape = SHAPES[command]?.[kind];
    if (!shape) {
      if (['add', 'create'].includes(command) && !(kind in SHAPES.add!))
        this.sink.report('nft-unknown-object', pointer, kind, `${family} ${tname}`);
      else this.sink.report('nft-unknown-command', pointer, `${command} ${kind}`);
      return;
    }
    const obj = item.obj as Record<string, unknown>;
    // A declaration outside the subset is still applied (best effort, when it names itself), so
    // the objects that follow are not also reported as referring to nothing.
    if (!checkShape(shape, item.obj, pointer, this.sink) && !isDeclaration(command, kind, obj)) return;
    const key = tableKey(family, tname);
    if (kind === 'table') {
      this.table(command, family, tname, key, pointer);
      return;
    }
    const table = this.state.tables.get(key);
    if (!table) {
      this.sink.report('nft-missing-reference', pointer, 'table', tname, `family ${family}`);
      return;
    }
    if (kind === 'chain') this.chain(command, table, obj, pointer);
    else if (kind === 'rule')
      this.rule(command, table, obj, pointer, span === undefined ? null : { ...span, index: item.index });
    else if (kind === 'set' || kind === 'map') this.set(command, kind, table, obj, pointer);
    else this.element(command, table, obj, pointer);
  }

  private table(command: string, family: NftFamily, name: string, key: string, pointer: string): void {
    const existing = this.state.tables.get(key);
    switch (command) {
      case 'add':
      case 'create':
        if (existing && command === 'create') this.sink.report('nft-exists', pointer, 'table', name);
        if (!existing) this.state.tables.set(key, { family, name, pointer, chains: new Map(), sets: new Map() });
        return;
      case 'delete':
        if (!existing) this.sink.report('nft-missing-reference', pointer, 'table', name, `family ${family}`);
        this.state.tables.delete(key);
        return;
      case 'flush':
        if (!existing) this.sink.report('nft-missing-reference', pointer, 'table', name, `family ${family}`);
        else for (const c of existing.chains.values()) c.rules = [];
        return;
    }
  }

  private chain(command: string, table: TableState, obj: Record<string, unknown>, pointer: string): void {
    const name = obj.name as string;
    const existing = table.chains.get(name);
    const where = `table ${table.family} ${table.name}`;
    if (command === 'delete' || command === 'flush') {
      if (!existing) {
        this.sink.report('nft-missing-reference', pointer, 'chain', name, where);
        return;
      }
      if (command === 'flush') existing.rules = [];
      else {
        const user = this.userOf(table, (refs) => refs.chains.includes(name), name);
        if (user) {
          this.sink.report('nft-delete-busy', pointer, 'chain', name, user);
          return;
        }
        table.chains.delete(name);
      }
      return;
    }
    const base: BaseSpec | null =
      obj.hook === undefined
        ? null
        : {
            type: obj.type as BaseSpec['type'],
            hook: obj.hook as Hook,
            prio: obj.prio as number,
            policy: (obj.policy as BaseSpec['policy'] | undefined) ?? 'accept',
          };
    if (!existing) {
      table.chains.set(name, { name, pointer, base, rules: [] });
      return;
    }
    if (command === 'create') {
      this.sink.report('nft-exists', pointer, 'chain', name);
      return;
    }
    if (!base) return;
    if (!existing.base) {
      this.sink.report('nft-redefined', pointer, 'chain', name, 'a regular chain cannot become a base chain');
      return;
    }
    if (existing.base.type !== base.type || existing.base.hook !== base.hook || existing.base.prio !== base.prio) {
      this.sink.report('nft-redefined', pointer, 'chain', name, 'its type, hook or priority differ');
      return;
    }
    existing.base.policy = base.policy;
  }

  private rule(
    command: string,
    table: TableState,
    obj: Record<string, unknown>,
    pointer: string,
    at: { start: number; end: number; index: number } | null,
  ): void {
    const chain = table.chains.get(obj.chain as string);
    if (!chain) {
      this.sink.report(
        'nft-missing-reference',
        pointer,
        'chain',
        obj.chain as string,
        `table ${table.family} ${table.name}`,
      );
      return;
    }
    if (this.form === 'commands' && (obj.handle !== undefined || obj.index !== undefined)) {
      this.sink.report(
        'nft-unsupported',
        pointer,
        'a rule placed by handle or index depends on the rules already loaded in the kernel',
      );
      return;
    }
    const expr = obj.expr as unknown[];
    const refs = referencesOf(expr);
    if (this.form === 'commands' && !this.referencesExist(table, refs, `${pointer}/expr`)) return;
    const rule: RuleState = { refs, pointer };
    const src = this.state.source;
    const span = src !== null && at !== null ? ruleSpan(src, at, pointer.slice(`/nftables/${at.index}`.length)) : null;
    if (span) {
      rule.start = span.start;
      rule.end = span.end;
    } else rule.obj = obj;
    if (typeof obj.comment === 'string') rule.comment = obj.comment;
    if (command === 'insert') chain.rules.unshift(rule);
    else chain.rules.push(rule);
  }

  private set(command: string, kind: 'set' | 'map', table: TableState, obj: Record<string, unknown>, p: string): void {
    const name = obj.name as string;
    const existing = table.sets.get(name);
    if (command === 'delete' || command === 'flush') {
      if (!existing) {
        this.sink.report('nft-missing-reference', p, kind, name, `table ${table.family} ${table.name}`);
        return;
      }
      if (command === 'flush') existing.elements.clear();
      else {
        const user = this.userOf(table, (refs) => refs.sets.includes(name), null);
        if (user) {
          this.sink.report('nft-delete-busy', p, kind, name, user);
          return;
        }
        table.sets.delete(name);
      }
      return;
    }
    const flags = obj.flags === undefined ? [] : Array.isArray(obj.flags) ? obj.flags : [obj.flags];
    const s: SetState = {
      kind,
      name,
      pointer: p,
      keyType: typeParts(obj.type),
      dataType: kind === 'map' ? (obj.map === 'verdict' ? 'verdict' : typeParts(obj.map)) : null,
      flags: new Set(flags as string[]),
      timeout: typeof obj.timeout === 'number' ? obj.timeout : null,
      elements: new Map(),
    };
    let target = existing;
    if (!existing) {
      table.sets.set(name, s);
      target = s;
    } else if (command === 'create') {
      this.sink.report('nft-exists', p, kind, name);
      return;
    } else if (!sameSetType(existing, s)) {
      this.sink.report('nft-redefined', p, kind, name, 'its type, flags or timeout differ');
      return;
    }
    if (obj.elem !== undefined) this.addElements(command, table, target!, obj.elem, child(p, 'elem'));
  }

  private element(command: string, table: TableState, obj: Record<string, unknown>, pointer: string): void {
    const name = obj.name as string;
    const set = table.sets.get(name);
    if (!set) {
      this.sink.report('nft-missing-reference', pointer, 'set', name, `table ${table.family} ${table.name}`);
      return;
    }
    const at = child(pointer, 'elem');
    if (command === 'delete') {
      const { list, single } = elementList(set.kind, obj.elem);
      for (const [i, e] of list.entries()) {
        const id = elementId(unwrap(set.kind === 'map' && Array.isArray(e) ? e[0] : e).key);
        if (!set.elements.delete(id)) this.sink.report('nft-missing-element', single ? at : child(at, i), name, id);
      }
      return;
    }
    this.addElements(command, table, set, obj.elem, at);
  }

  private addElements(command: string, table: TableState, set: SetState, elem: unknown, at: string): void {
    const { list, single } = elementList(set.kind, elem);
    for (const [i, e] of list.entries()) {
      const p = single ? at : child(at, i);
      if (set.kind === 'map' && !isPair(e)) {
        this.sink.report('nft-bad-value', p, JSON.stringify(e), `a [key, value] pair of map '${set.name}'`);
        continue;
      }
      if (set.kind === 'set' && isPair(e)) {
        this.sink.report('nft-bad-value', p, JSON.stringify(e), `a key of set '${set.name}' (it is not a map)`);
        continue;
      }
      const [rawKey, data] = set.kind === 'map' ? (e as [unknown, unknown]) : [e, undefined];
      if (
        this.form === 'commands' &&
        data !== undefined &&
        !this.referencesExist(table, referencesOf(data), child(p, 1))
      )
        continue;
      const { key, timeout } = unwrap(rawKey);
      const id = elementId(key);
      const el: ElementState = { key, pointer: p };
      if (data !== undefined) el.data = data;
      if (timeout !== undefined) el.timeout = timeout;
      const prev = set.elements.get(id);
      if (prev) {
        if (command === 'create') this.sink.report('nft-exists', p, 'element', id);
        else if (JSON.stringify(prev.data) !== JSON.stringify(data))
          this.sink.report('nft-element-conflict', p, set.name, id);
        continue;
      }
      set.elements.set(id, el);
    }
  }

  /** In a command document, every chain and set a rule or element names must exist already. */
  private referencesExist(table: TableState, refs: Refs, pointer: string): boolean {
    let ok = true;
    for (const c of refs.chains)
      if (!table.chains.has(c)) {
        this.sink.report('nft-missing-reference', pointer, 'chain', c, `table ${table.family} ${table.name}`);
        ok = false;
      }
    for (const s of refs.sets)
      if (!table.sets.has(s)) {
        this.sink.report('nft-missing-reference', pointer, 'set', s, `table ${table.family} ${table.name}`);
        ok = false;
      }
    return ok;
  }

  /** A rule or map that refers to something (for delete), described for the user; null if none. */
  private userOf(table: TableState, uses: (refs: Refs) => boolean, self: string | null): string | null {
    for (const c of table.chains.values()) {
      if (c.name === self) continue;
      for (const r of c.rules) if (uses(r.refs)) return `a rule of chain '${c.name}' (${r.pointer})`;
    }
    for (const s of table.sets.values())
      for (const e of s.elements.values()) if (uses(referencesOf(e.data))) return `an element of map '${s.name}'`;
    return null;
  }
}

const isDeclaration = (command: string, kind: string, obj: Record<string, unknown>): boolean =>
  (command === 'add' || command === 'create') &&
  ['table', 'chain', 'set', 'map'].includes(kind) &&
  typeof obj.name === 'string' &&
  (kind === 'table' || typeof obj.table === 'string') &&
  (kind !== 'chain' || obj.hook === undefined || typeof obj.prio === 'number');

/**
 * Where the rule object at `path` (`/rule` or `/<command>/rule`) of an item is in the source text.
 * The rule is the item's last value (every wrapper has one key), so it ends where the wrappers'
 * closing braces begin: only the keys at the start are scanned, never the rule itself.
 */
function ruleSpan(source: string, item: ItemSpan, path: string): ItemSpan | null {
  const found = locatePointer(source, path, item.start, false);
  if (!found) return null;
  let end = item.end;
  const wrappers = path.split('/').length - 1;
  for (let w = 0; w < wrappers; w++) {
    end--; // at a wrapper's closing brace
    if (source.charCodeAt(end) !== 0x7d) return null;
    while (end > found.start && isSpace(source.charCodeAt(end - 1))) end--;
  }
  return source.charCodeAt(end - 1) === 0x7d ? { start: found.start, end } : null;
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** A map element: [key, value]. */
const isPair = (v: unknown): boolean => Array.isArray(v) && v.length === 2;

/**
 * The elements of an `elem` property: a set's is a key or an array of keys; a map's is an array of
 * [key, value] pairs, or one pair alone (keys are never arrays, so the two cannot be confused).
 */
function elementList(kind: 'set' | 'map', elem: unknown): { list: unknown[]; single: boolean } {
  if (!Array.isArray(elem)) return { list: [elem], single: true };
  if (kind === 'map' && isPair(elem) && !elem.every(Array.isArray)) return { list: [elem], single: true };
  return { list: elem, single: false };
}

function unwrap(v: unknown): { key: unknown; timeout?: number } {
  if (isObject(v) && isObject(v.elem)) {
    const e = v.elem as { val: unknown; timeout?: number };
    return e.timeout === undefined ? { key: e.val } : { key: e.val, timeout: e.timeout };
  }
  return { key: v };
}

/** Identity of a key: its JSON with numeric strings as numbers (nft reads "0x4000" as 16384). */
export function elementId(key: unknown): string {
  return JSON.stringify(key, (_k, v: unknown) =>
    typeof v === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v) ? Number(v) : v,
  );
}

function typeParts(t: unknown): string[] {
  if (Array.isArray(t)) return t as string[];
  return String(t).split(' . ');
}

function sameSetType(a: SetState, b: SetState): boolean {
  return (
    a.kind === b.kind &&
    a.keyType.join('.') === b.keyType.join('.') &&
    JSON.stringify(a.dataType) === JSON.stringify(b.dataType) &&
    a.timeout === b.timeout &&
    [...a.flags]
      .filter((f) => f !== 'dynamic')
      .sort()
      .join() ===
      [...b.flags]
        .filter((f) => f !== 'dynamic')
        .sort()
        .join()
  );
}
