// The artifact part of a shard shape (shape.ts): every chain, rule and dispatch element a shard's
// key contexts can reach in one compiled ruleset, written in first-reached order with its
// constants numbered, so that isomorphic shards write the same text.

import { candidatesFor } from './candidates.ts';
import {
  type CPart,
  type CProgram,
  type CStep,
  type CTest,
  type CVerdict,
  type KeyIndex,
  portCode,
} from './compiled.ts';
import type { Numbering } from './shape-pattern.ts';
import { AFFINITY_BASE, DIM, type PacketSpace } from './space.ts';

const itemLists = new Map<number, number[]>();
function allItems(count: number): number[] {
  let l = itemLists.get(count);
  if (!l) itemLists.set(count, (l = Array.from({ length: count }, (_, i) => i)));
  return l;
}

/** The items a member test's index offers these contexts, ascending (one context: its list as is). */
function memberItems(index: KeyIndex, contexts: readonly KeyContext[]): readonly number[] {
  if (contexts.length === 1) {
    const k = contexts[0]!;
    return candidatesFor(index, k.proto, k.port, k.dst);
  }
  return [...new Set(contexts.flatMap((k) => candidatesFor(index, k.proto, k.port, k.dst)))].sort((x, y) => x - y);
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

export function programShape(program: CProgram, space: PacketSpace, w: BodyWriter): string {
  const { contexts, addContext, addrs, ports, listId } = w;
  const chainIds = new Map<number, number>();
  const rulesByChain = new Map<number, Set<number>>();
  const queue: number[] = [];
  const reachChain = (c: number): number => {
    let id = chainIds.get(c);
    if (id === undefined) {
      id = chainIds.size;
      chainIds.set(c, id);
      rulesByChain.set(c, new Set());
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
      } else for (const i of candidatesFor(index, k.proto, k.port, k.dst)) out.add(i);
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
  type Dispatch = Extract<CStep, { kind: 'dispatch' }>;
  const dispatches = new Map<Dispatch, { offered: number; seen: Set<number> }>();
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
  for (let changed = true; changed; ) {
    changed = false;
    for (const c of [...chainIds.keys()]) {
      const from = offered.get(c) ?? 0;
      if (from === contexts.length) continue;
      offered.set(c, contexts.length);
      changed = true;
      const chain = program.chains[c]!;
      const rules = rulesByChain.get(c)!;
      for (const r of itemsFor(chain.index, chain.rules.length, from)) {
        if (rules.has(r)) continue;
        rules.add(r);
        reachSteps(chain.rules[r]!.steps);
      }
    }
    for (const [d, state] of [...dispatches]) {
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
  // write them in first-reached order
  const partText = (p: CPart): string => {
    switch (p.dim) {
      case DIM.src:
      case DIM.dst:
        return `${p.dim}a${addrs.id(p.set)}`;
      case DIM.sport:
      case DIM.dport:
        return `${p.dim}p${ports.id(p.set)}`;
      default:
        return `${p.dim}=${p.set.join(',')}`;
    }
  };
  // One set is often tested by several rules (nft's hairpin set in three chains): its items for
  // the body's final contexts, or for their DNAT targets only, are looked up once.
  const memberLookups = new Map<KeyIndex, Map<readonly KeyContext[], readonly number[]>>();
  const memberItemsOnce = (index: KeyIndex, contextsNow: readonly KeyContext[]): readonly number[] => {
    let byContexts = memberLookups.get(index);
    if (byContexts === undefined) memberLookups.set(index, (byContexts = new Map()));
    let items = byContexts.get(contextsNow);
    if (items === undefined) byContexts.set(contextsNow, (items = memberItems(index, contextsNow)));
    return items;
  };
  const testText = (t: CTest, contextsNow: readonly KeyContext[]): string => {
    switch (t.kind) {
      case 'parts':
        return t.parts.map(partText).join('&');
      case 'mark':
        return `mark ${t.mask} ${t.value}`;
      case 'ct':
        return `ct ${t.atoms.join(',')} ${t.matchesNew} ${t.dnat}`;
      case 'affinity':
        return `aff ${listId(space.affinity[t.dim - AFFINITY_BASE]!.id)} ${t.set.join(',')}`;
      case 'member': {
        const items = t.index ? memberItemsOnce(t.index, contextsNow) : allItems(t.elements.length);
        return `member ${items.map((i) => t.elements[i]!.map(partText).join('&')).join('|')}`;
      }
    }
  };
  const verdictText = (v: CVerdict): string => {
    switch (v.kind) {
      case 'jump':
      case 'goto':
        return `${v.kind} ${chainIds.get(v.chain)}`;
      case 'dnat':
        return `dnat ${addrs.pointId(v.atom)} ${v.port === null ? '-' : ports.pointId(v.port)}`;
      case 'masquerade':
        return `masq ${v.fullyRandom}`;
      case 'reject':
        return `reject ${v.with}`;
      default:
        return v.kind;
    }
  };
  const stepText = (s: CStep, dnatOnly: boolean): string => {
    switch (s.kind) {
      case 'test':
        return `${s.negate ? '!' : ''}(${testText(s.test, dnatOnly ? dnatContexts() : contexts)})`;
      case 'random':
        return `rand ${s.p.n}/${s.p.s}`;
      case 'numgen':
        return `numgen[${s.branches.map((b) => `${b.w.n}/${b.w.s}:${stepsText(b.steps)}`).join('|')}] miss ${s.miss.n}/${s.miss.s}`;
      case 'dispatch': {
        // the items the reach offered it: every context's, the contexts being final by now
        const items = [...dispatches.get(s)!.seen].sort((x, y) => x - y);
        const port = s.dnatPort === null ? '' : ` port ${ports.pointId(s.dnatPort)}`;
        return `dispatch[${items.map((i) => `${s.elements[i]!.parts.map(partText).join('&')}:${stepsText(s.elements[i]!.steps)}`).join('|')}]${port}`;
      }
      case 'mark':
        return `mark ${s.keep} ${s.xor}`;
      case 'affinityWrite':
        return `write ${listId(s.list)}`;
      case 'noop':
        return '';
      case 'verdict':
        return verdictText(s.verdict);
    }
  };
  // Shards are all new packets; after a passing `ct status dnat` test (not true of new packets
  // unless DNAT happened) the destination is a DNAT target, which is one of the contexts with a
  // destination: a lookup there cannot see the open destination of a port-only shard.
  // (the contexts are final while the text is written: one list, so the lookups above can key on it)
  let dnatOnlyContexts: readonly KeyContext[] | null = null;
  const dnatContexts = () => (dnatOnlyContexts ??= contexts.filter((k) => k.dst !== undefined));
  const stepsText = (steps: readonly CStep[]): string => {
    let dnatOnly = false;
    const out: string[] = [];
    for (const st of steps) {
      out.push(stepText(st, dnatOnly));
      if (st.kind === 'test' && st.test.kind === 'ct' && !st.negate && !st.test.matchesNew && st.test.dnat) {
        dnatOnly = true;
      }
    }
    return out.join(';');
  };

  const lines = [`program ${program.backend}`, ...hooks];
  for (const c of queue) {
    const chain = program.chains[c]!;
    const rules = [...rulesByChain.get(c)!].sort((x, y) => x - y);
    lines.push(`chain ${chainIds.get(c)} ${rules.map((r) => stepsText(chain.rules[r]!.steps)).join(' / ')}`);
  }
  return lines.join('\n');
}
