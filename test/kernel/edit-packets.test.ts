// Random artifact edits probed in the kernel (edit-packets.ts), a fixed sample: what the kernel does
// to every probe of an edited ruleset must be what the reading of the edited text says. What the
// seeds exercise: iptables edits that make an affinity check RETURN (98, 126), jumps made gotos
// (11, 12), a mark value bit outside its mask, which never matches (410), a localhost NodePort that
// returns instead of DNATing, so MASQUERADE gives the packet a node address as its source and the
// localnet rule drops it in INPUT (519), a record one frontend's probe writes that leads another
// frontend's probe from the same source elsewhere (549); nft edits of affinity rules, whose later
// probes find the records the first wrote (151, 163), and others; with two edits, filter-input made
// to reject every packet, which rejects the ICMP error of a reject too, so a probe from the node
// sees a timeout (71000003). Campaigns:
// scripts/fuzz-edit-packets.ts.
import * as assert from 'uvu/assert';
import { checkEditPackets, type ProbedArtifact } from './edit-packets.ts';
import { kernelTests } from './netns.ts';

const test = kernelTests('random edits, probed');

const SAMPLES: Record<ProbedArtifact, number[]> = {
  iptables: [98, 126, 11, 12, 410, 519, 549],
  nftables: [151, 163, 174, 185, 206, 226],
};

for (const [artifact, seeds] of Object.entries(SAMPLES) as [ProbedArtifact, number[]][]) {
  test(`${artifact}: seeds ${seeds.join(', ')}`, async () => {
    let probes = 0;
    for (const seed of seeds) {
      const r = await checkEditPackets(seed, artifact);
      assert.equal(r.problems, [], `seed ${seed}: ${r.what}\n${r.report}`);
      probes += r.probes;
    }
    // what the sample exercised: every seed's edit was readable and probed
    assert.ok(probes >= 100 * seeds.length, `${probes} probes`);
  });
}

test('nftables, two edits: a reject whose own error the edited input chain stops (seed 71000003)', async () => {
  const r = await checkEditPackets(71_000_003, 'nftables', 'first', 2);
  assert.match(r.what ?? '', /reject-chain/);
  assert.equal(r.problems, [], r.report);
  assert.ok(r.probes >= 100, `${r.probes} probes`);
});

test('nftables: a reject of a packet to loopback, whose error comes from that loopback address (seed 2003041)', async () => {
  // the edit drops every packet to 127.0.0.0/8 from another source in localnet-check; the ICMP error
  // rejecting a localhost NodePort probe is sent from the probe's own destination (icmp_send takes
  // the destination of a packet routed locally), so it passes and the sender sees the reject
  const r = await checkEditPackets(2_003_041, 'nftables');
  assert.match(r.what ?? '', /localnet-check/);
  assert.equal(r.problems, [], r.report);
  assert.ok(r.probes >= 100, `${r.probes} probes`);
});

test.run();
