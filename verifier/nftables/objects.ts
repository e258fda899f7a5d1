// One command applied to one object of a table in scope, with nft's rules: what `add`, `create`,
// `insert`, `delete` and `flush` do to tables, chains, rules, sets, maps and elements, what fails
// (a missing object, an existing one for `create`, one still in use for `delete`), and in a command
// document that a rule or element names only chains and sets that exist already.
import { checkBaseChain } from './base-chain.ts';
import type { DiagnosticSink } from './diagnostics.ts';
import { elementId, elementList, isPair, needsInterval, sameSetType, typeParts, unwrap } from './elements.ts';
import { overKernelLimit } from './object-limits.ts';
import { child, keptChild, keptIndex } from './pointer.ts';
import { ruleSpan } from './rule-span.ts';
import { checkShape, type ObjectShape } from './schema.ts';
import { isDynamic } from './sets.ts';
import {
  type BaseSpec,
  type ElementState,
  type Hook,
  type ItemSpan,
  type NftFamily,
  type RuleState,
  type RulesetState,
  referencesOf,
  type SetState,
  type TableState,
} from './state.ts';
import { referencesExist, userOf } from './table-references.ts';

/** The hint for an update of ksvc's read alone: its first command deletes the stamp of the tables it updates. */
const UPDATE_ALONE =
  "an update written by 'ksvc compile --since' first deletes the version stamp of the tables it updates: read it after the old version's document, as nft applies it to a node holding that";

export const tableKey = (family: string, name: string): string => `${family} ${name}`;

export interface Item {
  index: number;
  command: string;
  kind: string;
  obj: Record<string, unknown> | null;
  /** Pointer to the object. */
  pointer: string;
}

const SHAPES: Record<string, Partial<Record<string, ObjectShape>>> = {
  add: { table: 'table', chain: 'chain', rule: 'rule', set: 'set', map: 'map', element: 'element' },
  create: { table: 'table', chain: 'chain', set: 'set', map: 'map', element: 'element' },
  insert: { rule: 'rule' },
  delete: { table: 'tableRef', chain: 'chainRef', set: 'setRef', map: 'setRef', element: 'element' },
  flush: { table: 'tableRef', chain: 'chainRef', set: 'setRef', map: 'setRef' },
};

/** The records nft gives a set the data path fills when the document names no size. */
const DEFAULT_DYNAMIC_SIZE = 65535;

