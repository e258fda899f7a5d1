// Kernel tests of the nftables backend (root only; they skip loudly otherwise):
//  - every golden JSON document passes `nft -j -c -f` and loads into a fresh network namespace;
//    loading it a second time replaces the table atomically; `nft -j list ruleset` works after;
//  - the nft-syntax twin loads to exactly the same `nft -j list ruleset`;
//  - the document of every iptables golden case and of every examples/*.ksvc (each node) passes
//    `nft -j -c -f`, loads, and its text form lists identically;
//  - packet outcomes on the node's own (OUTPUT) path for the overall fixture: DNAT targets,
//    masquerade, REJECT for a service without endpoints, source-range DROP, localhost NodePorts,
//    load balancing over every endpoint and session affinity;
//  - ClientIP affinity sticks (dual-stack fixture): every connection of a client reaches one endpoint,
//    a service without affinity reaches all of its endpoints;
//  - hairpin to a local endpoint (an arriving packet DNATed to the node itself, from the node's own
//    address): the packet carries the masquerade mark into INPUT under both backends, and a
//    non-hairpin packet does not (nft marks it in nat-input; iptables in KUBE-SEP).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderNftablesJson, renderNftablesText } from '../../backends/nftables/index.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import { cluster, ep, node, port, service } from '../golden/iptables/model-builders.ts';
import { exampleInputs, iptablesCases, type LoweredInput, scenarios } from '../golden/nftables/scenarios.ts';
import { iptablesBackend, nftablesBackend } from './load.ts';
import { kernelTests, type Netns, withNetns } from './netns.ts';

const goldenDir = new URL('../golden/nftables/', import.meta.url);

function ok(r: { status: number; stderr: string }, what: string): void {
  assert.is(r.status, 0, `${what}: ${r.stderr.trim()}`);
}

/** The ruleset listing without the metainfo line (version strings) — the comparable part. */
function listing(ns: Netns): unknown[] {
  const r = ns.exec('nft', ['-j', 'list', 'ruleset']);
  ok(r, 'nft -j list ruleset');
  // Handles depend on load history (a reload allocates new ones): compare without them.
  const doc = JSON.parse(r.stdout, (k, v: unknown) => (k === 'handle' ? undefined : v)) as {
    nftables: Record<string, unknown>[];
  };
  return doc.nftables.filter((o) => !('metainfo' in o));
}

interface Probe {
  src: string;
  dst: string;
  port: number;
  sport: number;
}
interface ProbeResult extends Probe {
  /** 'refused' (ICMP unreachable), 'pending' (SYN went out, unanswered) or an errno name. */
  result: string;
  /** The reply tuple's source (the DNAT target) and destination port, from conntrack. */
  replySrc?: string;
  replyDport?: number;
}

// Non-blocking connects from the node itself, classified after a short wait.
const PROBE_PY = `
import json, socket, sys, select, errno, time
probes = json.loads(sys.argv[1]); socks = []
for p in probes:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.setblocking(False)
    s.bind((p['src'], p['sport']))
    e = s.connect_ex((p['dst'], p['port'])); socks.append((s, e))
time.sleep(0.6)
out = []
for (s, e), p in zip(socks, probes):
    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    r = 'refused' if err == errno.ECONNREFUSED else ('pending' if err == 0 else errno.errorcode.get(err, str(err)))
    out.append(r)
print(json.dumps(out))
for s, _ in socks: s.close()
`;

function probe(ns: Netns, probes: Probe[]): ProbeResult[] {
  const r = ns.exec('python3', ['-c', PROBE_PY, JSON.stringify(probes)]);
  ok(r, 'probe');
  const results = JSON.parse(r.stdout) as string[];
  const ct = ns.exec('conntrack', ['-L', '-p', 'tcp']);
  return probes.map((p, i) => {
    const line = ct.stdout.split('\n').find((l) => l.includes(` sport=${p.sport} `) && l.includes(`src=${p.src} `));
    const m = line ? /\[UNREPLIED\] src=(\S+) dst=\S+ sport=\d+ dport=(\d+)/.exec(line) : null;
    return { ...p, result: results[i]!, ...(m ? { replySrc: m[1]!, replyDport: Number(m[2]) } : {}) };
  });
}

