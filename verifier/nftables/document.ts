// Applies a libnftables JSON document to an empty ruleset, as `nft -j -f` would: commands in order
// (add/create/insert/delete/flush of tables, chains, rules, sets, maps and elements; bare listed
// objects are implicit adds). The result is the final state of the tables in scope (ip/ip6 tables
// with the given name); every other table is only remembered, to be listed as ignored.
// In a command document a rule or element may only name chains and sets that exist when it is
// added (nft refuses forward references); a listing is checked as a whole afterwards.
import type { DiagnosticSink } from './diagnostics.ts';
import { Applier, type Item, tableKey } from './objects.ts';
import { keptChild } from './pointer.ts';
import { checkNesting } from './schema.ts';
import type { ItemSpan, NftFamily, RulesetState } from './state.ts';
import { isObject } from './values.ts';

const COMMANDS = new Set(['add', 'create', 'insert', 'delete', 'flush']);

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
      pointer: keptChild(base, first, kind!),
    };
  }
  return {
    index,
    command: 'add',
    kind: first,
    obj: raw[first] as Record<string, unknown>,
    pointer: keptChild(base, first),
  };
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
    this.state = { form, tables: new Map(), foreign: new Map(), outOfScope: null, source };
    this.applier = new Applier(this.state, sink, form);
  }

  /** Apply item `index`; `span`: where it is in the source text (text input only). */
  item(raw: Record<string, unknown>, index: number, span?: ItemSpan): void {
    const { sink, state } = this;
    if (!checkNesting(raw, `/nftables/${index}`, sink)) return;
    if ('metainfo' in raw) {
      const v = (raw.metainfo as { json_schema_version?: unknown }).json_schema_version;
      if (v !== undefined && v !== 1)
        sink.report('nft-schema-version', `/nftables/${index}/metainfo/json_schema_version`, v);
      return;
    }
    const item = itemOf(raw, index);
    if (!item) return;
    const obj = item.obj ?? {};
    const family = String(obj.family);
    const tname = String(item.kind === 'table' ? obj.name : obj.table);
    const inScope = item.kind !== 'ruleset' && (family === 'ip' || family === 'ip6') && tname === this.tableName;
    if (!inScope) state.outOfScope ??= { index, command: item.command, kind: item.kind, family, table: tname };
    if (item.kind === 'ruleset') {
      if (item.command === 'flush') {
        state.tables.clear();
        state.foreign.clear();
      } else sink.report('nft-unknown-command', item.pointer, `${item.command} ruleset`);
      return;
    }
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
    state.foreign.set(key, { family, name, pointer: item.pointer, baseChains: new Map() });
  // its base chains, for the note that names what runs beside kube-proxy's rules
  const table = state.foreign.get(key);
  if (table === undefined || item.kind !== 'chain' || item.obj === null) return;
  const chain = String(item.obj.name);
  const handle = typeof item.obj.handle === 'number' ? item.obj.handle : undefined;
  if (item.command === 'delete') {
    // by name, or by handle (`delete chain ip t handle 7` names none)
    if (item.obj.name !== undefined) table.baseChains.delete(chain);
    else
      for (const [name, c] of table.baseChains)
        if (handle !== undefined && c.handle === handle) table.baseChains.delete(name);
  } else if (typeof item.obj.hook === 'string')
    table.baseChains.set(chain, {
      hook: item.obj.hook,
      prio: String(item.obj.prio ?? 0),
      ...(handle !== undefined ? { handle } : {}),
    });
}
