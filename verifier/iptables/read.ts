// readIptables: iptables-restore or iptables-save text (one family) -> the verifier's
// NetfilterProgram, or diagnostics. Scope (docs/verifier.md §3): the nat and filter tables; in
// their builtin chains only kube-proxy's hook rules (a jump to a KUBE- chain); then every chain
// those hooks reach. Everything else is listed as ignored. Inside the reached chains the world is
// closed: every match and target maps onto the model or is an error naming its line and column.
import { type Diagnostic, hasErrors, sortDiagnostics } from '../../common/diagnostics.ts';
import type { Family } from '../../common/ip.ts';
import type { BaseChain, Chain, Hook, IgnoredItem, NetfilterProgram } from '../model/program.ts';
import { iptCodes } from './codes.ts';
import type { Table } from './context.ts';
import { ASSUMED_HOOKS_NOTE, hooksFor, OWN_HOOKS_NOTE } from './hooks.ts';
import { BUILTIN_CHAINS, type ChainState, type LineReader, newLineReader, readLine, type TableState } from './lines.ts';

export interface ReadIptablesOptions {
  /** The file name as the user gave it (diagnostics and origins). */
  file: string;
  /** The family (iptables: ipv4, ip6tables: ipv6); default: from the first address in the file. */
  family?: Family;
  /**
   * Assume kube-proxy's builtin-chain hook rules when the input has none (kube-proxy's own restore
   * input, ksvc's default output). Without it such an input reaches nothing (a warning says so).
   */
  assumeHooks?: boolean;
}

export interface ReadIptablesResult {
  /** Present when there is no error. */
  program?: NetfilterProgram;
  diagnostics: Diagnostic[];
}

const HOOKS: Record<Table, Record<string, { hook: Hook; priority: number }>> = {
  nat: {
    PREROUTING: { hook: 'prerouting', priority: -100 },
    INPUT: { hook: 'input', priority: 100 },
    OUTPUT: { hook: 'output', priority: -100 },
    POSTROUTING: { hook: 'postrouting', priority: 100 },
  },
  filter: {
    INPUT: { hook: 'input', priority: 0 },
    FORWARD: { hook: 'forward', priority: 0 },
    OUTPUT: { hook: 'output', priority: 0 },
  },
};

/** Where the kernel lets a NAT target run (xt_nat / MASQUERADE hook masks). */
const NAT_TARGET_HOOKS = { dnat: ['prerouting', 'output'], masquerade: ['postrouting'] } as const;

const isHookRule = (targetName: string | null): boolean => targetName?.startsWith('KUBE-') ?? false;

function readLines(r: LineReader, text: string): void {
  let pos = 0;
  let lineNo = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    let line = text.slice(pos, nl);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    lineNo++;
    readLine(r, line, lineNo, pos);
    pos = nl + 1;
  }
  if (r.open) {
    const name = r.open.kind === 'kept' ? r.open.table.name : r.open.name;
    const end = text.length;
    r.diagnostics.push(
      iptCodes['ipt-table-structure'](
        {
          file: r.file,
          span: { start: { line: lineNo, column: 1, offset: end }, end: { line: lineNo, column: 1, offset: end } },
        },
        `table ${name} has no COMMIT line; iptables-restore would not apply it`,
      ),
    );
  }
}

/** Every kept table gets its builtin chains (policy ACCEPT unless declared). */
function completeBuiltins(r: LineReader): void {
  for (const t of r.tables.values()) {
    for (const name of BUILTIN_CHAINS[t.name]) {
      if (!t.chains.has(name)) {
        t.chains.set(name, {
          table: t.name,
          name,
          id: `${t.name}/${name}`,
          builtin: true,
          policy: 'accept',
          decl: null,
          rules: [],
        });
      }
    }
  }
}

function hasHookRules(r: LineReader): boolean {
  for (const t of r.tables.values()) {
    for (const c of t.chains.values()) if (c.builtin && c.rules.some((x) => isHookRule(x.targetName))) return true;
  }
  return false;
}

/** Follow the kept hook rules: which chains each hook reaches; report what kept rules got wrong. */
function reach(r: LineReader, t: TableState, ignored: IgnoredItem[], notes: Set<string>): Map<string, Set<Hook>> {
  const hooksOf = new Map<string, Set<Hook>>();
  const checked = new Set<string>();
  const keep = (c: ChainState) => {
    if (checked.has(c.name)) return;
    checked.add(c.name);
    for (const rule of c.rules) {
      r.diagnostics.push(...rule.errors);
      for (const n of rule.notes ?? []) notes.add(n);
      if (rule.errors.length > 0 || !rule.jump) continue;
      const target = t.chains.get(rule.jump.chain);
      const where = rule.targetWhere ?? { file: r.file, span: null };
      if (!target) r.diagnostics.push(iptCodes['ipt-undefined-chain'](where, rule.jump.chain, t.name));
      else if (target.builtin) r.diagnostics.push(iptCodes['ipt-jump-to-builtin'](where, rule.jump.chain));
    }
  };
  for (const b of BUILTIN_CHAINS[t.name]) {
    const base = t.chains.get(b)!;
    const hook = HOOKS[t.name][b]!.hook;
    const kept = base.rules.filter((x) => isHookRule(x.targetName));
    for (const x of base.rules) {
      if (!isHookRule(x.targetName)) {
        ignored.push({
          kind: 'rule',
          name: base.id,
          reason: `other software's rule in a builtin chain (kube-proxy's hooks jump to KUBE- chains${x.targetName ? `; this one to ${x.targetName}` : ''})`,
          origin: x.origin,
        });
      }
    }
    base.rules = kept;
    keep(base);
    const queue = kept.flatMap((x) => (x.jump && x.errors.length === 0 ? [x.jump.chain] : []));
    const seen = new Set<string>();
    while (queue.length > 0) {
      const name = queue.pop()!;
      const c = t.chains.get(name);
      if (!c || c.builtin || seen.has(name)) continue;
      seen.add(name);
      let hs = hooksOf.get(name);
      if (!hs) hooksOf.set(name, (hs = new Set()));
      hs.add(hook);
      keep(c);
      for (const x of c.rules) if (x.jump && x.errors.length === 0) queue.push(x.jump.chain);
    }
  }
  return hooksOf;
}

