// From the final ruleset state to one NetfilterProgram per family: base chains, the chains they
// reach (through jump, goto and verdict maps), each rule as steps; unreached chains and foreign
// tables listed as ignored. Also the load-time checks the kernel makes on the chain graph: no
// jump cycle, at most 16 levels of jumps, NAT and reject statements only where their hook allows.
import type { Family } from '../../common/ip.ts';
import { L4_PROTOCOLS } from '../../compiler/ir/packet.ts';
import type { BaseChain, Chain, IgnoredItem, NetfilterProgram, Origin, Rule } from '../model/program.ts';
import { newTextStore, storedOrigin, type TextStore } from '../model/text-store.ts';
import type { HookNeed, RuleContext } from './context.ts';
import type { DiagnosticSink } from './diagnostics.ts';
import { reach } from './graph.ts';
import { child } from './pointer.ts';
import { isDynamic } from './sets.ts';
import type { ChainState, ForeignTable, Hook, RulesetState, TableState } from './state.ts';
import { ruleSteps } from './statements.ts';

const FAMILY: Record<string, Family> = { ip: 'ipv4', ip6: 'ipv6' };

export function buildPrograms(state: RulesetState, file: string, sink: DiagnosticSink): NetfilterProgram[] {
  const tables = [...state.tables.values()].sort((a, b) => (a.family < b.family ? -1 : 1));
  const store = state.source === null ? null : newTextStore('nftables', file, state.source);
  const programs = tables.map((t) => buildProgram(t, state.form, [...state.foreign.values()], store, file, sink));
  store?.seal();
  return programs;
}

/** Chain ids (`ip kube-proxy/services`), each string built once. */
function chainIdOf(t: TableState): (name: string) => string {
  const ids = new Map<string, string>();
  return (name) => {
    let id = ids.get(name);
    if (id === undefined) ids.set(name, (id = `${t.family} ${t.name}/${name}`));
    return id;
  };
}

const HOOKS_OF: Record<HookNeed['what'], { type: 'nat' | null; hooks: Hook[] }> = {
  dnat: { type: 'nat', hooks: ['prerouting', 'output'] },
  // postrouting only: the kernel refuses masquerade in a nat input chain (nft_masq_validate; measured)
  masquerade: { type: 'nat', hooks: ['postrouting'] },
  reject: { type: null, hooks: ['prerouting', 'input', 'forward', 'output'] },
};

function checkHooks(needs: readonly HookNeed[], contexts: readonly string[], sink: DiagnosticSink): void {
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

/**
 * The note for another table's base chains at the hooks kube-proxy's packets pass (its own family,
 * inet, netdev ingress, or bridge: a frame a bridge CNI carries to or through the node passes the
 * bridge family's hooks first): they run before or after kube-proxy's and are not read (a review
 * measured a foreign nat DNAT at -150, a notrack and a mark of the masquerade bit each change the
 * outcome while the proof held). null when the table has none.
 */
function foreignBaseChainsNote(f: ForeignTable, family: string): string | null {
  if (f.baseChains.size === 0 || !(f.family === family || ['inet', 'netdev', 'bridge'].includes(f.family))) return null;
  const chains = [...f.baseChains.values()]
    .map((c) => `${c.hook} ${c.prio}`)
    .sort()
    .join(', ');
  return `table ${f.family} ${f.name} has base chains (${chains}), which run beside kube-proxy's and are not read: a packet one of them drops, marks, DNATs or exempts from conntrack is routed otherwise than shown (not covered: kube-chains-only)`;
}

function foreignItem(f: ForeignTable, family: string, file: string): IgnoredItem {
  return {
    kind: 'table',
    name: `${f.family} ${f.name}`,
    reason: `only kube-proxy's ip and ip6 tables are read${foreignBaseChainsNote(f, family) !== null ? '; its base chains are named in a note' : ''}`,
    origin: { backend: 'nftables', file, jsonPath: f.pointer, text: `table ${f.family} ${f.name}` },
  };
}

function buildProgram(
  t: TableState,
  form: RulesetState['form'],
  foreign: ForeignTable[],
  store: TextStore | null,
  file: string,
  sink: DiagnosticSink,
): NetfilterProgram {
  const family = FAMILY[t.family]!;
  const chainId = chainIdOf(t);
  const notes = new Set<string>();
  // What every rule of the table is read with; each chain adds its own guard and hook needs.
  const tableCtx: TableContext = {
    family,
    nftFamily: t.family,
    sink,
    table: t,
    form,
    chainId,
    notes,
    cache: new Map(),
    dnats: new Map(),
    parts: new Map(),
    partTexts: new Map(),
    listNames: new Map(),
    jumps: new Map(),
    gotos: new Map(),
  };
  const program: NetfilterProgram = {
    backend: 'nftables',
    family,
    baseChains: [],
    chains: new Map(),
    ignored: foreign
      .filter((f) => f.family === t.family || (f.family !== 'ip' && f.family !== 'ip6'))
      .map((f) => foreignItem(f, t.family, file)),
    notes: [],
  };
  for (const f of foreign) {
    const note = foreignBaseChainsNote(f, t.family);
    if (note !== null) notes.add(note);
  }
  checkDynamicSets(t, sink, notes);
  const reached = reach(t, sink);
  if (!reached) return program;
  for (const c of t.chains.values()) {
    const contexts = reached.contexts.get(c.name);
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
    program.chains.set(chainId(c.name), readChain(c, { ...tableCtx, guard: L4_PROTOCOLS, hookNeeds }, file, store));
    // The chain's rule states are done with (the graph was walked before): let them go while the
    // rest is read. Their places, pointers and references are most of the state the reader keeps
    // (every-service affinity at 3,000: the live heap at the end of the read 166 MiB against 217).
    c.rules = [];
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

/** A RuleContext but for what each chain has of its own. */
type TableContext = Omit<RuleContext, 'guard' | 'hookNeeds'>;

function readChain(c: ChainState, ctx: RuleContext, file: string, store: TextStore | null): Chain {
  const rules: Rule[] = [];
  for (const r of c.rules) {
    ctx.guard = L4_PROTOCOLS;
    // A rule kept as its place in the text is parsed again here: its objects die young.
    const obj = r.obj ?? (JSON.parse(store!.slice(r.start!, r.end!)) as Record<string, unknown>);
    const steps = ruleSteps(obj.expr as unknown[], r.pointer, ctx);
    if (!steps) continue;
    const origin: Origin = r.obj
      ? { backend: 'nftables', file, jsonPath: r.pointer, text: JSON.stringify(r.obj) }
      : storedOrigin(store!, r.start!, r.end!, { jsonPath: r.pointer });
    rules.push({ origin, steps });
  }
  return { id: ctx.chainId(c.name), name: c.name, rules };
}

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
