// Conntrack states beyond NEW, held to the kernel. The packet tests probe new connections only;
// here one packet of each state goes out of a namespace through counting rules of every state test
// form (`-m conntrack [!] --ctstate LIST`, `-m state --state`), and the reader + engine (explain)
// must say of each rule exactly what the kernel counted; the same for nft's `ct state` and
// `ct status` forms (without a conntrack entry, invalid or untracked, a ct status test stops the
// rule, negated or not — the reader's note, which the counts confirm):
//   new          the first UDP datagram to a port
//   established  a second datagram after the server's reply came back
//   related      the ICMP port unreachable the kernel sends for a datagram to a closed port
//   invalid      a bare TCP ACK with nf_conntrack_tcp_loose=0 (no connection to pick up)
//   untracked    a datagram the raw table marks `CT --notrack`
//   DNATed       a datagram nat OUTPUT DNATs (new), and the next one of that connection
//                (established, translated by conntrack) — for `--ctstate DNAT`, kube-proxy's
//                `! --ctstate RELATED,ESTABLISHED,DNAT` and nft's `ct status dnat`; the engine's
//                rulesets carry the same DNAT rule, as the namespace does
import * as assert from 'uvu/assert';
import type { CtState, L4Protocol } from '../../compiler/ir/packet.ts';
import { readIptables } from '../../verifier/iptables/index.ts';
import type { Backend, NetfilterProgram } from '../../verifier/model/program.ts';
import { readNftables } from '../../verifier/nftables/index.ts';
import { engineDrops, localPacket } from './engine-verdict.ts';
import { nftFile } from './load.ts';
import { kernelTests, type Netns, withNetns } from './netns.ts';

const test = kernelTests('conntrack states held to the kernel');

type Json = unknown;

/** A probe packet as it enters the hooks: its state, whether its connection is already DNATed. */
interface Sent {
  state: CtState;
  dnat: boolean;
  dport: number;
}
const one = (state: CtState, dport: number, dnat = false): Sent => ({ state, dnat, dport });

/** The probes: what the counting rules match on, and the packets sent (in order). */
const PROBES: { match: string; protocol: L4Protocol; packets: Sent[] }[] = [
  { match: '-p udp -m udp --dport 9101', protocol: 'udp', packets: [one('new', 9101)] },
  { match: '-p udp -m udp --dport 9102', protocol: 'udp', packets: [one('new', 9102), one('established', 9102)] },
  { match: '-p icmp', protocol: 'icmp', packets: [one('related', 0)] },
  { match: '-p tcp -m tcp --dport 9103', protocol: 'tcp', packets: [one('invalid', 9103)] },
  { match: '-p udp -m udp --dport 9104', protocol: 'udp', packets: [one('untracked', 9104)] },
  // to 9105: nat OUTPUT DNATs the first packet to 9106 (before the filter rules), conntrack the second
  {
    match: '-p udp -m udp --dport 9106',
    protocol: 'udp',
    packets: [one('new', 9105), one('established', 9106, true)],
  },
];
type Probe = (typeof PROBES)[number];

/** The probe's protocol and port as nft JSON matches. */
const nftMatch = (p: Probe): Json[] =>
  p.protocol === 'icmp'
    ? [{ match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 'icmp' } }]
    : [{ match: { op: '==', left: { payload: { protocol: p.protocol, field: 'dport' } }, right: portOf(p) } }];

/** The port the counting rules see (after DNAT). */
const portOf = (p: Probe): number => Number(p.match.split(' ').at(-1));

const ctMatch = (key: string, op: string, right: Json, mask?: string): Json => ({
  match: { op, left: mask ? { '&': [{ ct: { key } }, mask] } : { ct: { key } }, right },
});

/** nft's state and status tests (ct status without a conntrack entry stops the rule, negated or not). */
const NFT_FORMS: [string, Json][] = [
  ['ct state new', ctMatch('state', '==', 'new')],
  ['ct state established,related', ctMatch('state', 'in', ['established', 'related'])],
  ['ct state != new', ctMatch('state', '!=', 'new')],
  ['ct state invalid', ctMatch('state', '==', 'invalid')],
  ['ct state untracked', ctMatch('state', '==', 'untracked')],
  ['ct state { new, untracked }', ctMatch('state', '==', { set: ['new', 'untracked'] })],
  ['ct status dnat', ctMatch('status', 'in', 'dnat')],
  ['ct status & dnat == 0', ctMatch('status', '==', 0, 'dnat')],
  ['ct status & dnat != 0', ctMatch('status', '!=', 0, 'dnat')],
];

/** A document of one output chain in table ip t with these rules. */
const nftDoc = (rules: Json[][], table = 't'): Json => ({
  nftables: [
    { add: { table: { family: 'ip', name: table } } },
    {
      add: {
        chain: { family: 'ip', table, name: 'out', type: 'filter', hook: 'output', prio: 0, policy: 'accept' },
      },
    },
    ...rules.map((expr) => ({ add: { rule: { family: 'ip', table, chain: 'out', expr } } })),
  ],
});

