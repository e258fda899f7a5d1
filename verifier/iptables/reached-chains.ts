// Which of a table's chains kube-proxy's hook rules reach, and what the kernel refuses in them:
// the reached chains' held errors, undefined or builtin jump targets, NAT targets at a hook that
// does not allow them, jump loops. Apart from read.ts, which reads the text and builds the program
// from what is reached here.
import type { Hook } from '../model/program.ts';
import {
  BUILTIN_CHAINS,
  type ChainState,
  chainOf,
  findChain,
  NAT_BITS,
  natTargetOf,
  type TableState,
} from './chains.ts';
import { iptCodes } from './codes.ts';
import type { Table } from './context.ts';
import { type LineReader, targetWhere } from './lines.ts';

/** The builtin chains of each table: the hook each is a base chain of, and its priority. */
export const HOOKS: Record<Table, Record<string, { hook: Hook; priority: number }>> = {
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

/** Where the kernel lets a NAT target run (the DNAT and MASQUERADE targets' hook masks). */
const NAT_TARGET_HOOKS: Record<'dnat' | 'masquerade', readonly Hook[]> = {
  dnat: ['prerouting', 'output'],
  masquerade: ['postrouting'],
};

/** The NAT targets (NAT_BITS) the kernel allows at a hook: a chain that uses no other needs no scan. */
const natAllowed = (hook: Hook): number =>
  (NAT_TARGET_HOOKS.dnat.includes(hook) ? NAT_BITS.dnat : 0) |
  (NAT_TARGET_HOOKS.masquerade.includes(hook) ? NAT_BITS.masquerade : 0);

const HOOK_BITS: Record<Hook, number> = { prerouting: 1, input: 2, forward: 4, output: 8, postrouting: 16 };

/** Report what a kept chain's rules got wrong (once per chain), and resolve their jumps. */
function checkKept(r: LineReader, t: TableState, c: ChainState, notes: Set<string>): void {
  if (c.checked) return;
  c.checked = true;
  // A chain without jumps (most KUBE-SEP- chains) needs no targets array.
  const targets: (ChainState | null)[] | null = c.jumpTo ? new Array(c.rules.length).fill(null) : null;
  c.targets = targets;
  if (c.extras === null && targets === null) return;
  for (let i = 0; i < c.rules.length; i++) {
    const rule = c.rules[i]!;
    const extra = c.extras?.[i];
    if (extra?.errors) {
      for (const d of extra.errors) r.diagnostics.push(d);
      continue;
    }
    if (extra?.notes) for (const n of extra.notes) notes.add(n);
    const entry = c.jumpTo?.[i];
    if (entry === undefined || targets === null) continue;
    const target = chainOf(t, entry);
    if (!target) r.diagnostics.push(iptCodes['ipt-undefined-chain'](targetWhere(r, rule), entry.name, t.name));
    else if (target.builtin) r.diagnostics.push(iptCodes['ipt-jump-to-builtin'](targetWhere(r, rule), entry.name));
    else targets[i] = target;
  }
}

/** A NAT target reached from a hook the kernel does not allow it in. */
function checkNatTarget(r: LineReader, t: TableState, c: ChainState, i: number, hook: Hook): void {
  const nat = natTargetOf(c.rules[i]!);
  if (nat === null || c.extras?.[i]?.errors || NAT_TARGET_HOOKS[nat].includes(hook)) return;
  r.diagnostics.push(
    iptCodes['ipt-target-not-allowed'](
      targetWhere(r, c.rules[i]!),
      nat === 'dnat' ? 'DNAT' : 'MASQUERADE',
      `is reached from the ${hook} hook of table ${t.name}; the kernel allows it only in ${NAT_TARGET_HOOKS[nat].join(' and ')}`,
    ),
  );
}

/**
 * Follow the kept hook rules: mark in each chain the hooks that reach it (chain.hooks), check the
 * rules of every reached chain, and the NAT targets against each hook.
 */
export function reach(r: LineReader, t: TableState, notes: Set<string>): void {
  for (const b of BUILTIN_CHAINS[t.name]) {
    const base = findChain(t, b)!;
    const hook = HOOKS[t.name][b]!.hook;
    const bit = HOOK_BITS[hook];
    const allowed = natAllowed(hook);
    checkKept(r, t, base, notes);
    const stack: ChainState[] = [base];
    while (stack.length > 0) {
      const c = stack.pop()!;
      if (c !== base) {
        if (c.hooks & bit) continue;
        c.hooks |= bit;
        checkKept(r, t, c, notes);
      }
      if (c.natTargets & ~allowed) for (let i = 0; i < c.rules.length; i++) checkNatTarget(r, t, c, i, hook);
      const targets = c.targets;
      if (targets === null) continue;
      for (let i = 0; i < targets.length; i++) {
        const to = targets[i];
        if (to && !(to.hooks & bit)) stack.push(to);
      }
    }
  }
}

/** The kernel refuses jumps that loop; report each loop once, at the jump that closes it. */
export function findLoops(r: LineReader, live: ChainState[]): void {
  // The path as two parallel stacks (chain, next rule to follow): no object per visited chain.
  const path: ChainState[] = [];
  const next: number[] = [];
  // indexed loops here and below: for-of over ~200,000 chains allocated an iterator result each
  for (let k = 0; k < live.length; k++) {
    const start = live[k]!;
    if (start.hooks === 0 || start.loop !== 0) continue;
    path.push(start);
    next.push(0);
    start.loop = 1;
    while (path.length > 0) {
      const top = path.length - 1;
      const chain = path[top]!;
      const targets = chain.targets;
      const i = next[top]!;
      if (targets === null || i >= targets.length) {
        chain.loop = 2;
        path.pop();
        next.pop();
        continue;
      }
      next[top] = i + 1;
      const to = targets[i];
      if (!to) continue;
      if (to.loop === 1) {
        const names = path.slice(path.indexOf(to)).map((c) => c.name);
        r.diagnostics.push(iptCodes['ipt-loop'](targetWhere(r, chain.rules[i]!), [...names, to.name].join(' -> ')));
      } else if (to.loop === 0) {
        to.loop = 1;
        path.push(to);
        next.push(0);
      }
    }
  }
}