export class Applier {
  /**
   * Constant sets a rule of the load has used (its table and name): the kernel binds a set to the
   * rule for the whole transaction, so deleting or flushing the rule does not let the set change.
   */
  private readonly bound = new Set<string>();

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
    if (overKernelLimit(command, kind, obj, pointer, this.sink)) return;
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
        const user = userOf(table, (refs) => refs.chains.includes(name), name);
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
    if (base !== null) checkBaseChain(base, pointer, this.sink);
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
    // nft keeps the policy of a chain added again without one (measured: policy drop stays)
    if (obj.policy !== undefined) existing.base.policy = base.policy;
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
    if (this.form === 'commands' && !referencesExist(table, refs, pointer, 'expr', this.sink)) return;
    const rule: RuleState = { refs, pointer };
    for (const name of refs.sets)
      if (table.sets.get(name)?.flags.has('constant')) this.bound.add(`${table.family} ${table.name} ${name}`);
    const src = this.state.source;
    // the rule object sits under one wrapper when listed, two in a command
    const wrappers = pointer.length - `/nftables/${at?.index}`.length === 5 ? 1 : 2;
    const span = src !== null && at !== null ? ruleSpan(src, at, wrappers) : null;
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
        // ksvc's updates begin so (backends/nftables/delta.ts): the commonest way to meet this
        if (command === 'delete' && name.startsWith('ksvc-version-')) this.sink.hintLast(UPDATE_ALONE);
        return;
      }
      if (command === 'flush') {
        if (!this.constantInUse(table, existing, p)) existing.elements.clear();
      } else {
        const user = userOf(table, (refs) => refs.sets.includes(name), null);
        if (user) {
          this.sink.report('nft-delete-busy', p, kind, name, user);
          return;
        }
        table.sets.delete(name);
      }
      return;
    }
    const flags = obj.flags === undefined ? [] : Array.isArray(obj.flags) ? obj.flags : [obj.flags];
    const timeout = typeof obj.timeout === 'number' ? obj.timeout : null;
    const flagSet = new Set(flags as string[]);
    // nft gives a set with a default timeout the timeout flag itself: its elements expire
    // (measured: a dispatch map with "timeout": 2 and no flags was empty 3 s after the load)
    if (timeout !== null && timeout > 0) flagSet.add('timeout');
    const s: SetState = {
      kind,
      name,
      pointer: p,
      keyType: typeParts(obj.type),
      dataType: kind === 'map' ? (obj.map === 'verdict' ? 'verdict' : typeParts(obj.map)) : null,
      flags: flagSet,
      timeout,
      elements: new Map(),
    };
    // a dynamic set full at `size` records stops the rule that updates it (no DNAT for a new
    // client): the model assumes the default room (affinity-capacity), so a smaller one is refused
    // (the set is still made: the rules naming it are read, no cascade)
    if (isDynamic(s) && typeof obj.size === 'number' && obj.size < DEFAULT_DYNAMIC_SIZE) {
      this.sink.report(
        'nft-affinity',
        child(p, 'size'),
        `set '${name}' holds at most ${obj.size} records (the default is 65,535): a full set stops the rule that updates it`,
      );
    }
    // the kernel refuses a constant set the data path would write ("Operation not supported")
    if (s.flags.has('constant') && isDynamic(s)) {
      this.sink.report(
        'nft-bad-value',
        child(p, 'flags'),
        JSON.stringify(flags),
        'set flags the kernel takes together',
      );
      return;
    }
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
    if (obj.elem !== undefined && !(existing && this.constantInUse(table, existing, p)))
      this.addElements(command, table, target!, obj.elem, keptChild(p, 'elem'));
  }

  private element(command: string, table: TableState, obj: Record<string, unknown>, pointer: string): void {
    const name = obj.name as string;
    const set = table.sets.get(name);
    if (!set) {
      this.sink.report('nft-missing-reference', pointer, 'set', name, `table ${table.family} ${table.name}`);
      return;
    }
    const at = keptChild(pointer, 'elem');
    if (this.constantInUse(table, set, pointer)) return;
    if (command === 'delete') {
      // a delete names keys: "elem": [k1, k2] is two keys, also in a map (nft reads it so; an add's
      // bare [key, value] pair is one mapping, elementList)
      const single = !Array.isArray(obj.elem);
      const list = single ? [obj.elem] : (obj.elem as unknown[]);
      for (const [i, e] of list.entries()) {
        const id = elementId(unwrap(set.kind === 'map' && Array.isArray(e) ? e[0] : e).key);
        if (!set.elements.delete(id)) this.sink.report('nft-missing-element', single ? at : child(at, i), name, id);
      }
      return;
    }
    this.addElements(command, table, set, obj.elem, at);
  }

  /** A constant set a rule or element already uses cannot change (measured: the load fails). */
  private constantInUse(table: TableState, set: SetState, pointer: string): boolean {
    if (this.form !== 'commands' || !set.flags.has('constant')) return false;
    const user =
      userOf(table, (refs) => refs.sets.includes(set.name), null) ??
      (this.bound.has(`${table.family} ${table.name} ${set.name}`) ? 'a rule added earlier in the load' : null);
    if (user) this.sink.report('nft-constant-busy', pointer, set.name, user);
    return user !== null;
  }

  private addElements(command: string, table: TableState, set: SetState, elem: unknown, at: string): void {
    if (this.form === 'commands' && isDynamic(set)) {
      // records are what the data path writes: a document that loads one makes that client go to
      // its endpoint from the start, where the rulesets compared start with no record
      this.sink.report('nft-affinity', at, `a command document adds record(s) to the dynamic set '${set.name}'`);
      return;
    }
    const { list, single } = elementList(set.kind, elem);
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      const p = single ? at : keptIndex(at, i);
      if (set.kind === 'map' && !isPair(e)) {
        this.sink.report('nft-bad-value', p, JSON.stringify(e), `a [key, value] pair of map '${set.name}'`);
        continue;
      }
      if (set.kind === 'set' && isPair(e)) {
        this.sink.report('nft-bad-value', p, JSON.stringify(e), `a key of set '${set.name}' (it is not a map)`);
        continue;
      }
      const rawKey = set.kind === 'map' ? (e as unknown[])[0] : e;
      const data = set.kind === 'map' ? (e as unknown[])[1] : undefined;
      if (
        this.form === 'commands' &&
        data !== undefined &&
        !referencesExist(table, referencesOf(data), p, 1, this.sink)
      )
        continue;
      const { key, timeout } = unwrap(rawKey);
      if (!set.flags.has('interval') && needsInterval(key, set.keyType)) {
        // nft refuses the load ("You must add 'flags interval' to your set declaration")
        const what = `an element of '${set.name}' (a prefix, range or interface-name wildcard needs the set's interval flag)`;
        this.sink.report('nft-bad-value', p, JSON.stringify(rawKey), what);
        continue;
      }
      const id = elementId(key);
      const el: ElementState = { key, pointer: p };
      if (data !== undefined) el.data = data;
      if (timeout !== undefined) {
        // nft refuses the load ("Invalid argument"): an element timeout needs the set's timeout flag
        if (!set.flags.has('timeout')) {
          this.sink.report(
            'nft-bad-value',
            p,
            JSON.stringify(rawKey),
            `an element of '${set.name}' (an element timeout needs the set's timeout flag)`,
          );
          continue;
        }
        el.timeout = timeout;
      }
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
}

const isDeclaration = (command: string, kind: string, obj: Record<string, unknown>): boolean =>
  (command === 'add' || command === 'create') &&
  ['table', 'chain', 'set', 'map'].includes(kind) &&
  typeof obj.name === 'string' &&
  (kind === 'table' || typeof obj.table === 'string') &&
  (kind !== 'chain' || obj.hook === undefined || typeof obj.prio === 'number');
