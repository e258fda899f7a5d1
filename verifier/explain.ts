// Explain one packet: its path through each ruleset (every rule that matched, per random choice)
// and the outcome distribution of each evaluator, side by side.
import { type Family, ipOf } from '../common/ip.ts';
import type { Rational } from '../compiler/ir/outcome.ts';
import type { Packet } from '../compiler/ir/packet.ts';
import type { IRProgram } from '../compiler/ir/types.ts';
import type { Locality } from './engine/build-space.ts';
import type { IREvaluator } from './engine/check.ts';
import { keyedArtifact, keyedIR } from './engine/compare.ts';
import { explore } from './engine/explore.ts';
import { classView } from './engine/ir-view.ts';
import { evaluateProgram, type TraceEntry, traceList } from './engine/netfilter-eval.ts';
import { artifactDistribution, observe } from './engine/observe.ts';
import { type ArtifactInput, observedMarkMask, prepare } from './engine/setup.ts';
import { packetClass } from './engine/witness.ts';
import { defaultLocality } from './verify.ts';

export interface ExplainInput {
  family: Family;
  ir: { program: IRProgram; evaluate: IREvaluator } | null;
  artifacts: readonly ArtifactInput[];
  packet: Packet;
  locality?: Locality;
}

export interface ExplainedOutcome {
  outcome: string;
  p: Rational;
  /** artifacts: the rules each path to this outcome went through */
  paths: TraceEntry[][];
}

export interface Explanation {
  packet: Packet;
  /** per evaluator ('ir', 'iptables', 'nftables') */
  results: Record<string, ExplainedOutcome[]>;
}

export function explain(input: ExplainInput): Explanation {
  const { packet } = input;
  const locality = input.locality ?? defaultLocality(input.ir?.program ?? null);
  const { space, compiled, roots } = prepare(
    input.family,
    input.ir?.program ?? null,
    input.artifacts,
    locality,
    (c) => {
      // the packet's own addresses become atoms, so its class holds exactly its addresses
      for (const ip of [packet.src, packet.dst]) {
        const v = ipOf(ip).value;
        c.addresses.push([v, v]);
      }
      if (packet.inInterface) c.interfaceNames.add(packet.inInterface);
    },
  );
  const pathAtom = packet.path === 'arriving' ? 0 : 1;
  const root = roots.find((r) => r.core[0]![0] === pathAtom) ?? roots[0]!;
  const cls = packetClass(space, root, packet);
  const markMask = observedMarkMask(input.ir?.program ?? null, compiled);
  const results: Explanation['results'] = {};
  for (const c of compiled) {
    const [cell] = explore(space, cls, (q) =>
      artifactDistribution(q, evaluateProgram(c.program, q, { trace: true }), markMask, true),
    );
    const keyed = keyedArtifact(cell!.value);
    results[c.backend] = cell!.value.map((w) => ({
      outcome: w.key,
      p: keyed.get(w.key)!,
      paths: w.traces.map(traceList),
    }));
  }
  if (input.ir) {
    const ir = input.ir;
    const [cell] = explore(space, cls, (q) => ir.evaluate(ir.program, classView(q)));
    const keyed = keyedIR(cell!.value, (o) => observe(o, markMask));
    results.ir = [...keyed.entries()].map(([outcome, p]) => ({ outcome, p, paths: [] }));
  }
  return { packet, results };
}
