// What the verifier's engine makes of a locally sent packet, for the kernel tests that hold one
// rule form at a time to the kernel's counters (mark-forms, ct-forms).
import type { Packet } from '../../compiler/ir/packet.ts';
import { explain } from '../../verifier/explain.ts';
import type { Backend, NetfilterProgram } from '../../verifier/model/program.ts';

/** A packet the namespace sends itself (127.0.0.1 to 127.0.0.1), new and unmarked unless given. */
export const localPacket = (fields: Partial<Packet>): Packet => ({
  path: 'local',
  src: '127.0.0.1' as never,
  dst: '127.0.0.1' as never,
  protocol: 'udp',
  sport: 40000,
  dport: 9999,
  inInterface: null,
  mark: 0,
  ct: { state: 'new', dnat: false },
  affinityAges: {},
  ...fields,
});

/** Whether the engine says the program drops the packet on every way it can go. */
export function engineDrops(backend: Backend, program: NetfilterProgram, packet: Packet): boolean {
  const results = explain({
    family: 'ipv4',
    ir: null,
    artifacts: [{ backend, program, canonicalList: (l) => l }],
    packet,
    locality: { mode: 'concrete', addresses: ['127.0.0.1'] },
  }).results[backend]!;
  return results.every((r) => r.outcome.startsWith('drop'));
}
