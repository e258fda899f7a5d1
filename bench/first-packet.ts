// First-packet cost: what netfilter spends on the first packet of a new connection to one service,
// measured on the node's own output path (nat OUTPUT dispatch and DNAT, filter OUTPUT, nat
// POSTROUTING masquerade) in a namespace holding one loaded ruleset.
//
// Method: a raw socket sends prebuilt TCP SYNs (distinct source ports, so each is a new conntrack
// entry) to the service's cluster IP; the DNATed packets leave through a veth whose peer drops
// them (no answer). Each SYN's netfilter work runs inside its sendto() call, so the sender's CPU
// time (user + system) per packet is the cost, plus a constant (the syscall, routing, conntrack
// allocation, the veth transmit) that is the same for every target. Batches are bounded (`packets` each, `batches`
// of them) and the conntrack table is flushed between batches; the figure is the median batch.
// Comparing the first and the last service in dispatch order (iptables' KUBE-SERVICES order) shows
// how dispatch grows with a service's position; a destination no service has ("miss") is
// iptables' worst case (every KUBE-SERVICES rule is tested).
import type { IRProgram } from '../compiler/ir/types.ts';
import type { Netns } from '../test/kernel/netns.ts';

export interface Target {
  label: 'first' | 'last' | 'miss';
  ip: string;
  port: number;
}

/**
 * The first and the last service port in dispatch order whose cluster IP balances over endpoints
 * without affinity (TCP, IPv4), and an address no service uses.
 */
export function firstPacketTargets(ir: IRProgram): Target[] {
  const plain = ir.servicePorts.filter(
    (sp) => sp.protocol === 'tcp' && sp.internal.kind === 'balance' && sp.affinity === null,
  );
  const first = plain[0];
  const last = plain[plain.length - 1];
  if (first === undefined || last === undefined) throw new Error('first-packet: no plain TCP service port');
  return [
    { label: 'first', ip: first.clusterIP, port: first.port },
    { label: 'last', ip: last.clusterIP, port: last.port },
    { label: 'miss', ip: '192.0.2.1', port: 9 },
  ];
}

/** The node's address; every route leads out of it. */
export const NODE_ADDRESS = '198.18.0.1';

/**
 * The node's way out: a veth pair inside the namespace and a default route through a gateway whose
 * (permanent) MAC address the peer does not have, so the peer discards every frame as "other host"
 * before any netfilter hook; nothing answers and no address resolution runs.
 */
export function prepareNode(ns: Netns): void {
  for (const args of [
    ['link', 'add', 'bench0', 'type', 'veth', 'peer', 'name', 'bench1'],
    ['link', 'set', 'bench0', 'up'],
    ['link', 'set', 'bench1', 'up'],
    ['addr', 'add', `${NODE_ADDRESS}/16`, 'dev', 'bench0'],
    ['neigh', 'add', '198.18.0.2', 'lladdr', '02:00:00:00:00:02', 'dev', 'bench0', 'nud', 'permanent'],
    ['route', 'add', 'default', 'via', '198.18.0.2', 'dev', 'bench0'],
  ]) {
    const r = ns.exec('ip', args);
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
  }
}

// The sender. argv: JSON {src, targets: [{label, ip, port}], packets, batches}. Prints JSON:
// {label: [microseconds of CPU per packet, one per batch]}.
const SENDER = String.raw`
import json, socket, struct, subprocess, sys, time
cfg = json.loads(sys.argv[1])
def csum(data):
    if len(data) % 2: data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
src = socket.inet_aton(cfg['src'])
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
out = {}
for t in cfg['targets']:
    dst = socket.inet_aton(t['ip'])
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40, 0, 0, 64, 6, 0, src, dst)
    pkts = []
    for i in range(cfg['packets']):
        sport = 20000 + i
        tcp = struct.pack('!HHIIBBHHH', sport, t['port'], 1, 0, 5 << 4, 0x02, 64240, 0, 0)
        c = csum(src + dst + struct.pack('!BBH', 0, 6, 20) + tcp)
        pkts.append(ip + tcp[:16] + struct.pack('!H', c) + tcp[18:])
    per = []
    for b in range(cfg['batches']):
        subprocess.run(['conntrack', '-F'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        c0 = time.process_time()
        for p in pkts: sock.sendto(p, (t['ip'], 0))
        per.append((time.process_time() - c0) / len(pkts) * 1e6)
    out[t['label']] = per
subprocess.run(['conntrack', '-F'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(json.dumps(out))
`;

export interface FirstPacketResult {
  label: Target['label'];
  /** Median over batches of CPU microseconds per packet. */
  microseconds: number;
  batches: number[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Runs the sender in `ns` (ruleset loaded, prepareNode done). */
export function measureFirstPacket(
  ns: Netns,
  targets: Target[],
  options: { packets: number; batches: number },
): FirstPacketResult[] {
  const cfg = { src: NODE_ADDRESS, targets, ...options };
  const r = ns.exec('python3', ['-c', SENDER, JSON.stringify(cfg)], undefined, 600_000);
  if (r.status !== 0) throw new Error(`first-packet sender failed: ${r.stderr.slice(0, 500)}`);
  const per = JSON.parse(r.stdout) as Record<string, number[]>;
  return targets.map((t) => ({ label: t.label, microseconds: median(per[t.label]!), batches: per[t.label]! }));
}
