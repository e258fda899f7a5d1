// What nft or the kernel does with a base chain's declaration that the model would read otherwise:
// refused where it is declared (the chain is still made: its rules are read, no cascade).
import type { DiagnosticSink } from './diagnostics.ts';
import { child } from './pointer.ts';
import type { BaseSpec } from './state.ts';

export function checkBaseChain(base: BaseSpec, pointer: string, sink: DiagnosticSink): void {
  // nft reads a priority as a C int: past 32 bits it wraps (4294967146 is -150), which reorders
  // the chain among the others
  const prioRead = Number.isSafeInteger(base.prio) && base.prio >= -(2 ** 31) && base.prio < 2 ** 31;
  if (!prioRead) {
    sink.report('nft-bad-value', child(pointer, 'prio'), String(base.prio), 'a priority in the 32-bit range');
  }
  // a nat chain hooks where the nat core does; the kernel refuses one at forward (measured by a review)
  if (base.type === 'nat' && base.hook === 'forward') {
    const hooks = 'a hook of a nat chain (prerouting, input, output or postrouting)';
    sink.report('nft-bad-value', child(pointer, 'hook'), JSON.stringify(base.hook), hooks);
  }
  // before conntrack (priority -200) a packet has no conntrack entry yet: its ct state is not
  // the one the model gives it (docs/verifier.md)
  // (of a priority refused above, only that is said)
  if (prioRead && (base.hook === 'prerouting' || base.hook === 'output') && base.prio <= -200) {
    sink.report(
      'nft-unsupported',
      child(pointer, 'prio'),
      `a base chain at priority ${base.prio} on ${base.hook}, at or before conntrack (-200): its packets have no conntrack state yet`,
    );
  }
}
