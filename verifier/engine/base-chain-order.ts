// The order in which the kernel runs a family's base chains at each hook (docs/verifier.md,
// "Semantics"), and the one order the rulesets cannot tell: a filter chain tied with the nat core.
import type { BaseChain, Hook } from '../model/program.ts';
import { UnsupportedRuleset } from './unsupported.ts';

/**
 * Where the kernel calls a base chain within its hook (docs/verifier.md, "Semantics"). Hooks run
 * by priority; at one priority the one registered later runs first (nf_hook_entries_grow inserts a
 * hook before its equals: measured, two filter chains at output 0 ran in the reverse of their
 * declaration order). nat chains are not hooks of their own: the nat core's hook runs them, at -100
 * (prerouting, output) or 100 (input, postrouting) whatever their priority, which orders them only
 * among themselves (measured: a nat output chain at 10 had DNATed before a filter chain at 0).
 */
export function hookOrderKey(b: BaseChain, order: number): readonly number[] {
  if (b.type !== 'nat') return [b.priority, -order, 0];
  return [natCorePriority(b.hook), b.priority, -order];
}

const natCorePriority = (hook: Hook): number => (hook === 'prerouting' || hook === 'output' ? -100 : 100);

/**
 * A filter chain at the nat core's own priority (when the ruleset has nat chains) runs before or after them
 * as the core was registered before or after it: by the first nat user of the namespace, which may
 * be another table or iptables' nat table (measured: the order flipped after `iptables -t nat -L`).
 * The rulesets do not say which, so such a tie is refused.
 */
export function refuseTiesWithNatCore(bases: readonly BaseChain[]): void {
  // the core registers on all four hooks at the family's first nat chain, whatever its hook
  if (!bases.some((n) => n.type === 'nat')) return;
  for (const b of bases) {
    if (b.type === 'nat' || b.priority !== natCorePriority(b.hook)) continue;
    throw new UnsupportedRuleset(
      `a ${b.type} chain at priority ${b.priority} on ${b.hook}, the nat core's own: whether it runs before or after the nat chains depends on which table registered nat first`,
    );
  }
}

export function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
