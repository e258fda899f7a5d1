// The engine's classes against a plain interpreter: for random packets, the class that holds the
// packet carries exactly the distribution the concrete interpreter computes for that packet.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Packet } from '../../compiler/ir/packet.ts';
import type { NetfilterProgram } from '../../verifier/model/program.ts';
import { interpret } from './concrete-interpreter.ts';
import { showDist as show } from './intended.ts';
import { EPS, iptables, nftables, VIP } from './kube-shaped.ts';
import { cellOf, partition } from './partition.ts';

const LOCAL = ['192.168.0.2'];
const interesting = [VIP, ...EPS, '10.0.0.0', '10.0.255.255', '10.1.0.0', '192.168.0.2', '127.0.0.1', '203.0.113.7'];

const packetArb: fc.Arbitrary<Packet> = fc
  .record({
    path: fc.constantFrom('arriving' as const, 'local' as const),
    src: fc.oneof(fc.constantFrom(...interesting), fc.ipV4()),
    dst: fc.oneof(fc.constantFrom(...interesting), fc.ipV4()),
    protocol: fc.constantFrom('tcp' as const, 'udp' as const, 'icmp' as const),
    dport: fc.oneof(fc.constant(80), fc.integer({ min: 0, max: 65535 })),
    iif: fc.constantFrom('eth0', 'veth1', 'lo'),
    mark: fc.constantFrom(0, 0x4000, 0x8000, 0xc000),
    ct: fc.constantFrom(
      { state: 'new' as const, dnat: false },
      { state: 'established' as const, dnat: true },
      { state: 'invalid' as const, dnat: false },
    ),
  })
  .filter((r) => (r.path === 'local') === (LOCAL.includes(r.src) || r.src.startsWith('127.')))
  .map((r) => ({
    path: r.path,
    src: r.src as never,
    dst: r.dst as never,
    protocol: r.protocol,
    sport: r.protocol === 'icmp' ? 0 : 40000,
    dport: r.protocol === 'icmp' ? 0 : r.dport,
    inInterface: r.path === 'local' ? null : r.iif,
    mark: r.mark,
    ct: r.ct,
    affinityAges: {},
  }));

function agree(name: string, program: NetfilterProgram) {
  const markMask = 0x4000;
  const world = { local: LOCAL, markMask, canonicalList: (n: string) => n };
  const part = partition(
    { backend: program.backend, program, canonicalList: (n) => n },
    { mode: 'concrete', addresses: LOCAL },
    markMask,
  );
  fc.assert(
    fc.property(packetArb, (pk) => {
      const cells = cellOf(part, pk);
      assert.is(cells.length, 1, `${name}: exactly one class holds the packet`);
      assert.equal(show(cells[0]!.dist), show(interpret(program, pk, world)), `${name}: ${JSON.stringify(pk)}`);
    }),
    { numRuns: 400, seed: 42 },
  );
}

const P = suite('engine classes agree with a plain interpreter');

P('iptables-shaped ruleset', () => agree('iptables', iptables()));
P('nft-shaped ruleset', () => agree('nftables', nftables()));
P('a mutated ruleset (the engine must agree with the interpreter on wrong rules too)', () =>
  agree('mutated', iptables({ cidr: '10.0.0.0/15', swap: true })),
);

P.run();
