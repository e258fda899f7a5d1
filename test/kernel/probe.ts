// The prober: sends NEW connection attempts (TCP SYN via connect(), or one UDP datagram on a
// connected socket) from chosen namespaces and source addresses, and classifies what the node's
// netfilter did with each from two observations:
//   - the node's conntrack NEW events (`conntrack -E`), matched by the probe's original tuple:
//     reply source = DNAT target, reply destination != original source = masqueraded. Events also
//     catch entries that vanish at once (a node-local RST), which `conntrack -L` would miss;
//   - the sender's own result: ECONNREFUSED with no conntrack entry = REJECT (ICMP unreachable),
//     a timeout with no entry = DROP.
// Endpoints are silent (topology.ts), so a DNATed probe times out and never gets an answer.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SourceNs, Topology } from './topology.ts';

export type ProbeProto = 'tcp' | 'udp';

export interface Probe {
  proto: ProbeProto;
  from: SourceNs;
  src: string;
  sport: number;
  dst: string;
  dport: number;
}

/** What happened to one probe. */
export type Observation =
  | { kind: 'dnat'; target: string; masq: boolean }
  /** Not DNATed and delivered to the node itself. */
  | { kind: 'local' }
  /** Not DNATed and forwarded on (nothing in the ruleset claimed it). */
  | { kind: 'forward'; masq: boolean }
  | { kind: 'reject' }
  | { kind: 'drop' }
  /** Observations that fit no class (reported, never silently classified). */
  | { kind: 'odd'; detail: string };

/** A stable text form: the unit compared between backends and against the IR. */
export function observationKey(o: Observation): string {
  switch (o.kind) {
    case 'dnat':
      return `dnat ${o.target}${o.masq ? ' masq' : ''}`;
    case 'forward':
      return `forward${o.masq ? ' masq' : ''}`;
    case 'odd':
      return `odd ${o.detail}`;
    default:
      return o.kind;
  }
}

type SenderResult = 'refused' | 'timeout' | 'eperm' | 'connected' | 'answered' | `error:${string}`;

// Runs inside a namespace (`ip netns exec NS node -e …`): reads probes as JSON on stdin, starts at
// most WINDOW at a time, gives each TIMEOUT ms, prints one JSON array of results. A sentinel UDP
// datagram goes out first and last so the caller can tell its conntrack listener saw the batch.
const SENDER = String.raw`
const net = require('node:net'), dgram = require('node:dgram');
const input = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const { probes, timeoutMs, window, sentinel } = input;
const results = new Array(probes.length);
function sendSentinel(sport) {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const done = () => { try { s.close(); } catch {} resolve(); };
    s.on('error', done);
    s.bind(sport, sentinel.src, () => s.send('s', sentinel.dport, sentinel.dst, () => setTimeout(done, 5)));
  });
}
function one(p) {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r, close) => { if (settled) return; settled = true; clearTimeout(t); close(); resolve(r); };
    let t;
    if (p.proto === 'tcp') {
      const s = net.connect({ host: p.dst, port: p.dport, localAddress: p.src, localPort: p.sport });
      t = setTimeout(() => finish('timeout', () => s.destroy()), timeoutMs);
      s.on('connect', () => finish('connected', () => s.destroy()));
      s.on('error', (e) => finish(e.code === 'ECONNREFUSED' ? 'refused' : 'error:' + e.code, () => s.destroy()));
    } else {
      const s = dgram.createSocket('udp4');
      // A locally generated datagram that netfilter drops fails send() with EPERM; a REJECT's ICMP
      // error may still follow and surface as ECONNREFUSED, so EPERM only settles at the timeout.
      let eperm = false;
      t = setTimeout(() => finish(eperm ? 'eperm' : 'timeout', () => s.close()), timeoutMs);
      s.on('error', (e) => finish(e.code === 'ECONNREFUSED' ? 'refused' : 'error:' + e.code, () => s.close()));
      s.on('message', () => finish('answered', () => s.close()));
      s.bind(p.sport, p.src, () => s.connect(p.dport, p.dst, (err) => {
        if (err) return finish('error:' + err.code, () => s.close());
        s.send('probe', (e2) => { if (e2 && e2.code === 'EPERM') eperm = true; else if (e2) finish('error:' + e2.code, () => s.close()); });
      }));
    }
  });
}
(async () => {
  await sendSentinel(sentinel.beginPort);
  for (let i = 0; i < probes.length; i += window) {
    const chunk = probes.slice(i, i + window);
    const out = await Promise.all(chunk.map(one));
    out.forEach((r, k) => { results[i + k] = r; });
  }
  await sendSentinel(sentinel.endPort);
  process.stdout.write(JSON.stringify(results));
})();
`;

export interface ConntrackEvent {
  proto: string;
  orig: { src: string; dst: string; sport: number; dport: number };
  reply: { src: string; dst: string; sport: number; dport: number };
}

const TUPLE = /src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+)/g;

export function parseConntrackEvents(text: string): ConntrackEvent[] {
  const out: ConntrackEvent[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*\[NEW\]\s+(\w+)/.exec(line);
    if (!m) continue;
    const tuples = [...line.matchAll(TUPLE)].map((t) => ({ src: t[1]!, dst: t[2]!, sport: Number(t[3]), dport: Number(t[4]) }));
    if (tuples.length < 2) continue;
    out.push({ proto: m[1]!, orig: tuples[0]!, reply: tuples[1]! });
  }
  return out;
}

