// The ruleset as the reader builds it from a document: the tables in scope with their chains,
// rules, sets and elements (as written, not yet read into model steps), and the other tables.
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
  /** Its base chains, by name: hook and priority (what runs beside kube-proxy's, unread). */
  baseChains: Map<string, { hook: string; prio: string; handle?: number }>;
}

export interface RulesetState {
  /** 'commands' when any item is a command; 'listing' for bare objects only. */
  form: 'commands' | 'listing';
  /** The document's text when rules keep their place in it (RuleState.start/end). */
  source: string | null;
  tables: Map<string, TableState>;
  foreign: Map<string, ForeignTable>;
  /**
   * The first item on another table, or on the whole ruleset, whatever it did (a delete of a table
   * the document lacks leaves no other trace): an update proof refuses any.
   */
  outOfScope: { index: number; command: string; kind: string; family: string; table: string } | null;
}

const NO_REFS: Refs = { chains: [], sets: [] };

/** The chains (jump/goto targets) and sets (`@name`) named anywhere in a JSON value. */
export function referencesOf(v: unknown): Refs {
  if (typeof v !== 'object' && (typeof v !== 'string' || v.charCodeAt(0) !== 64) /* @ */) return NO_REFS;
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
