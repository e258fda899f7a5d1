// How the kernel compares a mark with a mask: (mark & mask) == value, the value as given. A value
// with a bit outside the mask (iptables `--mark 0x40004000/0x4000`, nft `meta mark & 0x4000 ==
// 0x40004000`) never matches. The verifier's engine once masked the value too, and proved an edited
// ruleset equivalent that the kernel runs differently. Here packets of mark 0x4000 are counted by
// such rules in a namespace, and the reader + engine (explain) must say the same of each rule.
import * as assert from 'uvu/assert';
import { readIptables } from '../../verifier/iptables/index.ts';
import { engineDrops, localPacket } from './engine-verdict.ts';
import { nftFile } from './load.ts';
import { kernelTests, type Netns, withNetns } from './netns.ts';

const test = kernelTests('mark tests with a value outside the mask');

const MARKS = ['0x4000/0x4000', '0x40004000/0x4000', '0x0/0x4000', '0x4001/0x4000', '0x4001/0x4001'];

/** One UDP datagram from inside the namespace to 127.0.0.1. */
function sendOne(ns: Netns): void {
  const js = "const s=require('dgram').createSocket('udp4');s.send('x',9999,'127.0.0.1',()=>s.close())";
  const r = ns.exec(process.execPath, ['-e', js]);
  assert.is(r.status, 0, r.stderr);
}

/** The engine's verdict on a locally sent packet of mark 0x4000, for the OUTPUT rule testing `m`. */
function engineMatches(m: string): boolean {
  const text = `*filter\n:OUTPUT ACCEPT [0:0]\n:KUBE-FIREWALL - [0:0]\n-A OUTPUT -j KUBE-FIREWALL\n-A KUBE-FIREWALL -m mark --mark ${m} -j DROP\nCOMMIT\n`;
  const read = readIptables(text, { file: 'mark', family: 'ipv4' });
  assert.equal(
    read.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  return engineDrops('iptables', read.program!, localPacket({ mark: 0x4000 }));
}

test('iptables: the rule counts a packet of mark 0x4000 exactly when the engine says it matches', async () => {
  await withNetns('mark-ipt', (ns) => {
    ns.exec('iptables', ['-t', 'mangle', '-A', 'OUTPUT', '-j', 'MARK', '--set-mark', '0x4000']);
    for (const m of MARKS) ns.exec('iptables', ['-A', 'OUTPUT', '-m', 'mark', '--mark', m]);
    sendOne(ns);
    const listed = ns.exec('iptables', ['-L', 'OUTPUT', '-v', '-n', '-x']).stdout.split('\n').slice(2);
    MARKS.forEach((m, i) => {
      const packets = Number(listed[i]!.trim().split(/\s+/)[0]);
      assert.is(packets > 0, engineMatches(m), `--mark ${m}: kernel counted ${packets}`);
    });
  });
});

test('nft: meta mark & 0x4000 == 0x40004000 counts nothing, == 0x4000 counts the packet', async () => {
  await withNetns('mark-nft', (ns) => {
    nftFile(
      ns,
      ['-f'],
      `table ip t {
  chain out { type filter hook output priority 0; meta mark set 0x4000
    meta mark & 0x4000 == 0x4000 counter
    meta mark & 0x4000 == 0x40004000 counter
  }
}
`,
    );
    sendOne(ns);
    const counters = [...ns.exec('nft', ['list', 'chain', 'ip', 't', 'out']).stdout.matchAll(/packets (\d+)/g)].map(
      (x) => Number(x[1]),
    );
    assert.equal(
      counters.map((n) => n > 0),
      [true, false],
    );
  });
});

test.run();
