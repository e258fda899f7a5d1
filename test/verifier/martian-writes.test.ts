// Packets outside the usual ones still write affinity records (assumption `martians`,
// verifier/engine/setup.ts rootClasses): an IPv4 packet arriving with a local source passes nat
// PREROUTING before routing drops it, and a packet generated on the node may carry a source that
// is not the node's (a raw socket). A record either writes stays, and steers the next connection
// from that address (measured by a review in namespaces: the nft ruleset below sent 10 of 10
// connections to the poisoned endpoint, iptables split them 7/3). The proof covers them: a ruleset
// that writes a record only for such packets is not equivalent to one that does not.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileIptables } from '../../api/iptables.ts';
import { check, parse } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { compileNftables } from '../../api/nftables.ts';
import { explainPacket, verifyArtifacts } from '../../api/verify.ts';
import { packet as irPacket } from '../support/ir-fixtures.ts';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/everything.ksvc');
const model = check(parse(readFileSync(file, 'utf8'), { file })).model!;
const ir = lower(model, { node: 'node-a', family: 'ipv4' }).programs[0]!;
const iptables = { text: compileIptables(ir), file: 'iptables' };
const nftText = compileNftables([ir]);

type Item = { add?: { rule?: { chain: string; expr: unknown[] } } };

/** ksvc's nft document with `rule` (an expr list) put first in `chain`. */
function withRuleFirst(chain: string, expr: unknown[]): string {
  const doc = JSON.parse(nftText) as { nftables: Item[] };
  const at = doc.nftables.findIndex((i) => i.add?.rule?.chain === chain);
  assert.ok(at > 0, chain);
  doc.nftables.splice(at, 0, { add: { rule: { family: 'ip', table: 'kube-proxy', chain, expr } } } as Item);
  return JSON.stringify(doc);
}

// the https port's affinity set, written for endpoint 10.64.2.5:8443 whatever the random choice
const affinitySet = JSON.parse(nftText).nftables.find(
  (i: { add?: { set?: { name: string } } }) =>
    i.add?.set?.name.startsWith('affinity-') && i.add.set.name.endsWith('/https'),
)?.add.set.name as string;
const poison = {
  set: {
    op: 'update',
    elem: { concat: [{ payload: { protocol: 'ip', field: 'saddr' } }, '10.64.2.5', 8443] },
    set: `@${affinitySet}`,
  },
};
const sourceIsLocal = (op: '==' | '!=') => ({
  match: { op, left: { fib: { result: 'type', flags: ['saddr'] } }, right: 'local' },
});

const cases = [
  { what: 'an arriving packet from a node address (a martian)', chain: 'nat-prerouting', op: '==' as const },
  { what: 'a packet generated on the node from another address', chain: 'nat-output', op: '!=' as const },
];

for (const c of cases) {
  test(`${c.what} writes a record: not equivalent, with a model and without`, () => {
    assert.ok(affinitySet, 'the example has an affinity set');
    // to an address no service has: the packet itself never reads the record it wrote
    const nowhere = { match: { op: '==', left: { payload: { protocol: 'ip', field: 'daddr' } }, right: '10.32.0.99' } };
    const nftables = { text: withRuleFirst(c.chain, [nowhere, sourceIsLocal(c.op), poison]), file: 'nft.json' };
    for (const withModel of [false, true]) {
      const result = verifyArtifacts({
        iptables,
        nftables,
        family: 'ipv4',
        ...(withModel ? { model: { model, node: 'node-a' } } : {}),
      });
      assert.equal(
        result.diagnostics.filter((d) => d.severity === 'error'),
        [],
      );
      const report = result.runs[0]!.report!;
      assert.not.ok(report.equivalent, `${c.what}, model ${withModel}`);
      const cx = report.counterexamples.find((x) => x.comparison === 'iptables=nftables')!;
      assert.ok(cx, 'the artifacts differ');
      assert.is(cx.witness.path, c.chain === 'nat-prerouting' ? 'arriving' : 'local');
      assert.ok(
        (cx.distributions.nftables ?? []).some((l) => l.outcome.includes('10.64.2.5:8443')),
        (cx.distributions.nftables ?? []).map((l) => l.outcome).join('; '),
      );
    }
  });
}

test('an ordinary difference on the output path is shown with a source such packets have: a node address', () => {
  // seed-nodeport with its hooks, the nat OUTPUT jump to KUBE-SERVICES deleted: connections from
  // the node are not sent to services any more
  const seed = path.resolve(path.dirname(file), 'seed-nodeport.ksvc');
  const seedModel = check(parse(readFileSync(seed, 'utf8'), { file: seed })).model!;
  const seedIR = lower(seedModel, { node: seedModel.nodes[0]!.name, family: 'ipv4' }).programs[0]!;
  const withHooks = compileIptables(seedIR, { hooks: true });
  const jump = '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n';
  assert.ok(withHooks.includes(jump));
  const result = verifyArtifacts({
    iptables: { text: withHooks.replace(jump, ''), file: 'edited' },
    nftables: { text: compileNftables([seedIR]), file: 'nft.json' },
    family: 'ipv4',
    model: { model: seedModel, node: seedModel.nodes[0]!.name },
  });
  const generated = result.runs[0]!.report!.counterexamples.filter((c) => c.witness.path === 'local');
  assert.ok(generated.length > 0, 'a difference for packets from the node');
  // a witness from elsewhere only where no node address differs that way: a raw socket's packet
  // from the pod range, which nft (no OUTPUT edit) does not masquerade
  for (const c of generated) {
    if (c.witness.src === '172.16.1.35') continue;
    assert.ok(c.region.includes('source: 10.64.1.0/24 except 10.64.1.13'), `${c.witness.src}: ${c.region.join('; ')}`);
  }
  assert.ok(generated.filter((c) => c.witness.src === '172.16.1.35').length >= 2);
});

test("explain without a model: the source's locality is a case too, and the unusual one says why", () => {
  // shop/storefront:http (Local policy) at its load-balancer IP: KUBE-EXT asks whether the source is LOCAL
  const { explanation } = explainPacket({
    packet: { ...irPacket({ src: '198.51.100.7', dst: '203.0.113.10' }), dport: 80 },
    family: 'ipv4',
    iptables,
    nftables: { text: nftText, file: 'nft.json' },
  });
  const conditions = explanation!.cases.flatMap((c) => c.conditions);
  assert.ok(
    conditions.some((c) => c.startsWith('the source 198.51.100.7 is a local address of the node (a martian:')),
    conditions.join('\n'),
  );
  assert.ok(conditions.some((c) => c === 'the source 198.51.100.7 is not a local address of the node'));
});

test("ksvc's own rulesets are still equivalent over every source, and to the IR", () => {
  const result = verifyArtifacts({
    iptables,
    nftables: { text: nftText, file: 'nft.json' },
    family: 'ipv4',
    model: { model, node: 'node-a' },
  });
  assert.ok(result.runs[0]!.report!.equivalent);
});

test.run();
