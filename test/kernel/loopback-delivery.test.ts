// Two facts about loopback addresses the engine relies on, held to the kernel:
//  - lo's broadcast address 127.255.255.255 is not LOCAL (a `fib daddr type local` rule does not
//    match it) but a datagram the node sends to it is delivered through lo: input sees it;
//  - IPv6 MASQUERADE of a datagram to ::1 keeps ::1 as its source (a filter chain after the nat
//    core still matches `ip6 saddr ::1`), so the engine counts ::1 among the sources MASQUERADE
//    may leave (masqueraded-source.ts) and refuses a test of it as undecided.
import * as assert from 'uvu/assert';
import { readNftables } from '../../verifier/nftables/index.ts';
import { engineDrops, localPacket } from './engine-verdict.ts';
import { nftFile } from './load.ts';
import { kernelTests, type Netns, withNetns } from './netns.ts';

const test = kernelTests('loopback delivery and masquerade sources');

type Json = unknown;
const rule = (family: string, chain: string, ...expr: Json[]): Json => ({
  add: { rule: { family, table: 't', chain, expr } },
});
const chain = (family: string, name: string, type: string, hook: string, prio: number): Json => ({
  add: { chain: { family, table: 't', name, type, hook, prio, policy: 'accept' } },
});
const udpPort = (port: number): Json => ({
  match: { op: '==', left: { payload: { protocol: 'udp', field: 'dport' } }, right: port },
});
const counted = (ns: Netns, family: string, chainName: string): number => {
  const listed = JSON.parse(ns.exec('nft', ['-j', 'list', 'chain', family, 't', chainName]).stdout) as {
    nftables: { rule?: { expr: { counter?: { packets: number } }[] } }[];
  };
  return listed.nftables.flatMap((i) => i.rule?.expr ?? []).reduce((n, e) => n + (e.counter?.packets ?? 0), 0);
};

const SEND_BROADCAST = `
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.sendto(b'x', ('127.255.255.255', 9401))
print('sent')
`;

test("a datagram to lo's broadcast address reaches input, and fib daddr type local does not match it", async () => {
  const doc = JSON.stringify({
    nftables: [
      { add: { table: { family: 'ip', name: 't' } } },
      chain('ip', 'out', 'filter', 'output', 0),
      chain('ip', 'in', 'filter', 'input', 0),
      // counts a LOCAL destination in output: none for 127.255.255.255
      rule(
        'ip',
        'out',
        udpPort(9401),
        { match: { op: '==', left: { fib: { result: 'type', flags: ['daddr'] } }, right: 'local' } },
        { counter: null },
      ),
      rule('ip', 'in', udpPort(9401), { counter: null }, { drop: null }),
    ],
  });
  await withNetns('lo-broadcast', (ns) => {
    assert.is(ns.exec('ip', ['link', 'set', 'lo', 'up']).status, 0);
    nftFile(ns, ['-j', '-f'], doc);
    const r = ns.exec('python3', ['-c', SEND_BROADCAST], undefined, 10_000);
    assert.is(r.status, 0, r.stderr);
    assert.is(counted(ns, 'ip', 'out'), 0, 'fib daddr type local: 127.255.255.255 is not LOCAL');
    assert.is(counted(ns, 'ip', 'in'), 1, 'input saw the datagram');
  });
  // the engine: not LOCAL, delivered to input, where the drop takes it
  const program = readNftables(doc, { file: 'lo-broadcast', table: 't' }).programs[0]!;
  assert.ok(engineDrops('nftables', program, localPacket({ dst: '127.255.255.255' as never, dport: 9401 })));
});

const SEND_V6 = `
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
try:
    s.sendto(b'x', ('::1', 9402))
    print('sent')
except PermissionError:
    print('dropped')
`;

test('IPv6 MASQUERADE of a datagram to ::1 keeps ::1 as its source', async () => {
  const doc = JSON.stringify({
    nftables: [
      { add: { table: { family: 'ip6', name: 't' } } },
      chain('ip6', 'nat', 'nat', 'postrouting', 100),
      chain('ip6', 'after', 'filter', 'postrouting', 200),
      rule('ip6', 'nat', udpPort(9402), { masquerade: null }),
      rule(
        'ip6',
        'after',
        udpPort(9402),
        { match: { op: '==', left: { payload: { protocol: 'ip6', field: 'saddr' } }, right: '::1' } },
        { counter: null },
        { drop: null },
      ),
    ],
  });
  await withNetns('v6-masq', (ns) => {
    assert.is(ns.exec('ip', ['link', 'set', 'lo', 'up']).status, 0);
    nftFile(ns, ['-j', '-f'], doc);
    const r = ns.exec('python3', ['-c', SEND_V6], undefined, 10_000);
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout.trim(), 'dropped', 'the source after MASQUERADE is still ::1');
    assert.is(counted(ns, 'ip6', 'after'), 1);
  });
  // the engine does not decide which source MASQUERADE left: it refuses the test as undecided
  const read = readNftables(doc, { file: 'v6-masq', table: 't' });
  assert.equal(
    read.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
});

test.run();
