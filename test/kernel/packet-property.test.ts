// Random valid models through real netfilter: each model (test/property/arbitrary-model.ts: every
// service type, traffic policies, affinity, source ranges, endpoint conditions, NodePort address
// sets, kube-proxy flags) is lowered for its first node, rendered by both backends, loaded into
// namespaces and probed from every source class (matrix.ts). Asserts, per model and family: the
// backends agree with each other and with the IR's reference evaluator on every cell. The
// hand-written cases (packet-equivalence) name outcomes; this samples what nobody thought to write.
// Root only; skips loudly otherwise.
import fc from 'fast-check';
import * as assert from 'uvu/assert';
import type { Family } from '../../common/ip.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import { arbitraryModel } from '../property/arbitrary-model.ts';
import { iptablesBackend, nftablesBackend } from './load.ts';
import { type DifferentialReport, formatReport, runDifferential, settledValue, startLimited } from './matrix.ts';
import { kernelTests } from './netns.ts';

const MODELS = 24;
const PARALLEL = 3;

const caseArb = fc.record({
  model: arbitraryModel({ maxServices: 4, maxEndpoints: 5, maxNodes: 3 }),
  family: fc.constantFrom<Family>('ipv4', 'ipv6'),
  environment: fc.record({ randomFully: fc.boolean(), nfacct: fc.boolean(), conntrackLiberal: fc.boolean() }),
});

/** A fixed sample: the same models in every run, so a failure names a case that fails again. */
const CASES = fc.sample(caseArb, { numRuns: MODELS, seed: 2026_12_05 }).map((c, i) => {
  const lowered = lowerModel(c.model, {
    node: c.model.nodes[0]?.name,
    family: c.family,
    environment: c.environment,
  });
  return { ...c, index: i, lowered, ir: lowered.programs[0] ?? null };
});

/** Whether a report probed a UDP datagram the IR delivers to the node at an address other than its first. */
const udpLocalElsewhere = (r: DifferentialReport): boolean =>
  r.outcomes.some(
    (o) =>
      o.cell.frontend.proto === 'udp' &&
      o.cell.expected.allowed.includes('local') &&
      o.cell.frontend.ip !== r.plan.nodeIPs[0],
  );

{
  const test = kernelTests('random models, packet equivalence');
  const probed = CASES.filter((c) => c.ir !== null && c.ir.servicePorts.length > 0);
  let runs: Promise<PromiseSettledResult<DifferentialReport>>[] | null = null;
  const seen = { models: 0, ipv6: 0, udpLocalElsewhere: 0, probes: 0 };

  test('the sample lowers without errors and probes enough models', () => {
    for (const c of CASES) {
      assert.equal(
        c.lowered.diagnostics.filter((d) => d.severity === 'error'),
        [],
        `model ${c.index}`,
      );
    }
    assert.ok(probed.length >= MODELS / 2, `${probed.length} of ${MODELS} models have service ports to probe`);
  });

  probed.forEach((c, i) => {
    test(`model ${c.index} (${c.family}, ${c.ir!.servicePorts.length} service ports)`, async () => {
      runs ??= startLimited(
        probed.map((k) => () => {
          const ir = k.ir!;
          return runDifferential(ir, [iptablesBackend(ir), nftablesBackend(ir)], { tag: `rp${k.index}-` });
        }),
        PARALLEL,
      );
      const r = settledValue(await runs[i]!);
      const detail = () =>
        `\nmodel ${JSON.stringify(c.model)}\nenvironment ${JSON.stringify(c.environment)}\n` +
        formatReport(r, [iptablesBackend(c.ir!), nftablesBackend(c.ir!)]);
      assert.ok(r.outcomes.length > 0, 'no cells probed');
      assert.equal(r.disagreements, [], `backends disagree:\n${r.disagreements.join('\n')}${detail()}`);
      assert.equal(r.irMismatches, [], `backend vs IR:\n${r.irMismatches.join('\n')}${detail()}`);
      seen.models++;
      seen.probes += r.probes;
      if (c.family === 'ipv6') seen.ipv6++;
      if (udpLocalElsewhere(r)) seen.udpLocalElsewhere++;
    });
  });

  // what the sample exercised (a sample that never reached these would prove little)
  test('the sample covers both families and UDP answered at every node address', () => {
    assert.is(seen.models, probed.length, JSON.stringify(seen));
    assert.ok(seen.ipv6 >= 2, `IPv6 models: ${JSON.stringify(seen)}`);
    // the agent once answered UDP from the address routing picked, not the one probed (probe.ts)
    assert.ok(seen.udpLocalElsewhere >= 1, `UDP delivered to the node at another address: ${JSON.stringify(seen)}`);
    console.log(`  random models through the kernel: ${JSON.stringify(seen)}`);
  });

  test.run();
}