/** The namespace's DNAT of udp 9105 to 127.0.0.1:9106, in nat output of `table`. */
const nftDnat = (table: string): Json[] => [
  { add: { chain: { family: 'ip', table, name: 'nat', type: 'nat', hook: 'output', prio: -100, policy: 'accept' } } },
  {
    add: {
      rule: {
        family: 'ip',
        table,
        chain: 'nat',
        expr: [
          { match: { op: '==', left: { payload: { protocol: 'udp', field: 'dport' } }, right: 9105 } },
          { dnat: { addr: '127.0.0.1', port: 9106 } },
        ],
      },
    },
  },
];

const FORMS = [
  '-m conntrack --ctstate NEW',
  '-m conntrack --ctstate ESTABLISHED',
  '-m conntrack --ctstate RELATED',
  '-m conntrack --ctstate INVALID',
  '-m conntrack --ctstate UNTRACKED',
  '-m conntrack --ctstate NEW,ESTABLISHED',
  '-m conntrack --ctstate RELATED,ESTABLISHED',
  '-m conntrack ! --ctstate NEW',
  '-m conntrack ! --ctstate INVALID,UNTRACKED',
  '-m state --state NEW',
  '-m state --state INVALID',
  '-m state ! --state ESTABLISHED',
  // DNAT as a state: the connection's destination was translated, whatever its state
  '-m conntrack --ctstate DNAT',
  '-m conntrack --ctstate NEW,DNAT',
  // kube-proxy's localnet rule (KUBE-FIREWALL)
  '-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT',
];

// One python process sends every probe in order (a raw socket for the ACK).
const SENDER = String.raw`
import socket, struct, time
lo = '127.0.0.1'
def udp():
    return socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
# new (and, from the closed port, the related ICMP error)
c = udp(); c.sendto(b'n', (lo, 9101)); time.sleep(0.2); c.close()
# new, then established once the reply is back
s = udp(); s.bind((lo, 9102)); c = udp(); c.settimeout(5)
c.sendto(b'a', (lo, 9102)); data, peer = s.recvfrom(16); s.sendto(b'r', peer); c.recvfrom(16)
c.sendto(b'b', (lo, 9102)); s.recvfrom(16); c.close(); s.close()
# invalid: a bare ACK, no connection (tcp_loose is 0)
def csum(b):
    if len(b) % 2: b += b'\0'
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b)); t = (t >> 16) + (t & 0xffff); t += t >> 16
    return ~t & 0xffff
hdr = struct.pack('!HHIIBBHHH', 40000, 9103, 1, 1, 5 << 4, 0x10, 1024, 0, 0)
pseudo = socket.inet_aton(lo) * 2 + struct.pack('!BBH', 0, socket.IPPROTO_TCP, len(hdr))
hdr = hdr[:16] + struct.pack('!H', csum(pseudo + hdr)) + hdr[18:]
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP); r.sendto(hdr, (lo, 0)); r.close()
# new and established, DNATed from 9105 to 9106
s = udp(); s.bind((lo, 9106)); c = udp(); c.settimeout(5)
c.sendto(b'a', (lo, 9105)); data, peer = s.recvfrom(16); s.sendto(b'r', peer); c.recvfrom(16)
c.sendto(b'b', (lo, 9105)); s.recvfrom(16); c.close(); s.close()
# untracked (a bound socket, so no ICMP error comes back)
s = udp(); s.bind((lo, 9104)); c = udp(); c.sendto(b'u', (lo, 9104)); s.recvfrom(16); c.close(); s.close()
`;

const DNAT_9105 = '-p udp -m udp --dport 9105 -j DNAT --to-destination 127.0.0.1:9106';

function sendProbes(ns: Netns): void {
  const r = ns.exec('python3', ['-c', SENDER], undefined, 30_000);
  assert.is(r.status, 0, r.stderr);
}

/** The iptables program of one rule `match form -j DROP` in OUTPUT, after the namespace's DNAT. */
function iptablesRule(match: string, form: string): NetfilterProgram {
  const nat = `*nat\n:OUTPUT ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n-A OUTPUT -j KUBE-SERVICES\n-A KUBE-SERVICES ${DNAT_9105}\nCOMMIT\n`;
  const text = `${nat}*filter\n:OUTPUT ACCEPT [0:0]\n:KUBE-FIREWALL - [0:0]\n-A OUTPUT -j KUBE-FIREWALL\n-A KUBE-FIREWALL ${match} ${form} -j DROP\nCOMMIT\n`;
  const read = readIptables(text, { file: 'ct', family: 'ipv4' });
  assert.equal(
    read.diagnostics.filter((d) => d.severity === 'error'),
    [],
    `${match} ${form}`,
  );
  return read.program!;
}

