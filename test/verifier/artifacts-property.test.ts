// Issue 9 item 6, second property: on ksvc's real artifacts for random models, the engine's classes
// agree with a plain interpreter, and both artifacts agree with the IR's reference evaluator.
// For each random model (and node, and netfilter environment) both artifacts are compiled, read
// back by the verifier's readers and partitioned by the engine; for random packets drawn from the
// model's own values (model-packets.ts):
//   - the one class holding the packet carries exactly the distribution the concrete interpreter
//     (concrete-interpreter.ts: no atoms, indexes or splitting) computes for the packet, for the
//     iptables program and for the nftables program;
//   - the two programs give the packet identical kernel-level distributions;
//   - the reference evaluator (compiler/ir/evaluate.ts, concreteView) gives the same outcomes
//     (normalised as the verifier observes them) within total variation 2^-20.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileIptables } from '../../api/iptables.ts';
import { lower } from '../../api/lower.ts';
import { compileNftables } from '../../api/nftables.ts';
import { compareRational, rational } from '../../compiler/ir/outcome.ts';
import type { ClusterModel } from '../../compiler/model.ts';
import { affinityListNames, affinityNaming } from '../../verifier/affinity-names.ts';
import { readIptables } from '../../verifier/iptables/index.ts';
import type { NetfilterProgram } from '../../verifier/model/program.ts';
import { readNftables } from '../../verifier/nftables/index.ts';
import { arbitraryModel } from '../property/arbitrary-model.ts';
import { interpret } from './concrete-interpreter.ts';
import { type Dist, irDistribution, showDist as show, totalVariation } from './intended.ts';
import { modelPackets } from './model-packets.ts';
import { cellOf, type Partition, partition } from './partition.ts';

const MODELS = 40;
const PACKETS_PER_PROGRAM = 60;
const TV_BOUND = rational(1, 1n << 20n);

interface Side {
  backend: 'iptables' | 'nftables';
  program: NetfilterProgram;
  canonicalList: (name: string) => string;
  part: Partition;
}

const caseArb = fc.record({
  model: arbitraryModel({ maxServices: 5, maxEndpoints: 8 }),
  nodeIndex: fc.nat(),
  randomFully: fc.boolean(),
  nfacct: fc.boolean(),
  conntrackLiberal: fc.boolean(),
  /** iptables with its builtin-chain jumps (compile --with-hooks) read as written, else kube-proxy's assumed */
  withHooks: fc.boolean(),
  packetSeed: fc.integer(),
});

const stats = {
  models: 0,
  programs: 0,
  packets: 0,
  classes: 0,
  dnat: 0,
  random: 0,
  affinity: 0,
  refused: 0,
  tvPositive: 0,
};

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function checkModel(c: Case) {
  const model: ClusterModel = c.model;
  const nodes = model.nodes.length > 0 ? model.nodes.map((n) => n.name) : [null];
  const node = nodes[c.nodeIndex % nodes.length]!;
  const lowered = lower(model, {
    ...(node === null ? {} : { node }),
    environment: { randomFully: c.randomFully, nfacct: c.nfacct, conntrackLiberal: c.conntrackLiberal },
  });
  assert.equal(
    lowered.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const nft = readNftables(compileNftables(lowered.programs), { file: '<nftables>' });
  assert.equal(nft.diagnostics, []);
  stats.models++;
  for (const ir of lowered.programs) {
    const ipt = readIptables(compileIptables(ir, { hooks: c.withHooks }), {
      file: '<iptables>',
      family: ir.family,
      assumeHooks: !c.withHooks,
    });
    assert.equal(ipt.diagnostics, []);
    const nftProgram = nft.programs.find((p) => p.family === ir.family)!;
    const naming = affinityNaming(ir, affinityListNames(nftProgram));
    const locality = { mode: 'concrete' as const, addresses: ir.nodeIPs };
    const inputs: Omit<Side, 'part'>[] = [
      { backend: 'iptables', program: ipt.program!, canonicalList: naming.iptables },
      { backend: 'nftables', program: nftProgram, canonicalList: naming.nftables },
    ];
    const sides: Side[] = inputs.map((s) => ({
      ...s,
      part: partition(s, locality, ir.masqueradeMark, { family: ir.family, ir }),
    }));
    stats.programs++;
    stats.classes += sides[0]!.part.cells.length + sides[1]!.part.cells.length;
    fc.assert(
      fc.property(modelPackets(ir), (pk) => {
        const context = `case ${JSON.stringify({ ...c, model })}\nnode ${node} ${ir.family}\npacket ${JSON.stringify(pk)}`;
        const got: Dist[] = [];
        for (const s of sides) {
          const cells = cellOf(s.part, pk);
          assert.is(cells.length, 1, `${s.backend}: exactly one class holds the packet\n${context}`);
          const world = { local: ir.nodeIPs, markMask: ir.masqueradeMark, canonicalList: s.canonicalList };
          const concrete = interpret(s.program, pk, world);
          assert.equal(show(cells[0]!.dist), show(concrete), `${s.backend}: engine class vs interpreter\n${context}`);
          got.push(concrete);
        }
        assert.equal(show(got[0]!), show(got[1]!), `iptables vs nftables, kernel level\n${context}`);
        const intended = irDistribution(ir, pk);
        assert.equal([...intended.keys()].sort(), [...got[0]!.keys()].sort(), `IR vs artifacts: outcomes\n${context}`);
        const tv = totalVariation(intended, got[0]!);
        assert.ok(
          compareRational(tv, TV_BOUND) <= 0,
          `IR vs artifacts: total variation ${tv.num}/${tv.den}\n${context}`,
        );
        stats.packets++;
        if (tv.num !== 0n) stats.tvPositive++;
        const keys = [...got[0]!.keys()];
        if (keys.some((k) => k.includes(' dnat '))) stats.dnat++;
        if (got[0]!.size > 1) stats.random++;
        if (Object.keys(pk.affinityAges).length > 0 && keys.some((k) => k.includes(' dnat '))) stats.affinity++;
        if (keys.some((k) => k.startsWith('reject') || k.startsWith('drop'))) stats.refused++;
      }),
      { numRuns: PACKETS_PER_PROGRAM, seed: c.packetSeed },
    );
  }
}

const P = suite('real artifacts: engine classes, concrete interpreter and the IR agree packet by packet');

P(`${MODELS} random models, ${PACKETS_PER_PROGRAM} packets per program`, () => {
  for (const c of fc.sample(caseArb, { numRuns: MODELS, seed: 20261203 })) checkModel(c);
  // the packets reached what matters (else the agreement would be vacuous)
  assert.ok(stats.packets >= MODELS * PACKETS_PER_PROGRAM, JSON.stringify(stats));
  assert.ok(stats.dnat > 50, `DNATed packets: ${JSON.stringify(stats)}`);
  assert.ok(stats.random > 10, `packets with a random split: ${JSON.stringify(stats)}`);
  assert.ok(stats.tvPositive >= 5, `packets whose kernel-level split is not exactly 1/N: ${JSON.stringify(stats)}`);
  assert.ok(stats.affinity > 10, `DNATed packets with affinity records: ${JSON.stringify(stats)}`);
  assert.ok(stats.refused > 10, `dropped or rejected packets: ${JSON.stringify(stats)}`);
  console.log(`  artifacts-property: ${JSON.stringify(stats)}`);
});

P.run();