const tupleKey = (proto: string, src: string, sport: number, dst: string, dport: number) => `${proto} ${src}:${sport} > ${dst}:${dport}`;

/** Classify one probe from its conntrack event (if any) and the sender's result. */
export function classify(p: Probe, ev: ConntrackEvent | undefined, sent: SenderResult, nodeLocal: readonly string[]): Observation {
  if (ev) {
    const masq = ev.reply.dst !== p.src || ev.reply.dport !== p.sport;
    if (ev.reply.src !== p.dst || ev.reply.sport !== p.dport) return { kind: 'dnat', target: `${ev.reply.src}:${ev.reply.sport}`, masq };
    if (nodeLocal.includes(p.dst) || p.dst.startsWith('127.')) return { kind: 'local' };
    return { kind: 'forward', masq };
  }
  if (sent === 'refused') return { kind: 'reject' };
  // EPERM: a node-originated datagram dropped in OUTPUT (no ICMP error followed it).
  if (sent === 'timeout' || sent === 'eperm') return { kind: 'drop' };
  return { kind: 'odd', detail: `no conntrack entry, sender ${sent}` };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A UDP port on the node that no frontend uses: the sentinels' destination. */
export interface SentinelPlan {
  port: number;
}

export function sentinelTarget(t: Topology, from: SourceNs): { src: string; dst: string } {
  const p = t.plan;
  if (from === 'client') return { src: p.extLink.peer, dst: p.extLink.node };
  if (from === 'pods') return { src: p.podLink.peer, dst: p.podLink.node };
  return { src: '127.0.0.1', dst: '127.0.0.1' };
}

export interface BatchOptions {
  timeoutMs?: number;
  window?: number;
  /** UDP destination port of the sentinels (must not be a frontend port). */
  sentinelPort: number;
  /** Source ports for the two sentinels of each namespace batch; advanced by the caller. */
  nextPort: () => number;
}

/**
 * Send every probe (grouped by namespace) and classify each. Throws when the conntrack listener
 * provably missed events (a sentinel not seen), rather than misreading a missed entry as a drop.
 */
export async function runProbes(t: Topology, probes: readonly Probe[], opts: BatchOptions): Promise<Observation[]> {
  const out: Observation[] = new Array(probes.length);
  const dir = mkdtempSync(join(tmpdir(), 'ksvc-ct-'));
  const file = join(dir, 'events.txt');
  const fd = openSync(file, 'w');
  const listener = spawn('ip', ['netns', 'exec', t.node.name, 'conntrack', '-E', '-e', 'NEW', '-b', '16777216'], {
    stdio: ['ignore', fd, fd],
  });
  const exited = new Promise<void>((r) => listener.on('exit', () => r()));
  try {
    await sleep(150);
    const sentinels: string[] = [];
    const senderResults = new Map<number, SenderResult>();
    for (const from of ['client', 'pods', 'node'] as const) {
      const idx = probes.map((p, i) => [p, i] as const).filter(([p]) => p.from === from);
      if (idx.length === 0) continue;
      const s = sentinelTarget(t, from);
      const beginPort = opts.nextPort();
      const endPort = opts.nextPort();
      sentinels.push(tupleKey('udp', s.src, beginPort, s.dst, opts.sentinelPort), tupleKey('udp', s.src, endPort, s.dst, opts.sentinelPort));
      const input = JSON.stringify({
        probes: idx.map(([p]) => p),
        timeoutMs: opts.timeoutMs ?? 300,
        window: opts.window ?? 128,
        sentinel: { src: s.src, dst: s.dst, dport: opts.sentinelPort, beginPort, endPort },
      });
      const r = spawnSync('ip', ['netns', 'exec', t.nsOf(from).name, process.execPath, '-e', SENDER], { input, encoding: 'utf8', timeout: 120_000 });
      if (r.status !== 0) throw new Error(`prober in ${from} failed (${r.status}): ${r.stderr}`);
      const res = JSON.parse(r.stdout) as SenderResult[];
      idx.forEach(([, i], k) => senderResults.set(i, res[k]!));
    }
    // Wait (bounded) until the last sentinel's event is in, then read everything.
    let events: ConntrackEvent[] = [];
    const deadline = Date.now() + 3000;
    for (;;) {
      events = parseConntrackEvents(readFileSync(file, 'utf8'));
      const seen = new Set(events.map((e) => tupleKey(e.proto, e.orig.src, e.orig.sport, e.orig.dst, e.orig.dport)));
      const missing = sentinels.filter((k) => !seen.has(k));
      if (missing.length === 0) break;
      if (Date.now() > deadline) {
        throw new Error(`conntrack listener missed sentinel(s) ${missing.join(', ')}; events so far:\n${readFileSync(file, 'utf8').slice(0, 2000)}`);
      }
      await sleep(50);
    }
    const text = readFileSync(file, 'utf8');
    if (/ENOBUFS/i.test(text)) throw new Error('conntrack listener overran (ENOBUFS): events were lost');
    const byTuple = new Map<string, ConntrackEvent>();
    for (const e of events) byTuple.set(tupleKey(e.proto, e.orig.src, e.orig.sport, e.orig.dst, e.orig.dport), e);
    probes.forEach((p, i) => {
      const ev = byTuple.get(tupleKey(p.proto, p.src, p.sport, p.dst, p.dport));
      out[i] = classify(p, ev, senderResults.get(i)!, t.plan.nodeLocal);
    });
    return out;
  } finally {
    listener.kill('SIGTERM');
    await Promise.race([exited, sleep(1000)]);
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}
