// What reading one rule needs to know: the family, the table's sets and chains, where diagnostics
// go, and what earlier statements of the same rule established (the protocols a packet can still
// have, so a `th dport` read can be checked to be a port read).
import type { L4Protocol } from '../../compiler/ir/packet.ts';
import type { Step } from '../model/program.ts';
import type { KeyContext } from './keys.ts';
import type { TableState } from './state.ts';

/** A statement that only some hooks or chain types accept (checked once chains are placed). */
export interface HookNeed {
  what: 'dnat' | 'masquerade' | 'reject';
  pointer: string;
}

export interface RuleContext extends KeyContext {
  table: TableState;
  /** What the document is: commands for `nft -j -f`, or a listing of what the kernel holds. */
  form: 'commands' | 'listing';
  /** The program's id of a chain of this table. */
  chainId: (name: string) => string;
  /** Protocols a packet can still have after the rule's earlier tests (all five at the start). */
  guard: readonly L4Protocol[];
  hookNeeds: HookNeed[];
  /** Facts the reader relied on, for NetfilterProgram.notes. */
  notes: Set<string>;
  /**
   * Steps shared between rules (verdicts, protocol tests, draws): a large ruleset repeats a few
   * thousand distinct ones hundreds of thousands of times. Steps are plain immutable data.
   */
  cache: Map<string, Step>;
  /** DNAT verdict steps by address (a string or number as written), then port (nat.ts, natTarget). */
  dnats: Map<unknown, Map<number | null, Step>>;
  /** jump / goto verdict steps by target chain name */
  jumps: Map<string, Step>;
  gotos: Map<string, Step>;
}

/** The cached step for `key`, made once. */
export function shared(ctx: RuleContext, key: string, make: () => Step): Step {
  let s = ctx.cache.get(key);
  if (s === undefined) ctx.cache.set(key, (s = make()));
  return s;
}

/** Keep the guard in step with a protocol test just emitted. */
export function narrowGuard(ctx: RuleContext, step: Step): void {
  if (step.kind !== 'test' || step.test.kind !== 'fields') return;
  if (step.test.parts.length !== 1) return;
  const [part] = step.test.parts;
  if (part?.field !== 'l4proto') return;
  const set = new Set(part.protocols);
  ctx.guard = ctx.guard.filter((p) => set.has(p) !== step.negate);
}
