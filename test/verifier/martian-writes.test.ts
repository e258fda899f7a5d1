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
import { verifyArtifacts } from '../../api/verify.ts';

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
