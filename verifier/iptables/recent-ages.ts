// recent --reap against the model: a reap forgets records older than its rule's --seconds, which
// the model's affinity state does not do. That is invisible unless another check of the list looks
// back further; where that check does not reap itself, the reap is refused (read.ts calls this
// once every rule is read). Two reaping checks of one list at different ages are not refused:
// their ages already differ in the model (kube-proxy's mutation suite changes one), though the
// shorter reap's forgetting is still not modelled there.
import { iptCodes } from './codes.ts';
import type { LineReader } from './lines.ts';

/**
 * `--reap` forgets a list's records older than its rule's --seconds, which the model does not do:
 * only a check of the same list that looks back further can tell (a review session measured it:
 * --reap --seconds 2 beside a --seconds 10800 check sent a client elsewhere). Refused then.
 */
export function refuseNoticedReaps(r: LineReader): void {
  for (const [list, ages] of r.ctx.shared.recentAges) {
    for (const reap of ages.reaps) {
      if (reap.seconds >= ages.longest) continue;
      r.diagnostics.push(
        iptCodes['ipt-unsupported-option'](
          reap.where,
          '--reap',
          `'-m recent' (a check of list ${list} without --reap looks back ${ages.longest} s, past this rule's --seconds ${reap.seconds}: it would find records the reap forgets)`,
        ),
      );
    }
  }
}
