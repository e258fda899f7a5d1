// Random valid models through real netfilter (random-cases.ts: every service type, traffic
// policies, affinity, source ranges, endpoint conditions, NodePort address sets, kube-proxy flags,
// both families): each is lowered for its first node, rendered by both backends, loaded into
// namespaces and probed from every source class (matrix.ts). Asserts, per model: the backends agree
// with each other and with the IR's reference evaluator on every cell. The hand-written cases
// (packet-equivalence) name outcomes; this samples what nobody thought to write. Long campaigns:
// scripts/fuzz-kernel.ts. Root only; skips loudly otherwise.
import * as assert from 'uvu/assert';
import { type DifferentialReport, startLimited } from './matrix.ts';
import { kernelTests } from './netns.ts';
import { describeKernelCase, kernelCases, runKernelCase } from './random-cases.ts';

const MODELS = 24;
const PARALLEL = 3;

/** A fixed sample: the same models in every run, so a failure names a case that fails again. */
const CASES = kernelCases(2026_12_05, MODELS);

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
  const probed = CASES.filter((c) => c.probed);
  let runs: Promise<PromiseSettledResult<DifferentialReport>>[] | null = null;
  const seen = { models: 0, ipv6: 0, udpLocalElsewhere: 0, probes: 0 };

  test('the sample lowers without errors and probes enough models', () => {
    for (const [i, c] of CASES.entries()) {
      assert.equal(
        c.lowered.diagnostics.filter((d) => d.severity === 'error'),
        [],
        `model ${i}`,
      );
    }
    assert.ok(probed.length >= MODELS / 2, `${probed.length} of ${MODELS} models have service ports to probe`);
  });

  probed.forEach((c, i) => {
    test(`model ${CASES.indexOf(c)} (${c.family}, ${c.ir!.servicePorts.length} service ports)`, async () => {
      runs ??= startAll();
      const settled = await runs[i]!;
      if (settled.status === 'rejected') throw settled.reason;
      const r = settled.value;
      assert.ok(r.outcomes.length > 0, 'no cells probed');
      assert.equal(
        r.disagreements,
        [],
        `backends disagree:\n${r.disagreements.join('\n')}\n${describeKernelCase(c, r)}`,
      );
      assert.equal(r.irMismatches, [], `backend vs IR:\n${r.irMismatches.join('\n')}\n${describeKernelCase(c, r)}`);
      seen.models++;
      seen.probes += r.probes;
      if (c.family === 'ipv6') seen.ipv6++;
      if (udpLocalElsewhere(r)) seen.udpLocalElsewhere++;
    });
  });

  /** Every probed case, at most PARALLEL at a time, each in its own namespaces. */
  function startAll(): Promise<PromiseSettledResult<DifferentialReport>>[] {
    return startLimited(
      probed.map((c) => () => runKernelCase(c, `rp${CASES.indexOf(c)}-`)),
      PARALLEL,
    );
  }

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
