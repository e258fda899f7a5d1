// The semantic diff judged without trusting the verifier's engine: random models with one random
// model edit (test/verifier/random-edits.ts: an endpoint removed or its conditions changed, a
// traffic policy, affinity or target port changed), both versions compiled and diffed, then the
// concrete interpreter (concrete-interpreter.ts: no classes, atoms or shapes) runs the old and the
// new ruleset on random packets of both versions:
//   - a diff that says "same routing" while some packet gets a different outcome is a false proof;
//   - a change whose witness packet the two rulesets treat alike is spurious;
//   - with and without shapes, the same result.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffRouting } from '../../api/diff.ts';
import { compileIptables } from '../../api/iptables.ts';
import { lower } from '../../api/lower.ts';
import { compileNftables } from '../../api/nftables.ts';
import type { Rational } from '../../compiler/ir/outcome.ts';
import type { Packet } from '../../compiler/ir/packet.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { affinityListNames, affinityNaming } from '../../verifier/affinity-names.ts';
import type { Backend } from '../../verifier/model/program.ts';
import { interpret, UnansweredPacket, UnmodelledPacket } from './concrete-interpreter.ts';
import { showDist } from './intended.ts';
import { modelPackets } from './model-packets.ts';
import { type EditedFamily, editedCase, readArtifact } from './random-edits.ts';

const CASES = 60;
const PACKETS = 150;

const show = (d: ReadonlyMap<string, Rational>) => showDist(d).join(' | ');
const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x));

/** One version's ruleset as the concrete interpreter runs it. */
function runner(ir: IRProgram, backend: Backend, nodeIPs: readonly string[]) {
  const text = backend === 'iptables' ? compileIptables(ir) : compileNftables([ir]);
  const { errors, program } = readArtifact(backend, text, ir.family);
  assert.equal(errors, []);
  const naming = affinityNaming(ir, backend === 'nftables' ? affinityListNames(program!) : []);
  const world = { local: nodeIPs, markMask: ir.masqueradeMark, canonicalList: naming[backend] };
  return (pk: Packet) => interpret(program!, pk, world);
}

function judgeEdits(first: number, cases: number, family: EditedFamily) {
  const seen = { cases: 0, same: 0, changed: 0, packets: 0, differing: 0, witnesses: 0 };
  for (let seed = first; seen.cases < cases && seed < first + 8 * cases; seed++) {
    const c = editedCase(seed, 'model', { family });
    if (c === null) continue;
    const lowered = lower(c.edited.model, { ...(c.node === null ? {} : { node: c.node }), environment: c.environment });
    const next = lowered.programs.find((p) => p.family === c.ir.family);
    if (!next || lowered.diagnostics.some((d) => d.severity === 'error')) continue;
    // a model edit never moves the node: its addresses are the locality of both sides
    assert.equal(next.nodeIPs, c.ir.nodeIPs);
    seen.cases++;
    const backend: Backend = seed % 2 === 0 ? 'iptables' : 'nftables';
    const where = `seed ${seed} (${backend}): ${c.what}`;
    const withShapes = diffRouting(c.ir, next, { backend });
    const without = diffRouting(c.ir, next, { backend, shapes: false });
    assert.equal(withShapes.diagnostics, [], where);
    const [a, b] = [withShapes.run.report!, without.run.report!];
    assert.equal(
      [b.equivalent, b.stats.classes, b.counterexamples.length],
      [a.equivalent, a.stats.classes, a.counterexamples.length],
      `${where}: shapes change the result`,
    );
    if (a.equivalent) seen.same++;
    else seen.changed++;
    // every service port the summary names is among those with a change, and none when nothing changes
    const changedPorts = new Set(withShapes.run.changedServicePorts.map((p) => p.servicePortName));
    for (const x of withShapes.run.summary) {
      if (x.servicePortName !== null) assert.ok(changedPorts.has(x.servicePortName), `${where}: ${x.servicePortName}`);
    }
    if (a.equivalent) assert.equal(withShapes.run.changedServicePorts, [], where);
    const [before, after] = [runner(c.ir, backend, c.ir.nodeIPs), runner(next, backend, c.ir.nodeIPs)];
    const packets = fc.sample(fc.oneof(modelPackets(c.ir), modelPackets(next)), { numRuns: PACKETS, seed });
    for (const pk of packets) {
      let x: ReadonlyMap<string, Rational>;
      let y: ReadonlyMap<string, Rational>;
      try {
        [x, y] = [before(pk), after(pk)];
      } catch (e) {
        if (!(e instanceof UnmodelledPacket) && !(e instanceof UnansweredPacket)) throw e;
        continue;
      }
      seen.packets++;
      if (show(x) === show(y)) continue;
      seen.differing++;
      assert.not.ok(a.equivalent, `${where}: false "same routing": ${json(pk)} old ${show(x)}; new ${show(y)}`);
    }
    for (const ch of withShapes.run.changes.slice(0, 4)) {
      const w = ch.counterexample.witness;
      seen.witnesses++;
      assert.is.not(show(before(w)), show(after(w)), `${where}: spurious change, witness ${json(w)}`);
    }
  }
  // what the sample exercised (a sample that never reached both verdicts would prove little)
  assert.ok(seen.cases >= cases && seen.same > 0 && seen.changed > 0 && seen.differing > 0, json(seen));
}

test(`${CASES} random model edits: no false "same routing", no spurious change`, () => {
  judgeEdits(4_100_000, CASES, 'first');
});

test(`${CASES / 3} random model edits, IPv6: the same`, () => {
  judgeEdits(4_200_000, CASES / 3, 'ipv6');
});

test.run();
