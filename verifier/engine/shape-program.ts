// The artifact part of a shard shape (shape.ts): every chain, rule and dispatch element a shard's
// key contexts can reach in one compiled ruleset, written in first-reached order with its
// constants numbered, so that isomorphic shards write the same text. Shared static chains and
// rules are written as their template's number and the numbers of its holes (shape-chains.ts).

import { keyCandidates } from './candidates.ts';
import { type CProgram, type CStep, type KeyIndex, portCode } from './compiled.ts';
import { type ChainTemplates, filledTemplate, type StaticChain, staticChain, staticRules } from './shape-chains.ts';
import type { Numbering } from './shape-pattern.ts';
import { allItems, type DispatchStep, type Speller, stepsWriter } from './shape-steps.ts';
import type { PacketSpace } from './space.ts';

/** The items a member test's index offers these contexts: ascending, each once. */
function memberItems(index: KeyIndex, contexts: readonly KeyContext[]): readonly number[] {
  let items: readonly number[] = [];
  for (const k of contexts) items = mergeAscending(items, keyCandidates(index, k.proto, k.port, k.dst));
  return items;
}

/** The ascending union of two ascending lists without repeats (a list itself when the other adds nothing). */
function mergeAscending(x: readonly number[], y: readonly number[]): readonly number[] {
  if (y.length === 0 || x === y) return x;
  if (x.length === 0) return y;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const a = x[i]!;
    const b = y[j]!;
    out.push(a <= b ? a : b);
    if (a <= b) i++;
    if (b <= a) j++;
  }
  while (i < x.length) out.push(x[i++]!);
  while (j < y.length) out.push(y[j++]!);
  return out.length === x.length ? x : out;
}

/** A key the shard's flows can carry: its own, or a DNAT target's (same protocol). */
export interface KeyContext {
  dst: number | undefined;
  proto: number;
  port: number;
}

/**
 * What one shard body is written with, shared by its IR part and each artifact part: the key
 * contexts reached so far (a DNAT target adds one), and the numberings of its constants.
 */
export interface BodyWriter {
  contexts: KeyContext[];
  /** false when the context was already there */
  addContext(dst: number, port: number): boolean;
  addrs: Numbering;
  ports: Numbering;
  listId(id: string): number;
}

