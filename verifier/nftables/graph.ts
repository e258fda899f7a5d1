// The chain graph of one table, as the kernel checks it when a ruleset loads: edges are jump and
// goto targets, in rules and in the elements of the verdict maps rules use. No cycle anywhere
// (ELOOP), at most 15 jumps below a base chain (NFT_JUMP_STACK_SIZE is 16). Also which base chains
// (type and hook) reach each chain, to check the statements that only some hooks accept.
// Iterative, over chain indices: a 10,000-service table has ~200,000 chains.
import type { DiagnosticSink } from './diagnostics.ts';
import { referencesOf, type TableState } from './state.ts';

/** The kernel's NFT_JUMP_STACK_SIZE: a chain may be at most 15 jumps away from its base chain. */
const MAX_DEPTH = 15;

export interface Reach {
  /** By chain name: the "type hook" of each base chain that reaches it (absent: unreached). */
  contexts: Map<string, string[]>;
}

/** Chains reached from the base chains; null after reporting a cycle, too deep a nesting or a jump to a base chain. */
export function reach(t: TableState, sink: DiagnosticSink): Reach | null {
  if (!jumpsToRegularChains(t, sink)) return null;
  const names = [...t.chains.keys()];
  const index = new Map<string, number>();
  for (const [i, n] of names.entries()) index.set(n, i);
  const mapTargets = new Map<string, number[]>();
  for (const s of t.sets.values()) {
    if (s.dataType !== 'verdict') continue;
    const out: number[] = [];
    for (const e of s.elements.values())
      for (const c of referencesOf(e.data).chains) {
        const i = index.get(c);
        if (i !== undefined) out.push(i);
      }
    mapTargets.set(s.name, out);
  }
  const adj: number[][] = [];
  for (const c of t.chains.values()) {
    const out: number[] = [];
    for (const r of c.rules) {
      for (const to of r.refs.chains) {
        const i = index.get(to);
        if (i !== undefined) out.push(i);
      }
      for (const s of r.refs.sets) {
        const targets = mapTargets.get(s);
        if (targets) for (const i of targets) out.push(i);
      }
    }
    adj.push(out);
  }

  // Depth-first over every chain: the kernel refuses a cycle anywhere in the table.
  const n = names.length;
  const color = new Uint8Array(n); // 0 new, 1 on the stack, 2 done
  const height = new Int32Array(n); // longest jump path below a finished chain
  const stack: number[] = [];
  const next: number[] = [];
  for (let root = 0; root < n; root++) {
    if (color[root] !== 0) continue;
    stack.push(root);
    next.push(0);
    color[root] = 1;
    while (stack.length > 0) {
      const v = stack[stack.length - 1]!;
      const i = next[next.length - 1]!;
      const edges = adj[v]!;
      if (i < edges.length) {
        next[next.length - 1] = i + 1;
        const w = edges[i]!;
        if (color[w] === 1) {
          const cycle = [...stack.slice(stack.indexOf(w)), w].map((x) => names[x]!);
          sink.report('nft-jump-cycle', edgePointer(t, names[v]!, names[w]!), cycle.join(' -> '));
          return null;
        }
        if (color[w] === 0) {
          color[w] = 1;
          stack.push(w);
          next.push(0);
        } else height[v] = Math.max(height[v]!, height[w]! + 1);
      } else {
        stack.pop();
        next.pop();
        color[v] = 2;
        const parent = stack[stack.length - 1];
        if (parent !== undefined) height[parent] = Math.max(height[parent]!, height[v]! + 1);
      }
    }
  }

  const contexts = new Map<string, string[]>();
  const seen = new Uint8Array(n);
  for (const c of t.chains.values()) {
    if (!c.base) continue;
    const root = index.get(c.name)!;
    if (height[root]! > MAX_DEPTH) {
      sink.report('nft-jump-depth', c.pointer, `${height[root]} jumps below base chain '${c.name}'`);
      return null;
    }
    const context = `${c.base.type} ${c.base.hook}`;
    seen.fill(0);
    const todo = [root];
    seen[root] = 1;
    while (todo.length > 0) {
      const v = todo.pop()!;
      const name = names[v]!;
      const list = contexts.get(name);
      if (!list) contexts.set(name, [context]);
      else if (!list.includes(context)) list.push(context);
      for (const w of adj[v]!)
        if (seen[w] === 0) {
          seen[w] = 1;
          todo.push(w);
        }
    }
  }
  return { contexts };
}

/**
 * The kernel refuses a jump or goto to a base chain, in a rule or in a verdict map's element
 * (EOPNOTSUPP, measured by a review), whether or not a rule uses the map.
 */
function jumpsToRegularChains(t: TableState, sink: DiagnosticSink): boolean {
  const isBase = (name: string) => t.chains.get(name)?.base != null;
  for (const c of t.chains.values())
    for (const r of c.rules)
      for (const to of r.refs.chains)
        if (isBase(to)) {
          sink.report('nft-jump-to-base-chain', r.pointer, to);
          return false;
        }
  for (const s of t.sets.values()) {
    if (s.dataType !== 'verdict') continue;
    for (const e of s.elements.values())
      for (const to of referencesOf(e.data).chains)
        if (isBase(to)) {
          sink.report('nft-jump-to-base-chain', e.pointer, to);
          return false;
        }
  }
  return true;
}

/** Where chain `from` refers to chain `to`: the rule, or the verdict map element. */
function edgePointer(t: TableState, from: string, to: string): string {
  const chain = t.chains.get(from)!;
  for (const r of chain.rules) if (r.refs.chains.includes(to)) return r.pointer;
  for (const r of chain.rules)
    for (const s of r.refs.sets) {
      const set = t.sets.get(s);
      if (set?.dataType !== 'verdict') continue;
      for (const e of set.elements.values()) if (referencesOf(e.data).chains.includes(to)) return e.pointer;
    }
  return chain.pointer;
}
