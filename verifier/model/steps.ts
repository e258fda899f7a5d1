// Walking a model's steps, and the mark bits a step touches: shared by the affinity list names
// (affinity-names.ts), the packet space's constants and the compiled rulesets (engine/).
import type { NetfilterProgram, Step } from './program.ts';

/**
 * Every step of the program's rules in order, a dispatch's and a numgen's own steps right after
 * the step itself. A dispatch's element list is walked once: the nft reader shares a map's elements
 * among every rule (and DNAT port) that reads it — 168,000 elements read by hundreds of rules at
 * 10,000 services.
 */
export function forEachStep(program: NetfilterProgram, visit: (s: Step) => void): void {
  const walked = new Set<readonly unknown[]>();
  const walk = (steps: readonly Step[]): void => {
    for (const s of steps) {
      visit(s);
      if (s.kind === 'dispatch') {
        if (walked.has(s.elements)) continue;
        walked.add(s.elements);
        for (const e of s.elements) walk(e.steps);
      } else if (s.kind === 'numgen') for (const b of s.branches) walk(b.steps);
    }
  };
  for (const chain of program.chains.values()) for (const r of chain.rules) walk(r.steps);
}

/**
 * The mark bits a step observes or makes known: a test's mask; the bits a write sets to a known
 * value. A full `set` also clears every other bit: the packet space observes those through one
 * representative bit (engine/space.ts markBitsOfSpace). 0 for other steps.
 */
export function markBitsOf(s: Step): number {
  if (s.kind === 'test') return s.test.kind === 'mark' ? s.test.mask : 0;
  if (s.kind !== 'mark') return 0;
  const v = s.value >>> 0;
  return s.op === 'and' ? ~v >>> 0 : v;
}
