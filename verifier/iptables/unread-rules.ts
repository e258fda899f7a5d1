// What the proof does not read of an iptables text: other software's rules in the builtin chains
// of nat and filter (kept out, listed, and named in a note when they run before, between or after
// kube-proxy's jumps, or where it has none), and the other tables (listed; a note names their rules
// at kube-proxy's hooks). Assumption kube-chains-only: they are taken not to change the packet.
import type { IgnoredItem } from '../model/program.ts';
import { BUILTIN_CHAINS, type ChainState, findChain, type TableState, targetNameOf } from './chains.ts';
import { KUBE_PROXY_HOOKS } from './hooks.ts';
import type { IgnoredTable } from './lines.ts';

/**
 * The chains kube-proxy's (and kubelet's KUBE-FIREWALL) builtin-chain rules jump to. Other software
 * names chains KUBE- too (kube-router's KUBE-ROUTER-INPUT, KUBE-POD-FW-…): its jumps are its own.
 */
const HOOK_TARGETS: ReadonlySet<string> = new Set(KUBE_PROXY_HOOKS.map((h) => h.target));

const isHookRule = (targetName: string | null): boolean => targetName !== null && HOOK_TARGETS.has(targetName);

/** Which of a chain's rules are kube-proxy's hook rules (a jump to one of its chains). */
export const hookRules = (c: ChainState): boolean[] => c.rules.map((_, i) => isHookRule(targetNameOf(c, i)));

/** The builtin chains of the tables iptables has beside nat and filter (each at a hook kube-proxy's packets pass). */
const OTHER_BUILTINS: Record<string, readonly string[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/**
 * A table other than nat and filter, listed as ignored; the rules in its builtin chains, which run
 * at the hooks kube-proxy's rules use, named in a note (a review measured a raw NOTRACK and a mangle
 * MARK of the masquerade bit change kube-proxy's outcome while the proof held).
 */
export function ignoredTable(t: IgnoredTable, notes: Set<string>): IgnoredItem {
  const inBuiltins = (OTHER_BUILTINS[t.name] ?? []).flatMap((c) => {
    const n = t.rules.get(c) ?? 0;
    return n > 0 ? [`${c} ${n}`] : [];
  });
  if (inBuiltins.length > 0) {
    notes.add(
      `table ${t.name} has rules in its builtin chains (${inBuiltins.join(', ')}), which run at the hooks kube-proxy's rules use and are not read: a packet one of them drops, marks or exempts from conntrack (NOTRACK: no nat) is routed otherwise than shown (not covered: kube-chains-only)`,
    );
  }
  return {
    kind: 'table',
    name: t.name,
    reason: `not read: kube-proxy's rules live in nat and filter${inBuiltins.length > 0 ? '; its rules at their hooks are named in a note' : ''}`,
    origin: t.origin,
  };
}

/**
 * Keep only kube-proxy's hook rules in the builtin chains; list the others. Other software's rules
 * ahead of kube-proxy's first jump in a chain, or between its jumps, are named in a note: what they
 * accept, drop or rewrite never reaches kube-proxy's (later) rules, outside the proof
 * (kube-chains-only).
 */
export function keepHookRules(t: TableState, ignored: IgnoredItem[], notes: Set<string>): void {
  for (const b of BUILTIN_CHAINS[t.name]) {
    const base = findChain(t, b)!;
    const keep = hookRules(base);
    const first = keep.indexOf(true);
    if (first < 0 && keep.length > 0) {
      notes.add(
        `other software's rules are in ${base.id} (${keep.length}), where kube-proxy does not jump: they run for every packet at that hook, and what they accept, drop or rewrite is not shown (not covered: kube-chains-only)`,
      );
    }
    if (first > 0) {
      notes.add(
        `other software's rules come before kube-proxy's first jump in ${base.id} (${first}): a packet one of them accepts, drops or rewrites never reaches kube-proxy's rules (not covered: kube-chains-only)`,
      );
    }
    const last = keep.lastIndexOf(true);
    const between = first < 0 ? 0 : keep.slice(first, last).filter((k) => !k).length;
    if (between > 0) {
      notes.add(
        `other software's rules lie between kube-proxy's jumps in ${base.id} (${between}): a packet one of them accepts, drops or rewrites never reaches kube-proxy's later jumps (not covered: kube-chains-only)`,
      );
    }
    const after = first < 0 ? 0 : keep.length - 1 - last;
    if (after > 0) {
      notes.add(
        `other software's rules come after kube-proxy's last jump in ${base.id} (${after}): they run for every packet kube-proxy's chains return, and what they drop, masquerade or rewrite is not shown (not covered: kube-chains-only)`,
      );
    }
    base.rules.forEach((rule, i) => {
      if (keep[i]) return;
      const target = targetNameOf(base, i);
      ignored.push({
        kind: 'rule',
        name: base.id,
        reason: `other software's rule in a builtin chain (kube-proxy's hooks jump to its own chains${target ? `; this one to ${target}` : ''})`,
        origin: rule.origin,
      });
    });
    // extras and jumpTo are sparse (filter would skip their holes and shift the rest): rebuild them by index.
    const { extras, jumpTo } = base;
    base.extras = extras ? base.rules.flatMap((_, i) => (keep[i] ? [extras[i]] : [])) : null;
    base.jumpTo = jumpTo ? base.rules.flatMap((_, i) => (keep[i] ? [jumpTo[i]] : [])) : null;
    base.rules = base.rules.filter((_, i) => keep[i]);
  }
}
