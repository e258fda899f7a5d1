// The artifact part of a shard shape (shape.ts): every chain, rule and dispatch element a shard's
// key contexts can reach in one compiled ruleset, written in first-reached order with its
// constants numbered, so that isomorphic shards write the same tokens (shape-stream.ts): each
// rule as its steps' template (shape-templates.ts) with the body's numbers in its holes.

import { keyCandidates } from './candidates.ts';
import { type CProgram, type KeyIndex, portCode } from './compiled.ts';
import { ACTION, chainSummary, elementSummary, nextBodyMarks, ruleSummary } from './shape-reach.ts';
import { allItems, type DispatchStep, type MemberTest } from './shape-steps.ts';
import { emitRule, emitTemplate, type StreamWriter, startProgram } from './shape-stream.ts';
import { HOLE } from './shape-tables.ts';
import { literalTemplate, TemplateBuilder } from './shape-templates.ts';

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
 * The key contexts of one shard body, shared by its IR part and each artifact part: those reached
 * so far (a DNAT target adds one).
 */
export interface BodyContexts {
  contexts: KeyContext[];
  /** false when the context was already there */
  addContext(dst: number, port: number): boolean;
}

/** The place of a program's head's template (its name and base chains), made once per check. */
function programHead(w: StreamWriter, program: CProgram): number {
  const heads = w.templates.heads;
  let t = heads.get(program);
  if (t === undefined) {
    const b = new TemplateBuilder(w.templates);
    let text = `\nprogram ${program.backend}`;
    for (const [hook, bases] of Object.entries(program.hooks)) {
      for (const base of bases)
        text = `${text}\n${hook} ${base.type} ${base.priority} ${base.policy} ${b.chain(base.chain)}`;
    }
    const made = b.finish(text);
    if (made < 0) throw new Error(`internal error: a base chain's text holds U+0000 (${program.backend})`);
    heads.set(program, (t = made));
  }
  return t;
}

