// Which mark bits a check observes (docs/verifier.md `owned-mark-bits`): every bit a ruleset or the
// IR tests or changes, the same with a model as without one. A ruleset that sets a bit beside the
// masquerade bit used to pass a check against the model (which then observed the masquerade bit
// alone) while a check of the two artifacts alone reported it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { explainPacket, verifyArtifacts } from '../../api/verify.ts';
import type { IPText } from '../../common/ip.ts';
import { artifactsOf } from './mutations/fixtures.ts';
import { A4 } from './mutations/types.ts';

const Observed = suite('observed mark bits');

const a = artifactsOf(A4);
/** KUBE-MARK-MASQ sets bit 0 beside the masquerade bit 14. */
const marked = a.iptables.replace(
  '-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000',
  '-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004001',
);
const model = { model: a.model, node: a.node };
const ipt = (text: string) => ({ text, file: 'iptables' });
const nft = { text: a.nftables, file: 'nftables' };

Observed('the edit applies, and the unedited iptables output is equivalent to the model', () => {
  assert.is.not(marked, a.iptables);
  const r = verifyArtifacts({ iptables: ipt(a.iptables), model, family: 'ipv4' }).runs[0]!.report!;
  assert.ok(r.equivalent);
});

Observed('one artifact against the model: a bit set beside the masquerade bit is a difference', () => {
  const r = verifyArtifacts({ iptables: ipt(marked), model, family: 'ipv4' }).runs[0]!.report!;
  assert.not.ok(r.equivalent);
  const cx = r.counterexamples.find((c) => c.comparison === 'ir=iptables');
  assert.ok(cx, 'an ir=iptables counterexample');
  // the IR passes bit 0 through as the packet arrived; the edited rules set it
  const irMarks = cx.distributions.ir!.map((l) => l.outcome.match(/mark (0x[0-9a-f]+)/)?.[1]);
  const iptMarks = cx.distributions.iptables!.map((l) => l.outcome.match(/mark (0x[0-9a-f]+)/)?.[1]);
  const bit0 = (cx.witness.mark ?? 0) & 1;
  assert.ok(
    irMarks.every((m) => m !== undefined && (Number.parseInt(m, 16) & 1) === bit0),
    `${irMarks}`,
  );
  assert.ok(
    iptMarks.some((m) => m !== undefined && (Number.parseInt(m, 16) & 1) === 1),
    `${iptMarks}`,
  );
});

Observed('the same verdict with the model, without it, and three-way', () => {
  const withModel = verifyArtifacts({ iptables: ipt(marked), nftables: nft, model, family: 'ipv4' }).runs[0]!.report!;
  const alone = verifyArtifacts({ iptables: ipt(marked), nftables: nft, family: 'ipv4' }).runs[0]!.report!;
  assert.not.ok(withModel.equivalent);
  assert.not.ok(alone.equivalent);
  const comparisons = new Set(withModel.counterexamples.map((c) => c.comparison));
  assert.ok(comparisons.has('iptables=nftables') && comparisons.has('ir=iptables'), [...comparisons].join(', '));
});

Observed('explain says which bits an outcome shows, and shows the passed-through bit', () => {
  const packet = {
    path: 'arriving' as const,
    src: '203.0.113.1' as IPText,
    dst: '10.32.0.50' as IPText,
    protocol: 'tcp' as const,
    sport: 40000,
    dport: 80,
    inInterface: 'eth0',
    mark: 0x1,
    ct: { state: 'new' as const, dnat: false },
    affinityAges: {},
  };
  const before = explainPacket({ packet, family: 'ipv4', model, iptables: ipt(a.iptables) }).explanation!;
  const after = explainPacket({ packet, family: 'ipv4', model, iptables: ipt(marked) }).explanation!;
  assert.is(before.markBits, 0x4000);
  assert.is(after.markBits, 0x4001);
  // with bit 0 observed, the IR keeps the packet's bit 0 on an accepted packet
  const ir = Object.values(after.cases[0]!.results.ir!);
  assert.ok(
    ir.length > 0 && ir.every((o) => !o.outcome.startsWith('accept') || /mark 0x1\b/.test(o.outcome)),
    ir.map((o) => o.outcome).join('; '),
  );
});

Observed.run();
