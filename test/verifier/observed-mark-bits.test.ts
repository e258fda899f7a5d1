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

/** One edit of one artifact: a line (or JSON fragment) replaced, every occurrence. */
interface MarkEdit {
  what: string;
  artifact: 'iptables' | 'nftables';
  from: string;
  to: string;
  differs: boolean;
}

const OR_4000 = '{"|":[{"meta":{"key":"mark"}},16384]}';
const EDITS: MarkEdit[] = [
  // a write of the whole mark clears every other bit: one representative bit stands for them
  {
    what: '--set-mark instead of --or-mark',
    artifact: 'iptables',
    from: '-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000',
    to: '-A KUBE-MARK-MASQ -j MARK --set-mark 0x00004000',
    differs: true,
  },
  {
    what: '--and-mark 0 instead of --xor-mark (clears the whole mark)',
    artifact: 'iptables',
    from: '-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000',
    to: '-A KUBE-POSTROUTING -j MARK --and-mark 0x0',
    differs: true,
  },
  {
    what: 'meta mark set 0x4000 instead of meta mark | 0x4000',
    artifact: 'nftables',
    from: OR_4000,
    to: '16384',
    differs: true,
  },
  {
    what: 'meta mark | 0x4001',
    artifact: 'nftables',
    from: OR_4000,
    to: '{"|":[{"meta":{"key":"mark"}},16385]}',
    differs: true,
  },
  // another bit flipped twice, or only tested: nothing changes
  {
    what: 'bit 0 flipped twice',
    artifact: 'iptables',
    from: '-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000',
    to: '-A KUBE-MARK-MASQ -j MARK --xor-mark 0x00000001\n-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000\n-A KUBE-MARK-MASQ -j MARK --xor-mark 0x00000001',
    differs: false,
  },
  {
    what: 'a test of bit 0 that changes nothing',
    artifact: 'iptables',
    from: '-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000',
    to: '-A KUBE-MARK-MASQ -m mark --mark 0x1/0x1 -j MARK --or-mark 0x00004000\n-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000',
    differs: false,
  },
];

for (const e of EDITS) {
  Observed(`${e.what}: ${e.differs ? 'a difference' : 'equivalent'}, with the model and without`, () => {
    const base = e.artifact === 'iptables' ? a.iptables : a.nftables;
    const edited = base.split(e.from).join(e.to);
    assert.is.not(edited, base, 'the edit applies');
    const inputs = {
      iptables: ipt(e.artifact === 'iptables' ? edited : a.iptables),
      nftables: { text: e.artifact === 'nftables' ? edited : a.nftables, file: 'nftables' },
      family: 'ipv4' as const,
    };
    for (const withModel of [true, false]) {
      const r = verifyArtifacts(withModel ? { ...inputs, model } : inputs).runs[0]!.report!;
      assert.is(r.equivalent, !e.differs, `${withModel ? 'with' : 'without'} the model`);
      // a witness's outcomes differ in their marks only, and the witness carries the bit that shows it
      for (const cx of r.counterexamples.slice(0, 2)) {
        const [left, right] = Object.values(cx.distributions).map((d) => d!.map((l) => l.outcome).join('; '));
        assert.is.not(left, right);
        const unmarked = (t: string) => t.replace(/ mark 0x[0-9a-f]+/g, '');
        assert.is(unmarked(left!), unmarked(right!), 'only the marks differ');
        assert.ok(
          ((cx.witness.mark ?? 0) & 1) === 1 || /mark 0x1\b/.test(`${left} ${right}`),
          JSON.stringify(cx.witness),
        );
      }
    }
  });
}

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
  // the packet's bit 0 is said to be left out where no rule touches it, and only there
  assert.ok(
    before.notes.some((n) => n.startsWith('the mark bits 0x1 of the packet are not shown')),
    before.notes.join('; '),
  );
  assert.not.ok(
    after.notes.some((n) => n.includes('are not shown')),
    after.notes.join('; '),
  );
  // with bit 0 observed, the IR keeps the packet's bit 0 on an accepted packet
  const ir = Object.values(after.cases[0]!.results.ir!);
  assert.ok(
    ir.length > 0 && ir.every((o) => !o.outcome.startsWith('accept') || /mark 0x1\b/.test(o.outcome)),
    ir.map((o) => o.outcome).join('; '),
  );
});

Observed.run();
