// From the final ruleset state to one NetfilterProgram per family: base chains, the chains they
// reach (through jump, goto and verdict maps), each rule as steps; unreached chains and foreign
// tables listed as ignored. Also the load-time checks the kernel makes on the chain graph: no
// jump cycle, at most 16 levels of jumps, NAT and reject statements only where their hook allows.
import type { Family } from '../../common/ip.ts';
import { L4_PROTOCOLS } from '../../compiler/ir/packet.ts';
import type { BaseChain, Chain, IgnoredItem, NetfilterProgram, Origin, Rule, Step } from '../model/program.ts';
import type { HookNeed, RuleContext } from './context.ts';
import type { DiagnosticSink } from './diagnostics.ts';
import {
  type ChainState,
  type ForeignTable,
  type Hook,
  type RulesetState,
  referencesOf,
  type TableState,
} from './document.ts';
import { child } from './pointer.ts';
import { isDynamic } from './sets.ts';
import { ruleSteps } from './statements.ts';

/** The kernel's NFT_JUMP_STACK_SIZE: a chain may be at most 15 jumps away from its base chain. */
const MAX_DEPTH = 15;

const FAMILY: Record<string, Family> = { ip: 'ipv4', ip6: 'ipv6' };

export function buildPrograms(state: RulesetState, file: string, sink: DiagnosticSink): NetfilterProgram[] {
  const tables = [...state.tables.values()].sort((a, b) => (a.family < b.family ? -1 : 1));
  return tables.map((t) => buildProgram(t, [...state.foreign.values()], file, sink));
}

const chainIdOf =
  (t: TableState) =>
  (name: string): string =>
    `${t.family} ${t.name}/${name}`;

interface Edge {
  to: string;
  /** Where the reference is (a rule, or a map element). */
  pointer: string;
}

/** Chains each chain refers to: jump/goto in its rules and in the elements of verdict maps they use. */
function edgesOf(t: TableState): Map<string, Edge[]> {
  const mapTargets = new Map<string, Edge[]>();
  for (const s of t.sets.values()) {
    if (s.dataType !== 'verdict') continue;
    const out: Edge[] = [];
    for (const e of s.elements.values())
      for (const c of referencesOf(e.data).chains) out.push({ to: c, pointer: e.pointer });
    mapTargets.set(s.name, out);
  }
  const edges = new Map<string, Edge[]>();
  for (const c of t.chains.values()) {
    const out: Edge[] = [];
    for (const r of c.rules) {
      for (const to of r.refs.chains) out.push({ to, pointer: r.pointer });
      for (const s of r.refs.sets) {
        const targets = mapTargets.get(s);
        if (targets) for (const e of targets) out.push(e);
      }
    }
    edges.set(
      c.name,
      out.filter((e) => t.chains.has(e.to)),
    );
  }
  return edges;
}

/**
 * Chains reached from the base chains, each with the base chains (type, hook) that reach it, in
 * first-reached order; reports cycles and nesting beyond the kernel's limit.
 */
function reach(t: TableState, sink: DiagnosticSink): Map<string, Set<string>> | null {
  const edges = edgesOf(t);
  const reached = new Map<string, Set<string>>();
  const state = new Map<string, 'open' | 'done'>();
  /** Longest jump path below each finished chain. */
  const height = new Map<string, number>();
  let ok = true;
  const visit = (name: string, path: string[]): number => {
    const s = state.get(name);
    if (s === 'done') return height.get(name)!;
    state.set(name, 'open');
    let h = 0;
    for (const e of edges.get(name) ?? []) {
      if (state.get(e.to) === 'open') {
        const cycle = [...path.slice(path.indexOf(e.to)), e.to];
        sink.report('nft-jump-cycle', e.pointer, cycle.join(' -> '));
        ok = false;
        continue;
      }
      h = Math.max(h, 1 + visit(e.to, [...path, e.to]));
    }
    state.set(name, 'done');
    height.set(name, h);
    return h;
  };
  const mark = (name: string, context: string): void => {
    const seen = reached.get(name) ?? new Set<string>();
    if (seen.has(context)) return;
    seen.add(context);
    reached.set(name, seen);
    for (const e of edges.get(name) ?? []) mark(e.to, context);
  };
  // The kernel refuses a cycle anywhere in the table, reached or not.
  for (const c of t.chains.values()) visit(c.name, [c.name]);
  if (!ok) return null;
  for (const c of t.chains.values()) {
    if (!c.base) continue;
    const h = height.get(c.name)!;
    if (h > MAX_DEPTH) {
      sink.report('nft-jump-depth', c.pointer, `${h} jumps below base chain '${c.name}'`);
      return null;
    }
    mark(c.name, `${c.base.type} ${c.base.hook}`);
  }
  return reached;
}

const HOOKS_OF: Record<HookNeed['what'], { type: 'nat' | null; hooks: Hook[] }> = {
  dnat: { type: 'nat', hooks: ['prerouting', 'output'] },
  masquerade: { type: 'nat', hooks: ['postrouting', 'input'] },
  reject: { type: null, hooks: ['prerouting', 'input', 'forward', 'output'] },
};

