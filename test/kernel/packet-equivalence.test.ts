// Real packets through ksvc's two backends: each case's IR is rendered to iptables-restore text
// (with the builtin-chain hooks) and to nftables JSON, each loaded into its own node namespace of
// the same topology, and every frontend is probed from every source class. Asserts: the backends
// agree (outcome class, the set of DNAT targets, masquerade), both match the IR's reference evaluator, and the
// literal outcomes each case names. Root only; skips loudly otherwise.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lowerModel } from '../../compiler/lower/index.ts';
import { iptablesBackend, nftablesBackend } from './load.ts';
import { type DifferentialReport, formatReport, runDifferential, settledValue, startLimited } from './matrix.ts';
import { kernelTests } from './netns.ts';
import { CASES } from './packet-cases.ts';

function seenKeys(r: DifferentialReport, backend: string, frontend: string, source: string): string[][] {
  return r.outcomes
    .filter((o) => o.cell.frontend.label.includes(frontend) && o.cell.source.label === source)
    .map((o) => [...(o.seen.get(backend)?.keys() ?? [])].sort());
}

// Cases run three at a time (each in its own namespaces); tests report them in order.
const PARALLEL = 3;

{
  const test = kernelTests('packet equivalence');
  // Started by the first test of this file (not at import: uvu imports every file first).
  let runs: ReturnType<typeof startLimited<Awaited<ReturnType<typeof runCase>>>> | null = null;
  const runCase = async (c: (typeof CASES)[number]) => {
    const lowered = lowerModel(c.model, { node: c.node, family: c.family ?? 'ipv4' });
    const ir = lowered.programs[0]!;
    const backends = [iptablesBackend(ir), nftablesBackend(ir)];
    return { lowered, backends, report: await runDifferential(ir, backends, { tag: `eq${CASES.indexOf(c)}-` }) };
  };
  CASES.forEach((c, i) => {
    test(`packets: ${c.name}`, async () => {
      runs ??= startLimited(
        CASES.map((k) => () => runCase(k)),
        PARALLEL,
      );
      const { lowered, backends, report: r } = settledValue(await runs[i]!);
      assert.equal(
        lowered.diagnostics.filter((d) => d.severity === 'error'),
        [],
      );
      const detail = () => `\n${formatReport(r, backends)}`;
      assert.ok(r.outcomes.length > 0, 'no cells probed');
      assert.equal(r.disagreements, [], `backends disagree:\n${r.disagreements.join('\n')}${detail()}`);
      assert.equal(r.irMismatches, [], `backend vs IR:\n${r.irMismatches.join('\n')}${detail()}`);
      for (const e of c.expect) {
        for (const b of backends) {
          const seen = seenKeys(r, b.name, e.frontend, e.source);
          assert.ok(seen.length > 0, `no cell for ${e.frontend} <- ${e.source}`);
          for (const keys of seen) assert.equal(keys, [...e.keys].sort(), `${b.name}: ${e.frontend} <- ${e.source}`);
        }
      }
    });
  });
}

test.run();
