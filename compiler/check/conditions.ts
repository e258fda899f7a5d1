// Endpoint conditions as written -> the EndpointSlice conditions kube-proxy reads.
//
// Kubernetes' meaning: `serving` = the pod passes its readiness probe; `terminating` = the pod is
// being deleted; `ready` = serving and not terminating. The words resolve like this (explicit
// `ready` / `serving` win over what the other words imply):
//
//   written                     ready  serving  terminating
//   (nothing) / ready           yes    yes      no
//   serving                     yes    yes      no
//   not-ready                   no     no       no     (not-ready alone: failing its probe)
//   not-serving                 no     no       no
//   not-ready serving           no     yes      no
//   not-ready not-serving       no     no       no
//   terminating                 no     yes      yes    (still passing its probe while draining)
//   terminating serving         no     yes      yes
//   terminating not-serving     no     no       yes
//   terminating not-ready       no     yes      yes    (not-ready adds nothing to terminating)
//   ready terminating           yes    yes      yes    \
//   ready not-serving           yes    no       no      } shapes the EndpointSlice controller never
//   ready terminating not-serving yes  no       yes    /  writes, but the API accepts and kube-proxy
//                                                        uses as ready: warning `unusual-conditions`
//
// Contradictions (error `contradictory-conditions`): ready + not-ready, serving + not-serving.
// Repeating a word is harmless.
import type { EndpointCondition, Located } from '../../grammar/ast.ts';
import type { EndpointConditions } from '../model.ts';
import { codes } from './codes.ts';
import type { CheckContext } from './context.ts';

const CONTRADICTIONS: [EndpointCondition, EndpointCondition, string][] = [
  ['ready', 'not-ready', 'an endpoint is either ready or not'],
  ['serving', 'not-serving', 'an endpoint is either serving or not'],
];

/** Combinations kube-proxy handles although Kubernetes' own controllers never write them. */
const UNUSUAL: [EndpointCondition, EndpointCondition][] = [
  ['ready', 'terminating'],
  ['ready', 'not-serving'],
];

/** Resolve the written conditions; reports contradictions and returns null for them. */
export function resolveConditions(
  ctx: CheckContext,
  written: readonly Located<EndpointCondition>[],
): EndpointConditions | null {
  if (written.length === 0) return READY;
  const seen = new Map<EndpointCondition, Located<EndpointCondition>>();
  for (const c of written) if (!seen.has(c.value)) seen.set(c.value, c);
  let ok = true;
  for (const [a, b, why] of CONTRADICTIONS) {
    const first = seen.get(a);
    const second = seen.get(b);
    if (first && second) {
      const [early, late] = first.span.start.offset <= second.span.start.offset ? [first, second] : [second, first];
      ctx.report(
        codes['contradictory-conditions'](
          ctx.at(late.span, { related: [ctx.related(`'${early.value}' is here`, early.span)] }),
          early.value,
          late.value,
          why,
        ),
      );
      ok = false;
    }
  }
  if (!ok) return null;
  for (const [a, b] of UNUSUAL) {
    const second = seen.get(b);
    if (seen.has(a) && second) {
      ctx.report(codes['unusual-conditions'](ctx.at(second.span), a, b));
      break;
    }
  }
  return resolveConditionWords(new Set(seen.keys()));
}

// The eight possible results, frozen and shared: a large file has 100,000 endpoints and most of
// them resolve to READY. Nothing downstream writes to conditions (a write would throw).
const SHARED = new Map<number, EndpointConditions>();
for (let i = 0; i < 8; i++) {
  SHARED.set(i, Object.freeze({ ready: (i & 4) !== 0, serving: (i & 2) !== 0, terminating: (i & 1) !== 0 }));
}
const shared = (c: EndpointConditions): EndpointConditions =>
  SHARED.get((c.ready ? 4 : 0) | (c.serving ? 2 : 0) | (c.terminating ? 1 : 0))!;
const READY = shared({ ready: true, serving: true, terminating: false });

/** The table above, for a set of non-contradictory words. */
export function resolveConditionWords(has: ReadonlySet<EndpointCondition>): EndpointConditions {
  return shared(resolveWords(has));
}

function resolveWords(has: ReadonlySet<EndpointCondition>): EndpointConditions {
  const terminating = has.has('terminating');
  const serving = has.has('serving')
    ? true
    : has.has('not-serving')
      ? false
      : has.has('ready')
        ? true
        : terminating
          ? true
          : !has.has('not-ready');
  const ready = has.has('ready') ? true : !terminating && serving && !has.has('not-ready');
  return { ready, serving, terminating };
}
