// The order in which the kernel calls base chains at one hook, held to the kernel: at one priority
// the chain registered later runs first, and nat chains run within the nat core's own hook (-100 on
// output) whatever their priority, and the nat core binds a connection at every nat hook once any
// nat chain exists. The engine orders them so (verifier/engine/compile.ts, netfilter-eval.ts);
// here a namespace sends one UDP datagram through each arrangement and the engine must say of it
// what the kernel did.
import * as assert from 'uvu/assert';
import { readNftables } from '../../verifier/nftables/index.ts';
import { engineDrops, localPacket } from './engine-verdict.ts';
import { nftFile } from './load.ts';
import { kernelTests, withNetns } from './netns.ts';

const test = kernelTests('the order of base chains at one hook');

type Json = unknown;
const T = { family: 'ip', table: 't' };
const chain = (name: string, type: 'filter' | 'nat', hook: string, prio: number): Json => ({
  add: { chain: { ...T, name, type, hook, prio, policy: 'accept' } },
});
const rule = (name: string, ...expr: Json[]): Json => ({ add: { rule: { ...T, chain: name, expr } } });
const udpPort = (port: number): Json => ({
  match: { op: '==', left: { payload: { protocol: 'udp', field: 'dport' } }, right: port },
});
const markOr16: Json = { mangle: { key: { meta: { key: 'mark' } }, value: { '|': [{ meta: { key: 'mark' } }, 16] } } };
const marked16: Json = { match: { op: '==', left: { '&': [{ meta: { key: 'mark' } }, 16] }, right: 16 } };

/**
 * Each case: a document, the datagram's port, whether the kernel must drop it, and what the
 * sender sees: 'dropped' (an output chain dropped it), 'received' (on its port), 'sent' (neither:
 * DNATed elsewhere, or dropped on its way back through lo).
 */
const CASES: { name: string; doc: Json[]; port: number; dropped: boolean; seen: 'dropped' | 'received' | 'sent' }[] = [
  {
    // x1 marks, x2 drops marked packets: declared x1 then x2 at one priority, x2 runs first
    name: 'two filter chains at output 0: the later declared runs first',
    doc: [
      chain('x1', 'filter', 'output', 0),
      chain('x2', 'filter', 'output', 0),
      rule('x1', udpPort(9201), markOr16),
      rule('x2', udpPort(9201), marked16, { drop: null }),
    ],
    port: 9201,
    dropped: false,
    seen: 'received',
  },
  {
    name: 'the same chains declared x2 then x1: x1 marks first, x2 drops',
    doc: [
      chain('x2', 'filter', 'output', 0),
      chain('x1', 'filter', 'output', 0),
      rule('x1', udpPort(9201), markOr16),
      rule('x2', udpPort(9201), marked16, { drop: null }),
    ],
    port: 9201,
    dropped: true,
    seen: 'dropped',
  },
  {
    // nat output at priority 10 still DNATs at -100: the filter chain at 0 sees the new port
    name: 'a nat output chain at priority 10 DNATs before a filter chain at 0',
    doc: [
      chain('nat-out', 'nat', 'output', 10),
      chain('filter-out', 'filter', 'output', 0),
      rule('nat-out', udpPort(9202), { dnat: { addr: '127.0.0.1', port: 9203 } }),
      rule('filter-out', udpPort(9203), { drop: null }),
    ],
    port: 9202,
    dropped: true,
    seen: 'dropped',
  },
  {
    // and a filter chain before -100 sees the packet before any DNAT
    name: 'a filter chain at -150 runs before the nat core',
    doc: [
      chain('nat-out', 'nat', 'output', 10),
      chain('filter-out', 'filter', 'output', -150),
      rule('nat-out', udpPort(9202), { dnat: { addr: '127.0.0.1', port: 9203 } }),
      rule('filter-out', udpPort(9203), { drop: null }),
    ],
    port: 9202,
    dropped: false,
    seen: 'sent',
  },
  // The nat core hooks all four nat points once any nat chain exists, and binds each side of a new
  // connection at its first nat hook, chains or not: a node's datagram to itself is bound at
  // output and postrouting, so on its way back through lo no prerouting or input nat chain runs.
  {
    name: 'only a nat prerouting chain: a datagram to the node itself never meets it',
    doc: [chain('nat-pre', 'nat', 'prerouting', -100), rule('nat-pre', udpPort(9204), { drop: null })],
    port: 9204,
    dropped: false,
    seen: 'received',
  },
  {
    name: 'only a nat input chain: a datagram to the node itself never meets it',
    doc: [chain('nat-in', 'nat', 'input', 100), rule('nat-in', udpPort(9204), { drop: null })],
    port: 9204,
    dropped: false,
    seen: 'received',
  },
  {
    // control: the same drop in a filter chain at prerouting runs on the way back through lo
    name: 'a filter prerouting chain beside them does meet it',
    doc: [
      chain('nat-pre', 'nat', 'prerouting', -100),
      chain('filter-pre', 'filter', 'prerouting', 0),
      rule('filter-pre', udpPort(9204), { drop: null }),
    ],
    port: 9204,
    dropped: true,
    seen: 'sent',
  },
];

// sendto on a datagram an output chain drops fails with EPERM; one dropped after it (on its way
// back through lo) never reaches the socket bound to its port
const SEND = (port: number) => `
import socket
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.bind(('127.0.0.1', ${port}))
r.settimeout(1.0)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.sendto(b'x', ('127.0.0.1', ${port}))
    try:
        r.recv(16)
        print('received')
    except socket.timeout:
        print('sent')
except PermissionError:
    print('dropped')
`;

for (const c of CASES) {
  test(c.name, async () => {
    const doc = JSON.stringify({ nftables: [{ add: { table: { family: 'ip', name: 't' } } }, ...c.doc] });
    const read = readNftables(doc, { file: c.name, table: 't' });
    assert.equal(
      read.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    const engine = engineDrops('nftables', read.programs[0]!, localPacket({ protocol: 'udp', dport: c.port }));
    assert.is(engine, c.dropped, 'the engine');
    await withNetns('hook-order', (ns) => {
      assert.is(ns.exec('ip', ['link', 'set', 'lo', 'up']).status, 0);
      nftFile(ns, ['-j', '-f'], doc);
      const r = ns.exec('python3', ['-c', SEND(c.port)], undefined, 10_000);
      assert.is(r.status, 0, r.stderr);
      assert.is(r.stdout.trim(), c.seen, 'the kernel');
    });
  });
}

test.run();