export function programShape(program: CProgram, space: PacketSpace, w: BodyWriter, templates: ChainTemplates): string {
  const { contexts, addContext, addrs, ports, listId } = w;
  const chainIds = new Map<number, number>();
  /** the rules reached in each indexed chain (an unindexed chain's are all of them) */
  const rulesByChain = new Map<number, Set<number>>();
  const statics = new Map<number, StaticChain>();
  const queue: number[] = [];
  const reachChain = (c: number): number => {
    let id = chainIds.get(c);
    if (id === undefined) {
      id = chainIds.size;
      chainIds.set(c, id);
      const sc = staticChain(templates, program, c, space);
      if (sc !== null) statics.set(c, sc);
      else if (program.chains[c]!.index !== null) rulesByChain.set(c, new Set());
      queue.push(c);
    }
    return id;
  };
  /** The items an index can offer the contexts from `from` on (for a new context, or a new chain). */
  const itemsFor = (index: KeyIndex | null, count: number, from: number): Iterable<number> => {
    if (!index) return from === 0 ? allItems(count) : [];
    const out = new Set<number>();
    for (let c = from; c < contexts.length; c++) {
      const k = contexts[c]!;
      if (k.dst === undefined) {
        // a port-only shard excludes every exact destination filed for its port (shards.ts), so
        // the `full` items of that port never match in it: only port-only, destination-only and
        // general items can
        for (const list of [index.portOnly.get(portCode(k.proto, k.port)), index.allDstOnly, index.general])
          for (const i of list ?? []) out.add(i);
      } else for (const i of keyCandidates(index, k.proto, k.port, k.dst)) out.add(i);
    }
    return out;
  };
  // Reach every chain, rule and dispatch element, to a fixpoint: a DNAT target adds a key context,
  // which can reach more items of every index already visited. Each chain and dispatch remembers
  // how many contexts it has been offered, so each (index, context) pair is looked up once.
  const hooks: string[] = [];
  for (const [hook, bases] of Object.entries(program.hooks)) {
    for (const b of bases) hooks.push(`${hook} ${b.type} ${b.priority} ${b.policy} ${reachChain(b.chain)}`);
  }
  const dispatches = new Map<DispatchStep, { offered: number; seen: Set<number> }>();
  const offered = new Map<number, number>();
  /** `dnatPort`: the port a ported dispatch gives its elements' DNATs (compiled.ts). */
  const reachSteps = (steps: readonly CStep[], dnatPort: number | null = null) => {
    for (const s of steps) {
      if (s.kind === 'verdict') {
        if (s.verdict.kind === 'jump' || s.verdict.kind === 'goto') reachChain(s.verdict.chain);
        if (s.verdict.kind === 'dnat') addContext(s.verdict.atom, dnatPort ?? s.verdict.port ?? contexts[0]!.port);
      } else if (s.kind === 'dispatch') {
        if (!dispatches.has(s)) dispatches.set(s, { offered: 0, seen: new Set() });
      } else if (s.kind === 'numgen') for (const b of s.branches) reachSteps(b.steps);
    }
  };
  // Each pass walks the chains (and dispatches) in the order first reached, those reached during
  // the pass included (a Map's iteration visits entries added during it) — a pass over a snapshot
  // took a pass per link of a long chain of jumps (100,000 chains: minutes). Passes repeat while
  // the contexts grow.
  for (let changed = true; changed; ) {
    changed = false;
    for (const c of chainIds.keys()) {
      const from = offered.get(c) ?? 0;
      if (from === contexts.length) continue;
      offered.set(c, contexts.length);
      changed = true;
      const chain = program.chains[c]!;
      if (chain.index === null) {
        // every rule, once, when the chain is first offered
        if (from === 0) for (const r of chain.rules) reachSteps(r.steps);
        continue;
      }
      const rules = rulesByChain.get(c)!;
      for (const r of itemsFor(chain.index, chain.rules.length, from)) {
        if (rules.has(r)) continue;
        rules.add(r);
        reachSteps(chain.rules[r]!.steps);
      }
    }
    for (const [d, state] of dispatches) {
      if (state.offered === contexts.length) continue;
      const from = state.offered;
      state.offered = contexts.length;
      changed = true;
      for (const i of itemsFor(d.index, d.elements.length, from)) {
        if (state.seen.has(i)) continue;
        state.seen.add(i);
        reachSteps(d.elements[i]!.steps, d.dnatPort);
      }
    }
  }
  // write them in first-reached order, the constants numbered as they are written
  const spell: Speller = {
    addrSet: (set) => addrs.id(set),
    portSet: (set) => ports.id(set),
    addrPoint: (atom) => addrs.pointId(atom),
    portPoint: (port) => ports.pointId(port),
    chain: (chain) => chainIds.get(chain)!,
    list: listId,
  };
  // One set is often tested by several rules (nft's hairpin set in three chains): its items for
  // the body's final contexts, or for their DNAT targets only, are looked up once.
  // (the contexts are final while the text is written: one list, so the lookups can key on it)
  let dnatOnlyContexts: readonly KeyContext[] | null = null;
  const dnatContexts = () => (dnatOnlyContexts ??= contexts.filter((k) => k.dst !== undefined));
  const memberLookups = new Map<KeyIndex, Map<readonly KeyContext[], readonly number[]>>();
  const stepsText = stepsWriter(space, spell, {
    // the items the reach offered it: every context's, the contexts being final by now
    dispatchItems: (s) => [...dispatches.get(s)!.seen].sort((x, y) => x - y),
    memberItems: (index, dnatOnly) => {
      const contextsNow = dnatOnly ? dnatContexts() : contexts;
      let byContexts = memberLookups.get(index);
      if (byContexts === undefined) memberLookups.set(index, (byContexts = new Map()));
      let items = byContexts.get(contextsNow);
      if (items === undefined) byContexts.set(contextsNow, (items = memberItems(index, contextsNow)));
      return items;
    },
  });

  // (joined with `+`: see shape-steps.ts)
  let text = `program ${program.backend}`;
  for (const h of hooks) text = `${text}\n${h}`;
  for (const c of queue) {
    const sc = statics.get(c);
    if (sc !== undefined) {
      text = `${text}\nchain ${chainIds.get(c)} ` + filledTemplate(sc, spell);
      continue;
    }
    const chain = program.chains[c]!;
    const rules = chain.index === null ? allItems(chain.rules.length) : [...rulesByChain.get(c)!].sort((x, y) => x - y);
    const templated = staticRules(templates, program, c, space);
    const ruleText = (r: number): string => {
      const sr = templated?.[r] ?? null;
      return sr === null ? stepsText(chain.rules[r]!.steps) : filledTemplate(sr, spell);
    };
    text = `${text}\nchain ${chainIds.get(c)} `;
    for (let i = 0; i < rules.length; i++) text = (i === 0 ? text : text + ' / ') + ruleText(rules[i]!);
  }
  return text;
}
