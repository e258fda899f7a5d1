// Random artifact edits through the kernel's tools (edit-dumps.ts), a fixed sample: nft edits
// whose range holds three the reader once read though nft refuses them (a DNAT that sets a port
// with no protocol test left before it: seeds 172, 195, 196), and IPv6 iptables edits. Campaigns:
// scripts/fuzz-edit-dumps.ts.
import * as assert from 'uvu/assert';
import type { EditedFamily } from '../verifier/random-edits.ts';
import { checkEditDump, type DumpedArtifact } from './edit-dumps.ts';
import { kernelTests } from './netns.ts';

const test = kernelTests('random edits, loaded and dumped back');

const SAMPLES: { artifact: DumpedArtifact; family: EditedFamily; from: number; count: number; refusals: number }[] = [
  { artifact: 'nftables', family: 'first', from: 172, count: 26, refusals: 3 },
  { artifact: 'iptables', family: 'ipv6', from: 0, count: 16, refusals: 0 },
];

for (const s of SAMPLES) {
  test(`${s.artifact} (${s.family}), seeds ${s.from}..${s.from + s.count - 1}`, async () => {
    let refused = 0;
    let compared = 0;
    for (let seed = s.from; seed < s.from + s.count; seed++) {
      const r = await checkEditDump(seed, s.artifact, s.family);
      assert.equal(r.problems, [], `seed ${seed}: ${r.what}`);
      if (r.outcome === 'refused') refused++;
      if (r.outcome === 'compared') compared++;
    }
    // what the sample exercised: texts the tools refused, and dumps compared
    assert.ok(refused >= s.refusals, `refused ${refused}`);
    assert.ok(compared >= s.count / 2, `compared ${compared}`);
  });
}

test('nftables: a mark test that never matches, which nft lists as a prefix with low bits (seed 2007789)', async () => {
  // `meta mark & 0x80000000 == 1` lists as `meta mark 0x00000001/1`: the dump must read as the text
  const r = await checkEditDump(2_007_789, 'nftables');
  assert.match(r.what ?? '', /2147483648\]\},"right":1\}/);
  assert.is(r.outcome, 'compared');
  assert.equal(r.problems, []);
});

test('iptables, IPv6: rules iptables-restore refuses in chains no hook reaches (seeds 2011116, 2011263, 2012276)', async () => {
  // `-m udp --dport` or a DNAT port without its -p, in a KUBE-NODEPORTS or KUBE-SEP- chain the
  // model's hooks do not reach: the reader must refuse the text as ip6tables-restore does
  for (const seed of [2_011_116, 2_011_263, 2_012_276]) {
    const r = await checkEditDump(seed, 'iptables', 'ipv6');
    assert.is(r.outcome, 'refused', `seed ${seed}: ${r.what}`);
    assert.equal(r.problems, [], `seed ${seed}: ${r.what}`);
  }
});

test.run();