function checkHooks(needs: readonly HookNeed[], contexts: ReadonlySet<string>, sink: DiagnosticSink): void {
  for (const need of needs) {
    const allowed = HOOKS_OF[need.what];
    for (const ctx of contexts) {
      const [type, hook] = ctx.split(' ') as ['filter' | 'nat', Hook];
      if ((allowed.type === null || allowed.type === type) && allowed.hooks.includes(hook)) continue;
      sink.report('nft-wrong-hook', need.pointer, need.what, `a ${type} chain at hook ${hook}`);
      break;
    }
  }
}

function foreignItem(f: ForeignTable, file: string): IgnoredItem {
  return {
    kind: 'table',
    name: `${f.family} ${f.name}`,
    reason: 'only the ip and ip6 tables of kube-proxy are read',
    origin: { backend: 'nftables', file, jsonPath: f.pointer, text: `table ${f.family} ${f.name}` },
  };
}

function buildProgram(t: TableState, foreign: ForeignTable[], file: string, sink: DiagnosticSink): NetfilterProgram {
  const family = FAMILY[t.family]!;
  const chainId = chainIdOf(t);
  const notes = new Set<string>();
  const cache = new Map<string, Step>();
  const program: NetfilterProgram = {
    backend: 'nftables',
    family,
    baseChains: [],
    chains: new Map(),
    ignored: foreign
      .filter((f) => f.family === t.family || (f.family !== 'ip' && f.family !== 'ip6'))
      .map((f) => foreignItem(f, file)),
    notes: [],
  };
  checkDynamicSets(t, sink, notes);
  const reached = reach(t, sink);
  if (!reached) return program;
  for (const c of t.chains.values()) {
    const contexts = reached.get(c.name);
    if (!contexts) {
      program.ignored.push({
        kind: 'chain',
        name: c.name,
        reason: 'no base chain reaches it',
        origin: { backend: 'nftables', file, jsonPath: c.pointer, text: `chain ${t.family} ${t.name} ${c.name}` },
      });
      continue;
    }
    const hookNeeds: HookNeed[] = [];
    program.chains.set(chainId(c.name), readChain(c, t, { chainId, family, file, hookNeeds, notes, sink, cache }));
    checkHooks(hookNeeds, contexts, sink);
    if (c.base) {
      const base: BaseChain = {
        hook: c.base.hook,
        type: c.base.type,
        priority: c.base.prio,
        chain: chainId(c.name),
        policy: c.base.policy,
      };
      program.baseChains.push(base);
    }
  }
  program.notes = [...notes].sort();
  return program;
}

function readChain(
  c: ChainState,
  t: TableState,
  env: {
    chainId: (n: string) => string;
    family: Family;
    file: string;
    hookNeeds: HookNeed[];
    notes: Set<string>;
    sink: DiagnosticSink;
    cache: Map<string, Step>;
  },
): Chain {
  const rules: Rule[] = [];
  const ctx: RuleContext = {
    family: env.family,
    nftFamily: t.family,
    sink: env.sink,
    table: t,
    chainId: env.chainId,
    guard: L4_PROTOCOLS,
    hookNeeds: env.hookNeeds,
    notes: env.notes,
    cache: env.cache,
  };
  for (const r of c.rules) {
    ctx.guard = L4_PROTOCOLS;
    const steps = ruleSteps(r, ctx);
    if (!steps) continue;
    const origin: Origin = {
      backend: 'nftables',
      file: env.file,
      jsonPath: r.pointer,
      text: ruleText(r.expr, r.comment),
    };
    rules.push({ origin, steps });
  }
  return { id: env.chainId(c.name), name: c.name, rules };
}

const ruleText = (expr: unknown[], comment: string | undefined): string =>
  comment === undefined ? JSON.stringify(expr) : `${JSON.stringify(expr)} comment ${JSON.stringify(comment)}`;

/**
 * Elements already in a dynamic set are records the data path wrote (a live listing): the model
 * treats affinity state abstractly, so they are only counted — unless their timeout differs from
 * the set's, which would make records live longer or shorter than the lookups assume.
 */
function checkDynamicSets(t: TableState, sink: DiagnosticSink, notes: Set<string>): void {
  for (const s of t.sets.values()) {
    if (!isDynamic(s)) continue;
    for (const e of s.elements.values()) {
      if (e.timeout !== undefined && s.timeout !== null && e.timeout !== s.timeout)
        sink.report(
          'nft-affinity',
          child(e.pointer, 'elem'),
          `element of '${s.name}' has timeout ${e.timeout}s, the set's is ${s.timeout}s`,
        );
    }
    if (s.elements.size > 0)
      notes.add(
        `dynamic set '${s.name}' holds ${s.elements.size} record(s) written by the data path; affinity state is modelled for every possible record, not read from the listing`,
      );
  }
}
