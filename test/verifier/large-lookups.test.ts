// The engine's paths for large lookups (verifier/engine/candidates.ts, eval-memo.ts): a set or map with more
// than 64 items keyed by a destination the class leaves open is split by those destinations at
// once (a many-way partition), and the rest of an evaluation after the first hook is memoised as a
// decision tree of the questions it asked. Both only make the check faster: on a generated
// cluster whose hairpin set has 150 elements, the engine's classes still agree with the plain
// interpreter packet by packet, the shape cache changes nothing, and a hairpin element removed
// from the nft output is still found.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileIptables } from '../../api/iptables.ts';
import { check, parse } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { compileNftables } from '../../api/nftables.ts';
import { type VerifyProgress, verifyArtifacts, verifyModel } from '../../api/verify.ts';
import { generateKsvc } from '../../bench/generate.ts';
import type { Packet } from '../../compiler/ir/packet.ts';
import type { ClusterModel } from '../../compiler/model.ts';
import { affinityListNames, affinityNaming } from '../../verifier/affinity-names.ts';
import { readNftables } from '../../verifier/nftables/index.ts';
import { interpret } from './concrete-interpreter.ts';
import { showDist as show } from './intended.ts';
import { modelPackets } from './model-packets.ts';
import { editDoc, elementsOf, removeElement } from './mutations/nft-edit.ts';
import { cellOf, partition } from './partition.ts';

const L = suite('large lookups: many-way splits and the memo keep the result exact');

let cluster: { model: ClusterModel; node: string } | undefined;

/** The generated cluster (parsed and checked once for every test here). */
function generated(): { model: ClusterModel; node: string } {
  if (cluster) return cluster;
  const text = generateKsvc({ services: 15, endpointsPerService: 10, seed: 7, affinityShare: 0.2 });
  const checked = check(parse(text, { file: 'gen.ksvc' }));
  assert.equal(
    checked.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  cluster = { model: checked.model!, node: checked.model!.nodes[0]!.name };
  return cluster;
}

L('the nft hairpin set is large enough to take the many-way path', () => {
  const { model, node } = generated();
  const ir = lower(model, { node, family: 'ipv4' }).programs[0]!;
  const doc = JSON.parse(compileNftables([ir]));
  assert.ok(elementsOf(doc, 'ip', 'hairpin').length > 64, 'more hairpin elements than the partition threshold');
});

L('engine classes agree with the concrete interpreter, packet by packet', () => {
  const { model, node } = generated();
  const ir = lower(model, { node, family: 'ipv4' }).programs[0]!;
  const nft = readNftables(compileNftables([ir]), { file: '<nftables>' });
  const program = nft.programs[0]!;
  const naming = affinityNaming(ir, affinityListNames(program));
  const side = { backend: 'nftables' as const, program, canonicalList: naming.nftables };
  const part = partition(side, { mode: 'concrete', addresses: ir.nodeIPs }, ir.masqueradeMark, { ir });
  const world = { local: ir.nodeIPs, markMask: ir.masqueradeMark, canonicalList: naming.nftables };
  let hairpin = 0;
  fc.assert(
    fc.property(modelPackets(ir), (pk) => {
      const cells = cellOf(part, pk);
      assert.is(cells.length, 1, `exactly one class holds ${JSON.stringify(pk)}`);
      assert.equal(show(cells[0]!.dist), show(interpret(program, pk, world)), JSON.stringify(pk));
      if (pk.src === pk.dst) hairpin++;
    }),
    { numRuns: 400, seed: 20261204 },
  );
  // established packets from an endpoint to itself: the ones the hairpin partition splits out
  for (const sp of ir.servicePorts.slice(0, 5)) {
    for (const e of sp.endpoints) {
      for (const ct of ['established', 'new'] as const) {
        const pk: Packet = {
          path: 'arriving',
          src: e.ip,
          dst: e.ip,
          protocol: sp.protocol,
          sport: 40000,
          dport: e.port,
          inInterface: 'eth0',
          mark: 0,
          ct: { state: ct, dnat: ct !== 'new' },
          affinityAges: {},
        };
        const cells = cellOf(part, pk);
        assert.is(cells.length, 1);
        assert.equal(show(cells[0]!.dist), show(interpret(program, pk, world)), JSON.stringify(pk));
        hairpin++;
      }
    }
  }
  assert.ok(hairpin > 20, `hairpin packets checked: ${hairpin}`);
});

L('the shape cache changes nothing on the generated cluster', () => {
  const { model, node } = generated();
  const a = verifyModel(model, { nodes: [node] });
  const b = verifyModel(model, { nodes: [node], shapes: false });
  const ra = a.runs[0]!.report!;
  const rb = b.runs[0]!.report!;
  assert.ok(ra.equivalent && rb.equivalent);
  assert.is(ra.stats.classes, rb.stats.classes);
  assert.equal(ra.stats.packets, rb.stats.packets);
  assert.ok(ra.stats.reusedShards > 0, 'some shards were counted from their shape');
});

L('progress: each ruleset read, the preparation, then the shards counted up to every one', () => {
  const { model, node } = generated();
  const events: VerifyProgress[] = [];
  const r = verifyModel(model, { nodes: [node], progress: (p) => events.push(p) });
  assert.ok(r.runs[0]!.report!.equivalent);
  const stages = events.map((e) => (e.stage === 'read' ? `read ${e.backend}` : e.stage));
  assert.equal([...new Set(stages)], ['read nftables', 'read iptables', 'prepare', 'check']);
  const checks = events.filter((e) => e.stage === 'check');
  const total = r.runs[0]!.report!.stats.shards;
  assert.ok(checks.length >= 2, 'told at the start and at the end');
  for (let i = 0; i < checks.length; i++) {
    assert.is(checks[i]!.total, total);
    if (i > 0) assert.ok(checks[i]!.done > checks[i - 1]!.done, 'the count only grows');
  }
  assert.is(checks[0]!.done, 0);
  assert.is(checks.at(-1)!.done, total);
});

L('a hairpin element removed from the nft output is found', () => {
  const { model, node } = generated();
  const ir = lower(model, { node, family: 'ipv4' }).programs[0]!;
  const ep = ir.servicePorts.find((sp) => sp.endpoints.length > 1)!.endpoints[1]!.ip;
  const mutated = editDoc(compileNftables([ir]), (doc) => removeElement(doc, 'ip', 'hairpin', [`"${ep}"`]));
  const result = verifyArtifacts({
    iptables: { text: compileIptables(ir), file: 'ipt' },
    nftables: { text: mutated, file: 'nft.json' },
    model: { model, node },
    family: 'ipv4',
  });
  const report = result.runs[0]!.report!;
  assert.not.ok(report.equivalent);
  const cx = report.counterexamples.find((c) => c.comparison === 'iptables=nftables')!;
  assert.ok(cx, 'iptables and nftables differ');
  assert.is(cx.witness.src, ep, 'the witness comes from the endpoint that lost its hairpin element');
});

L.run();