export function programShape(program: CProgram, w: StreamWriter, bc: BodyContexts): void {
  const { contexts, addContext } = bc;
  const marks = nextBodyMarks(w.chainMarks, program);
  const { stamp, number, offered } = marks;
  const body = marks.body;
  /** the rules reached in each indexed chain (an unindexed chain's are all of them) */
  const rulesByChain = new Map<number, Set<number>>();
  /** the chains reached, in the order first reached (a chain's number is its position) */
  const queue: number[] = [];
  const reachChain = (c: number): void => {
    if (stamp[c] === body) return;
    stamp[c] = body;
    number[c] = queue.length;
    offered[c] = 0;
    if (program.chains[c]!.index !== null) rulesByChain.set(c, new Set());
    queue.push(c);
  };
  /** The items an index can offer the contexts from `from` on (for a new context, or a new chain), ascending. */
  const itemsFor = (index: KeyIndex | null, count: number, from: number): readonly number[] => {
    if (!index) return from === 0 ? allItems(count) : [];
    let out: readonly number[] = [];
    for (let c = from; c < contexts.length; c++) {
      const k = contexts[c]!;
      if (k.dst === undefined) {
        // a port-only shard excludes every exact destination filed for its port (shards.ts), so
        // the `full` items of that port never match in it: only port-only, destination-only and
        // general items can
        out = mergeAscending(out, index.portOnly.get(portCode(k.proto, k.port)) ?? []);
        out = mergeAscending(mergeAscending(out, index.allDstOnly), index.general);
      } else out = mergeAscending(out, keyCandidates(index, k.proto, k.port, k.dst));
    }
    return out;
  };
  // Reach every chain, rule and dispatch element, to a fixpoint: a DNAT target adds a key context,
  // which can reach more items of every index already visited. Each chain and dispatch remembers
  // how many contexts it has been offered, so each (index, context) pair is looked up once.
  for (const bases of Object.values(program.hooks)) for (const b of bases) reachChain(b.chain);
  const dispatches = new Map<DispatchStep, { offered: number; seen: Set<number> }>();
  const summaries = w.summaries;
  /** Does what a summary says (shape-reach.ts); `dnatPort`: the port a ported dispatch gives its elements' DNATs. */
  const reachSummary = (place: number, dnatPort: number | null) => {
    const data = summaries.pool.data;
    const end = place + 1 + 3 * data[place]!;
    for (let i = place + 1; i < end; i += 3) {
      const a = data[i + 1]!;
      const b = data[i + 2]!;
      switch (data[i]) {
        case ACTION.chain:
          reachChain(a);
          break;
        case ACTION.dnat:
          addContext(a, dnatPort ?? (b >= 0 ? b : contexts[0]!.port));
          break;
        case ACTION.branchDnat:
          addContext(a, b >= 0 ? b : contexts[0]!.port);
          break;
        default: {
          const s = summaries.dispatches[a]!;
          if (!dispatches.has(s)) dispatches.set(s, { offered: 0, seen: new Set() });
        }
      }
    }
  };
  // Each pass walks the chains (and dispatches) in the order first reached, those reached during
  // the pass included — a pass over a snapshot took a pass per link of a long chain of jumps
  // (100,000 chains: minutes). Passes repeat while the contexts grow.
  for (let changed = true; changed; ) {
    changed = false;
    for (let q = 0; q < queue.length; q++) {
      const c = queue[q]!;
      const from = offered[c]!;
      if (from === contexts.length) continue;
      offered[c] = contexts.length;
      changed = true;
      const chain = program.chains[c]!;
      if (chain.index === null) {
        // every rule, once, when the chain is first offered
        if (from === 0) reachSummary(chainSummary(summaries, program, c), null);
        continue;
      }
      const rules = rulesByChain.get(c)!;
      for (const r of itemsFor(chain.index, chain.rules.length, from)) {
        if (rules.has(r)) continue;
        rules.add(r);
        reachSummary(ruleSummary(summaries, program, c, r), null);
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
        reachSummary(elementSummary(summaries, d, i), d.dnatPort);
      }
    }
  }
  // write them in first-reached order, the constants numbered as they are written
  // (the contexts are final while the tokens are written: one list, so the lookups can key on it)
  let dnatOnlyContexts: readonly KeyContext[] | null = null;
  const dnatContexts = () => (dnatOnlyContexts ??= contexts.filter((k) => k.dst !== undefined));
  const memberLookups = new Map<KeyIndex, Map<readonly KeyContext[], readonly number[]>>();
  startProgram(w, {
    chainNumber: (chain) => number[chain]!,
    // the items the reach offered it: every context's, the contexts being final by now
    dispatchItems: (s) => [...dispatches.get(s)!.seen].sort((x, y) => x - y),
    // one set is often tested by several rules (nft's hairpin set in three chains): its items for
    // the body's final contexts, or for their DNAT targets only, are looked up once
    memberItems: (t: MemberTest, dnatOnly) => {
      const contextsNow = dnatOnly ? dnatContexts() : contexts;
      let byContexts = memberLookups.get(t.index!);
      if (byContexts === undefined) memberLookups.set(t.index!, (byContexts = new Map()));
      let items = byContexts.get(contextsNow);
      if (items === undefined) byContexts.set(contextsNow, (items = memberItems(t.index!, contextsNow)));
      return items;
    },
  });
  const { tokens, templates } = w;
  emitTemplate(w, programHead(w, program));
  const chainLine = literalTemplate(templates, '\nchain \u0000 ', [HOLE.number]);
  const between = literalTemplate(templates, ' / ', []);
  for (const c of queue) {
    tokens.push(chainLine);
    tokens.push(number[c]!);
    const chain = program.chains[c]!;
    const rules = chain.index === null ? allItems(chain.rules.length) : [...rulesByChain.get(c)!].sort((x, y) => x - y);
    for (let i = 0; i < rules.length; i++) {
      if (i > 0) tokens.push(between);
      emitRule(w, program, c, rules[i]!);
    }
  }
}
