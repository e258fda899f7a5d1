// explainPacket (the library) checks its packet as the CLI checks its flags: an address of the
// other family was explained as if it were one of this family, an address that is none threw
// "internal: not a canonical IP", a missing ct threw a TypeError, and a port of 70000 was taken.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type PacketInput, packetOf } from '../../api/explain-packet.ts';
import { check, parse } from '../../api/ksvc.ts';
import { explainPacket } from '../../api/verify.ts';

const file = 'examples/everything.ksvc';
const model = { model: check(parse(readFileSync(file, 'utf8'), { file })).model!, node: 'node-a' };
const PACKET: PacketInput = {
  path: 'arriving',
  src: '203.0.113.7',
  dst: '10.32.0.30',
  protocol: 'tcp',
  sport: 40000,
  dport: 8080,
  inInterface: 'eth0',
  mark: 0,
};

test('a packet as a caller writes it (text addresses, no ct or affinity state) is explained', () => {
  const r = explainPacket({ packet: PACKET, family: 'ipv4', model });
  assert.equal(
    r.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  assert.equal(r.explanation!.packet.ct, { state: 'new', dnat: false });
  // a non-canonical spelling is the canonical address
  const six = packetOf({ ...PACKET, src: '2001:DB8:0::1', dst: 'fd00::1' }, 'ipv6');
  assert.equal('packet' in six ? [six.packet.src, six.packet.dst] : six, ['2001:db8::1', 'fd00::1']);
});

test('a packet that is not one of its family, or none, is a diagnostic: never an exception, never an answer', () => {
  const bad: [Partial<PacketInput> & Record<string, unknown>, RegExp][] = [
    [{ src: '2001:db8::1' }, /src 2001:db8::1 is not an ipv4 address/],
    [{ dst: 'nope' }, /dst 'nope' is not an IP address/],
    [{ dport: 70000 }, /numbers from 0 to 65535/],
    [{ sport: 1.5 }, /numbers from 0 to 65535/],
    [{ protocol: 'gre' as PacketInput['protocol'] }, /protocol is one of/],
    [{ protocol: 'icmp' }, /icmp has no ports/],
    [{ path: 'sideways' as PacketInput['path'] }, /path is 'arriving' or 'local'/],
    [{ path: 'local' }, /a local packet arrives on no interface/],
    ...['', 'a'.repeat(16), 'a/b', 'eth0:1'].map((name): [Partial<PacketInput>, RegExp] => [
      { inInterface: name },
      /names its inInterface: 1 to 15 bytes/,
    ]),
    [{ mark: -1 }, /mark is a number/],
    [{ ct: { state: 'weird' as 'new', dnat: false } }, /ct\.state is one of/],
    [{ ct: { state: 'new', dnat: true } }, /ct\.state is one of/],
    [{ affinityAges: { x: -3 } }, /affinity ages are whole seconds/],
  ];
  for (const [change, message] of bad) {
    const r = explainPacket({ packet: { ...PACKET, ...change } as PacketInput, family: 'ipv4', model });
    assert.is(r.explanation, null, JSON.stringify(change));
    assert.equal(
      r.diagnostics.map((d) => d.code),
      ['explain-invalid-packet'],
    );
    assert.match(r.diagnostics[0]!.message, message, JSON.stringify(change));
  }
});

test.run();
