// recent --reap against the model: a reap forgets records older than its rule's --seconds (the
// kernel removes its list's oldest record, whoever's it is, once that is older), which the model's
// affinity state does not do. That is invisible unless another check of the list, reaping or not,
// looks back further (read.ts calls this once every rule is read). Such a reap makes a proof of
// equivalence impossible, not the artifact unreadable: a check that finds differences anyway
// (kube-proxy's mutation suite changes one check's --seconds, so the list's other, reaping check
// is noticed) reports them.
import type { InconclusiveItem } from '../model/program.ts';
import type { LineReader } from './lines.ts';

/**
 * The reaps a longer check of the same list notices: a review session measured both kinds (a
 * --reap --seconds 2 beside a --seconds 10800 check, and a targetless --seconds 1 --reap before
 * kube-proxy's own --seconds 600 --reap) sending a client elsewhere.
 */
export function noticedReaps(r: LineReader): InconclusiveItem[] {
  const out: InconclusiveItem[] = [];
  for (const [list, ages] of r.ctx.shared.recentAges) {
    for (const reap of ages.reaps) {
      if (reap.seconds >= ages.longest) continue;
      const start = reap.where.span?.start;
      out.push({
        file: reap.where.file,
        line: start?.line ?? 0,
        message: `recent --reap is not modelled: this rule's reap (--seconds ${reap.seconds}) forgets records of list ${list} that another check of it finds (--seconds ${ages.longest}), so equivalence cannot be proven`,
      });
    }
  }
  return out;
}