/** How many of a probe's packets the engine says the program drops. */
function engineCount(backend: Backend, program: NetfilterProgram, probe: Probe): number {
  const ports = probe.protocol !== 'icmp';
  return probe.packets.filter((sent) =>
    engineDrops(
      backend,
      program,
      localPacket({
        protocol: probe.protocol,
        sport: ports ? 40000 : 0,
        dport: sent.dport,
        ct: { state: sent.state, dnat: sent.dnat },
      }),
    ),
  ).length;
}

test('iptables: every state test form counts the probes of a state exactly when the engine says it matches', async () => {
  await withNetns('ct-forms', (ns) => {
    const sysctl = ns.exec('sysctl', ['-qw', 'net.netfilter.nf_conntrack_tcp_loose=0']);
    const raw = ns.exec('iptables', [
      '-t',
      'raw',
      '-A',
      'OUTPUT',
      '-p',
      'udp',
      '--dport',
      '9104',
      '-j',
      'CT',
      '--notrack',
    ]);
    assert.is(raw.status, 0, raw.stderr);
    const dnat = ns.exec('iptables', ['-t', 'nat', '-A', 'OUTPUT', ...DNAT_9105.split(' ')]);
    assert.is(dnat.status, 0, dnat.stderr);
    const rules = PROBES.flatMap((probe) => FORMS.map((form) => ({ probe, form })));
    for (const { probe, form } of rules) {
      const r = ns.exec('iptables', ['-A', 'OUTPUT', ...`${probe.match} ${form}`.split(' ')]);
      assert.is(r.status, 0, `${probe.match} ${form}: ${r.stderr}`);
    }
    assert.is(sysctl.status, 0, sysctl.stderr); // after the first rule loaded nf_conntrack
    sendProbes(ns);
    const listed = ns.exec('iptables', ['-L', 'OUTPUT', '-v', '-n', '-x']).stdout.split('\n').slice(2);
    const wrong: string[] = [];
    rules.forEach(({ probe, form }, i) => {
      const kernel = Number(listed[i]!.trim().split(/\s+/)[0]);
      const engine = engineCount('iptables', iptablesRule(probe.match, form), probe);
      if (kernel !== engine) wrong.push(`${probe.match} ${form}: kernel ${kernel}, engine ${engine}`);
    });
    assert.equal(wrong, []);
  });
});

test('nft: every ct state and ct status form counts the probes exactly when the engine says it matches', async () => {
  await withNetns('ct-forms-nft', (ns) => {
    const cases = PROBES.flatMap((probe) => NFT_FORMS.map(([name, form]) => ({ probe, name, form })));
    const doc = nftDoc(cases.map(({ probe, form }) => [...nftMatch(probe), form, { counter: null }]));
    // the untracked probe: notrack in a raw-priority chain, as the iptables test's raw table does;
    // the DNATed probe: dnat in nat output
    const notrack = {
      nftables: [
        { add: { table: { family: 'ip', name: 'r' } } },
        {
          add: {
            chain: {
              family: 'ip',
              table: 'r',
              name: 'raw',
              type: 'filter',
              hook: 'output',
              prio: -300,
              policy: 'accept',
            },
          },
        },
        {
          add: { rule: { family: 'ip', table: 'r', chain: 'raw', expr: [...nftMatch(PROBES[4]!), { notrack: null }] } },
        },
        ...nftDnat('r'),
      ],
    };
    for (const d of [notrack, doc]) nftFile(ns, ['-j', '-f'], JSON.stringify(d));
    assert.is(ns.exec('sysctl', ['-qw', 'net.netfilter.nf_conntrack_tcp_loose=0']).status, 0);
    sendProbes(ns);
    const listed = JSON.parse(ns.exec('nft', ['-j', 'list', 'chain', 'ip', 't', 'out']).stdout) as {
      nftables: { rule?: { expr: { counter?: { packets: number } }[] } }[];
    };
    const counts = listed.nftables.flatMap((i) =>
      i.rule ? [i.rule.expr.find((e) => e.counter)!.counter!.packets] : [],
    );
    assert.is(counts.length, cases.length);
    const wrong: string[] = [];
    cases.forEach(({ probe, name, form }, i) => {
      const engineDoc = nftDoc([[...nftMatch(probe), form, { drop: null }]]) as { nftables: Json[] };
      engineDoc.nftables.push(...nftDnat('t'));
      const read = readNftables(engineDoc, { file: 'ct', table: 't' });
      assert.equal(
        read.diagnostics.filter((d) => d.severity === 'error'),
        [],
        name,
      );
      const engine = engineCount('nftables', read.programs[0]!, probe);
      if (counts[i] !== engine) wrong.push(`${probe.match} / ${name}: kernel ${counts[i]}, engine ${engine}`);
    });
    assert.equal(wrong, []);
  });
});

test.run();
