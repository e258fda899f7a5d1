// The nftables ruleset of one IP family as plain data: what build.ts produces from the IR and what
// document.ts writes as libnftables JSON. Rules and verdicts are libnftables JSON objects
// (json.ts); set and map elements are compact tuples, because there are hundreds of thousands of
// them at scale and the writer spells them directly.
import type { NftFamily, Stmt } from './json.ts';

export const TABLE = 'kube-proxy';

export interface BaseChainSpec {
  type: 'filter' | 'nat';
  hook: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
  prio: number;
}

export interface Rule {
  /** Statements, run left to right (libnftables JSON statement objects). */
  expr: Stmt[];
  comment?: string;
}

export interface Chain {
  name: string;
  /** Present for a base chain (always with policy accept). */
  base?: BaseChainSpec;
  rules: Rule[];
}

/** A constant: an address, protocol name or interface name (string) or a port (number). */
export type Atom = string | number;

export interface Element {
  /** One atom, or the parts of a concatenated key. */
  key: Atom | readonly Atom[];
  /** A map element's value: a constant (address map) or a verdict statement (verdict map). */
  value?: Atom | Stmt;
  comment?: string;
}

export interface NamedSet {
  kind: 'set' | 'map';
  name: string;
  /** One type name, or the parts of a concatenated type. */
  type: string | readonly string[];
  /** A map's value type. */
  map?: 'verdict' | 'ipv4_addr' | 'ipv6_addr';
  flags?: readonly 'timeout'[];
  /** Seconds (sets with the timeout flag). */
  timeout?: number;
  elements: Element[];
}

export interface FamilyRuleset {
  family: NftFamily;
  /** In the order they are declared; rules are written chain by chain in this order. */
  chains: Chain[];
  sets: NamedSet[];
}

/**
 * Collects a map's or set's elements, each key once. A second element for a key is an internal
 * error: the IR's frontends are unique (the checker's `frontend-in-use`), so two elements for one
 * key would mean the backend dispatches one frontend twice, and nft would keep only one of them.
 */
export class ElementList {
  private readonly seen = new Set<string>();
  readonly elements: Element[] = [];
  constructor(private readonly setName: string) {}

  add(element: Element): void {
    const id = typeof element.key === 'object' ? element.key.join(' . ') : String(element.key);
    if (this.seen.has(id)) throw new Error(`internal error: ${this.setName} would get key ${id} twice`);
    this.seen.add(id);
    this.elements.push(element);
  }
}