{
  const test = kernelTests('nftables load');
  const tmp = mkdtempSync(join(tmpdir(), 'ksvc-nft-'));

  for (const s of scenarios) {
    test(`kernel: golden ${s.name} loads (JSON, twice), and its text form lists identically`, async () => {
      const jsonPath = new URL(`${s.name}.nft.json`, goldenDir).pathname;
      const textPath = new URL(`${s.name}.nft`, goldenDir).pathname;
      const fromJson = await withNetns('nftj', (ns) => {
        ok(ns.exec('nft', ['-j', '-c', '-f', jsonPath]), 'nft -j -c -f');
        ok(ns.exec('nft', ['-j', '-f', jsonPath]), 'nft -j -f');
        const first = listing(ns);
        ok(ns.exec('nft', ['-j', '-f', jsonPath]), 'nft -j -f (reload: atomic replace)');
        assert.ok(listing(ns).length === first.length, 'reload gives the same number of objects');
        return first;
      });
      const fromText = await withNetns('nftt', (ns) => {
        ok(ns.exec('nft', ['-f', textPath]), 'nft -f (text)');
        return listing(ns);
      });
      assert.equal(fromText, fromJson);
    });
  }

  /** Check, load (replacing the previous table), list; then the text twin must list the same. */
  const loadAll = (label: string, inputs: () => LoweredInput[]) =>
    test(`kernel: ${label} — nft -j -c, nft -j -f, text twin lists identically`, async () => {
      await withNetns('nftall', (ns) => {
        for (const input of inputs()) {
          const jsonFile = join(tmp, 'input.json');
          const textFile = join(tmp, 'input.nft');
          writeFileSync(jsonFile, renderNftablesJson(input.lowered.programs));
          writeFileSync(textFile, renderNftablesText(input.lowered.programs));
          ok(ns.exec('nft', ['-j', '-c', '-f', jsonFile]), `${input.name}: nft -j -c -f`);
          ok(ns.exec('nft', ['-j', '-f', jsonFile]), `${input.name}: nft -j -f`);
          const fromJson = listing(ns);
          ok(ns.exec('nft', ['-f', textFile]), `${input.name}: nft -f (text)`);
          assert.equal(listing(ns), fromJson, `${input.name}: text and JSON load the same ruleset`);
          ok(ns.exec('nft', ['flush', 'ruleset']), 'flush');
        }
      });
    });
  loadAll('every iptables golden case', iptablesCases);
  loadAll('every examples/*.ksvc, each node', exampleInputs);

  test('kernel: overall fixture — packet outcomes on the node output path', async () => {
    const json = readFileSync(new URL('overall.nft.json', goldenDir), 'utf8');
    const file = join(tmp, 'overall.json');
    writeFileSync(file, json);
    await withNetns('nftpk', (ns) => {
      for (const [k, v] of [
        ['net.ipv4.conf.all.route_localnet', '1'],
        ['net.ipv4.icmp_ratelimit', '0'],
      ] as const) {
        ok(ns.exec('sysctl', ['-qw', `${k}=${v}`]), k);
      }
      // The node: address 192.168.0.2, a source inside the LB source range, everything else routed
      // into a veth whose peer drops it (no forwarding): conntrack entries stay readable.
      ok(ns.exec('ip', ['link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1']), 'veth');
      ok(ns.exec('ip', ['link', 'set', 'd0', 'up']), 'up');
      ok(ns.exec('ip', ['link', 'set', 'd1', 'up']), 'up');
      ok(ns.exec('ip', ['addr', 'add', '192.168.0.2/24', 'dev', 'd0']), 'addr');
      ok(ns.exec('ip', ['addr', 'add', '203.0.113.5/32', 'dev', 'd0']), 'addr2');
      ok(ns.exec('ip', ['route', 'add', 'default', 'dev', 'd0']), 'route');
      ok(ns.exec('nft', ['-j', '-f', file]), 'load');

      let sport = 40000;
      const P = (src: string, dst: string, port: number): Probe => ({ src, dst, port, sport: ++sport });
      const [cip, noEp, lbOut, lbIn, localhostNp, np, lbNoLocal] = probe(ns, [
        P('192.168.0.2', '172.30.0.41', 80),
        P('192.168.0.2', '172.30.0.46', 80),
        P('192.168.0.2', '5.6.7.8', 80),
        P('203.0.113.5', '5.6.7.8', 80),
        P('127.0.0.1', '127.0.0.1', 3003),
        P('192.168.0.2', '192.168.0.2', 3003),
        P('192.168.0.2', '1.2.3.4', 80),
      ]);
      assert.is(cip!.result, 'pending');
      assert.is(cip!.replySrc, '10.180.0.1', 'ClusterIP DNAT');
      assert.is.not(cip!.replyDport, cip!.sport, 'node source is not a pod: masqueraded (fully-random port)');
      assert.is(noEp!.result, 'refused', 'no endpoints: REJECT');
      assert.is(lbOut!.result, 'pending');
      // Outside the source range: not DNATed, then dropped in the filter hook (firewall-check), so
      // the connection is never confirmed: no conntrack entry and no answer.
      assert.is(lbOut!.replySrc, undefined, 'outside the source range: dropped');
      assert.is(lbIn!.replySrc, '10.180.0.3', 'inside the source range: DNAT');
      assert.is(localhostNp!.replySrc, '10.180.0.3', 'localhost NodePort (fib daddr type local matches 127.0.0.1)');
      assert.is(np!.replySrc, '10.180.0.3', 'NodePort on the node address');
      assert.is(lbNoLocal!.replySrc, '10.180.0.2', 'eTP=Local: node-local sources short-circuit to the cluster set');

      // svc4 balances over two endpoints: both are reached.
      const lb = probe(
        ns,
        Array.from({ length: 24 }, () => P('192.168.0.2', '172.30.0.44', 80)),
      );
      assert.equal([...new Set(lb.map((r) => r.replySrc))].sort(), ['10.180.0.4', '10.180.0.5']);
      // svc5 has ClientIP affinity: the source is recorded for its endpoint in the service port's set.
      probe(ns, [P('192.168.0.2', '172.30.0.45', 80)]);
      const set = ns.exec('nft', ['list', 'set', 'ip', 'kube-proxy', 'affinity-HVFWP5L3-ns5/svc5/tcp/p80']);
      ok(set, 'list affinity set');
      assert.match(set.stdout, /192\.168\.0\.2 \. 10\.180\.0\.3 \. 80 (timeout|expires)/);
    });
  });

  test('kernel: ClientIP affinity sticks — every connection of one client reaches the same endpoint', async () => {
    // dual-stack golden: default/web (10.96.0.50:80) has affinity over 10.64.1.5 and 10.64.2.6;
    // kube-system/dns-tcp (10.96.0.10:53) has none and must spread over its three endpoints.
    const file = new URL('dual-stack.nft.json', goldenDir).pathname;
    await withNetns('nftaff', (ns) => {
      ok(ns.exec('ip', ['link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1']), 'veth');
      for (const l of ['d0', 'd1']) ok(ns.exec('ip', ['link', 'set', l, 'up']), 'up');
      for (const a of ['192.168.0.2/24', '192.168.0.3/32']) ok(ns.exec('ip', ['addr', 'add', a, 'dev', 'd0']), 'addr');
      ok(ns.exec('ip', ['route', 'add', 'default', 'dev', 'd0']), 'route');
      ok(ns.exec('nft', ['-j', '-f', file]), 'load');
      let sport = 41000;
      const P = (src: string, dst: string, port: number): Probe => ({ src, dst, port, sport: ++sport });
      for (const client of ['192.168.0.2', '192.168.0.3']) {
        const sticky = probe(
          ns,
          Array.from({ length: 12 }, () => P(client, '10.96.0.50', 80)),
        );
        const targets = new Set(sticky.map((r) => r.replySrc));
        assert.is(targets.size, 1, `${client}: one endpoint for all connections, got ${[...targets].join(', ')}`);
        assert.ok(['10.64.1.5', '10.64.2.6'].includes([...targets][0]!), 'an endpoint of the service');
      }
      const set = ns.exec('nft', ['list', 'set', 'ip', 'kube-proxy', 'affinity-SUSTUHLJ-default/web/tcp/http']);
      ok(set, 'list affinity set');
      assert.is(
        (set.stdout.match(/192\.168\.0\.[23] \. 10\.64\.[12]\.[56] \. 8080 (timeout|expires)/g) ?? []).length,
        2,
        set.stdout,
      );
      const spread = probe(
        ns,
        Array.from({ length: 30 }, () => P('192.168.0.2', '10.96.0.10', 53)),
      );
      assert.is(new Set(spread.map((r) => r.replySrc)).size, 3, 'no affinity: all three endpoints reached');
    });
  });

  test('kernel: hairpin to a local endpoint — the mark reaches INPUT as under iptables', async () => {
    // No detector and no masquerade-all: only the hairpin rule can mark. The node 192.168.50.2 is
    // the endpoint of 10.96.0.60:80 (a host-network pod); the client sends one SYN from the node's
    // own address (hairpin) and one from its own (not), raw, so the source can be the node's.
    const model = cluster(
      { localDetector: { mode: 'None' } },
      [node('n1', ['192.168.50.2'])],
      [
        service('ns', 'host', {
          clusterIPs: ['10.96.0.60'],
          ports: [port({ name: 'http', port: 80, targetPort: 8080 })],
          endpoints: [ep('192.168.50.2', { node: 'n1', ports: { http: 8080 } })],
        }),
      ],
    );
    const ir = lowerModel(model, { node: 'n1' }).programs[0]!;
    const probeTable = join(tmp, 'probe.nft');
    writeFileSync(
      probeTable,
      'table ip ksvcprobe { chain probe { type filter hook input priority 200; policy accept; ' +
        'tcp dport 8080 meta mark & 0x4000 == 0x4000 counter; tcp dport 8080 counter; }; }\n',
    );
    const SEND = `
import socket, struct
def csum(d):
    s = sum(struct.unpack('!%dH' % (len(d) // 2), d))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
k = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for src, sport in (('192.168.50.2', 41000), ('192.168.50.3', 41001)):
    a, b = socket.inet_aton(src), socket.inet_aton('10.96.0.60')
    tcp = struct.pack('!HHIIBBHHH', sport, 80, 1, 0, 5 << 4, 2, 64240, 0, 0)
    c = csum(a + b + struct.pack('!BBH', 0, 6, 20) + tcp)
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40, 0, 0, 64, 6, 0, a, b)
    k.sendto(ip + tcp[:16] + struct.pack('!H', c) + tcp[18:], ('10.96.0.60', 0))
`;
    for (const backend of [iptablesBackend(ir), nftablesBackend(ir)]) {
      const counters = await withNetns('hpn', (n) =>
        withNetns('hpc', (client) => {
          ok(n.exec('ip', ['link', 'add', 'h0', 'type', 'veth', 'peer', 'name', 'h1', 'netns', client.name]), 'veth');
          ok(n.exec('ip', ['addr', 'add', '192.168.50.2/24', 'dev', 'h0']), 'addr');
          ok(n.exec('ip', ['link', 'set', 'h0', 'up']), 'up');
          for (const k of ['all', 'h0']) {
            ok(n.exec('sysctl', ['-qw', `net.ipv4.conf.${k}.accept_local=1`, `net.ipv4.conf.${k}.rp_filter=0`]), k);
          }
          ok(client.exec('ip', ['addr', 'add', '192.168.50.3/24', 'dev', 'h1']), 'client addr');
          ok(client.exec('ip', ['link', 'set', 'h1', 'up']), 'client up');
          ok(client.exec('ip', ['route', 'add', 'default', 'via', '192.168.50.2']), 'client route');
          backend.load(n);
          ok(n.exec('nft', ['-f', probeTable]), 'probe table');
          ok(client.exec('python3', ['-c', SEND]), 'send');
          const deadline = Date.now() + 3000;
          let packets: number[] = [];
          do {
            const list = n.exec('nft', ['-j', 'list', 'table', 'ip', 'ksvcprobe']);
            packets = [...list.stdout.matchAll(/"counter": \{"packets": (\d+)/g)].map((m) => Number(m[1]));
          } while (packets[1] !== 2 && Date.now() < deadline);
          return packets;
        }),
      );
      assert.equal(counters, [1, 2], `${backend.name}: [marked, all] SYNs delivered to the local endpoint`);
    }
  });

  test.after(() => rmSync(tmp, { recursive: true, force: true }));
}

test.run();