/** The kernel refuses jumps that loop; report each loop once, at the jump that closes it. */
function findLoops(r: LineReader, t: TableState, reached: Map<string, Set<Hook>>): void {
  const state = new Map<string, 'open' | 'done'>();
  for (const start of reached.keys()) {
    if (state.has(start)) continue;
    const stack: { name: string; next: number }[] = [{ name: start, next: 0 }];
    state.set(start, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const rules = t.chains.get(top.name)?.rules ?? [];
      if (top.next >= rules.length) {
        state.set(top.name, 'done');
        stack.pop();
        continue;
      }
      const rule = rules[top.next++]!;
      const to = rule.jump?.chain;
      if (to === undefined || !reached.has(to)) continue;
      const s = state.get(to);
      if (s === 'open') {
        const path = stack.slice(stack.findIndex((f) => f.name === to)).map((f) => f.name);
        r.diagnostics.push(
          iptCodes['ipt-loop'](rule.targetWhere ?? { file: r.file, span: null }, [...path, to].join(' -> ')),
        );
      } else if (s === undefined) {
        state.set(to, 'open');
        stack.push({ name: to, next: 0 });
      }
    }
  }
}

function checkNatTargets(r: LineReader, t: TableState, reached: Map<string, Set<Hook>>): void {
  const check = (c: ChainState, hooks: Iterable<Hook>) => {
    for (const rule of c.rules) {
      if (!rule.natTarget || rule.errors.length > 0) continue;
      const allowed: readonly Hook[] = NAT_TARGET_HOOKS[rule.natTarget.kind];
      const bad = [...hooks].filter((h) => !allowed.includes(h));
      if (bad.length > 0) {
        const name = rule.natTarget.kind === 'dnat' ? 'DNAT' : 'MASQUERADE';
        r.diagnostics.push(
          iptCodes['ipt-target-not-allowed'](
            rule.targetWhere ?? { file: r.file, span: null },
            name,
            `is reached from the ${bad.join(', ')} hook of table ${t.name}; the kernel allows it only in ${allowed.join(' and ')}`,
          ),
        );
      }
    }
  };
  for (const b of BUILTIN_CHAINS[t.name]) check(t.chains.get(b)!, [HOOKS[t.name][b]!.hook]);
  for (const [name, hooks] of reached) check(t.chains.get(name)!, hooks);
}

/** Read iptables-restore or iptables-save text of one family. */
export function readIptables(text: string, options: ReadIptablesOptions): ReadIptablesResult {
  const family = { family: options.family ?? null, from: options.family ? 'as given' : '' };
  const r = newLineReader(options.file, family);
  readLines(r, text);
  completeBuiltins(r);
  const notes = new Set<string>();
  const kubeChains = [...r.tables.values()].some((t) => [...t.chains.keys()].some((n) => n.startsWith('KUBE-')));
  if (!hasHookRules(r)) {
    if (options.assumeHooks) {
      const hooks = hooksFor((table, chain) => r.tables.get(table)?.chains.has(chain) ?? false);
      for (const h of hooks) {
        r.open = { kind: 'kept', table: r.tables.get(h.table)! };
        readLine(r, h.line, 0, 0, true);
      }
      r.open = null;
      if (hooks.length > 0) notes.add(ASSUMED_HOOKS_NOTE);
    } else if (kubeChains) {
      r.diagnostics.push(iptCodes['ipt-no-hooks']({ file: r.file, span: null }));
    }
  } else if (options.assumeHooks) {
    notes.add(OWN_HOOKS_NOTE);
  }
  const ignored: IgnoredItem[] = r.ignoredTables.map((t) => ({
    kind: 'table',
    name: t.name,
    reason: `only the nat and filter tables are modelled (kube-proxy's rules live there)`,
    origin: t.origin,
  }));
  const baseChains: BaseChain[] = [];
  const chains = new Map<string, Chain>();
  for (const t of r.tables.values()) {
    const reached = reach(r, t, ignored, notes);
    findLoops(r, t, reached);
    checkNatTargets(r, t, reached);
    for (const b of BUILTIN_CHAINS[t.name]) {
      const c = t.chains.get(b)!;
      const h = HOOKS[t.name][b]!;
      baseChains.push({ hook: h.hook, type: t.name, priority: h.priority, chain: c.id, policy: c.policy });
    }
    for (const c of t.chains.values()) {
      if (c.builtin || reached.has(c.name)) {
        chains.set(c.id, { id: c.id, name: c.name, rules: c.rules.map((x) => ({ origin: x.origin, steps: x.steps })) });
      } else {
        const item: IgnoredItem = { kind: 'chain', name: c.id, reason: "not reachable from kube-proxy's hook rules" };
        if (c.decl) item.origin = c.decl;
        ignored.push(item);
      }
    }
  }
  if (family.family === null) notes.add('no address in the input says its family; read as IPv4');
  const diagnostics = sortDiagnostics(r.diagnostics);
  if (hasErrors(diagnostics)) return { diagnostics };
  const program: NetfilterProgram = {
    backend: 'iptables',
    family: family.family ?? 'ipv4',
    baseChains,
    chains,
    ignored,
    notes: [...notes].sort(),
  };
  return { program, diagnostics };
}
