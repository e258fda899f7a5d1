// The prober: sends NEW connection attempts (TCP SYN via connect(), or one UDP datagram on a
// connected socket) from chosen namespaces and source addresses, and classifies what the node's
// netfilter did with each from two observations:
//   - the node's conntrack table (`conntrack -L` after each batch), matched by the probe's original
//     tuple: reply source = DNAT target, reply destination != original source = masqueraded;
//   - the sender's own result: ECONNREFUSED with no conntrack entry = REJECT (ICMP unreachable),
//     a timeout with no entry = DROP.
// Entries must outlive the batch: endpoints are silent (topology.ts), so a DNATed SYN stays in
// SYN_SENT (120 s) and never meets a RST; connections delivered to the node itself meet a listener
// (the node agent), so they complete instead of being reset. (`conntrack -E` was tried first: under
// bursts it lost events with ENOBUFS even with a 32 MB buffer.)
import { spawn } from 'node:child_process';
import { isLoopbackIP, loopbackFrontends, type SourceNs, type Topology } from './topology.ts';

export type ProbeProto = 'tcp' | 'udp';

export interface Probe {
  proto: ProbeProto;
  from: SourceNs;
  /** Source address as the node sees it (the conntrack key). */
  src: string;
  /** Address the sender binds when it differs from `src` (the client SNATs it to `src`). */
  bind?: string | undefined;
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

export type SenderResult = 'refused' | 'timeout' | 'eperm' | 'connected' | 'answered' | `error:${string}`;

// The agent, one per namespace for the life of a topology (`ip netns exec NS node -e AGENT SPECS`):
// - node namespace only: a TCP listener (accept, close) and a UDP echo socket on every port in
//   SPECS, so a connection delivered to the node itself is *answered* and cannot be mistaken for a
//   REJECT (both would otherwise be ECONNREFUSED); the UDP sockets are bound to each of the node's
//   local addresses in SPECS, so that an answer comes from the address the probe was sent to;
// - prints "ready" once bound, then serves requests, one JSON line each on stdin: send every probe
//   (at most `window` at a time, `timeoutMs` each) and answer one JSON line of results.
const AGENT = String.raw`
const net = require('node:net'), dgram = require('node:dgram');
const specs = JSON.parse(process.argv[1]);
let pending = specs.length + 1;
const ready = () => { if (--pending === 0) process.stdout.write('ready\n'); };
for (const { proto, port, v6, addresses } of specs) {
  if (proto === 'tcp') {
    const srv = net.createServer((c) => c.destroy());
    srv.on('error', (e) => { process.stderr.write('listen tcp ' + port + ': ' + e.code + '\n'); process.exit(3); });
    srv.listen({ port, host: v6 ? '::' : '0.0.0.0', ipv6Only: v6 }, ready);
  } else {
    // one socket per local address: a wildcard socket answers from the address routing picks,
    // which the sender's connected socket ignores unless it is the address it sent to
    pending += addresses.length - 1;
    for (const address of addresses) {
      const u = dgram.createSocket(v6 ? { type: 'udp6', ipv6Only: true } : 'udp4');
      u.on('error', (e) => { process.stderr.write('listen udp ' + address + ' ' + port + ': ' + e.code + '\n'); process.exit(3); });
      u.on('message', (m, r) => u.send('answer', r.port, r.address));
      u.bind(port, address, ready);
    }
  }
}
ready();
function one(p, timeoutMs) {
  return new Promise((resolve) => {
    let settled = false;
    let t;
    const finish = (r, close) => { if (settled) return; settled = true; clearTimeout(t); close(); resolve(r); };
    // Timers run before I/O callbacks in an event-loop turn: a timeout settles only after one more
    // poll phase, so an error that already arrived (ECONNREFUSED) is not misread as silence.
    const later = (r, close) => setImmediate(() => finish(r, close));
    if (p.proto === 'tcp') {
      const s = net.connect({ host: p.dst, port: p.dport, localAddress: p.bind || p.src, localPort: p.sport });
      t = setTimeout(() => later('timeout', () => s.destroy()), timeoutMs);
      s.on('connect', () => finish('connected', () => s.destroy()));
      s.on('error', (e) => finish(e.code === 'ECONNREFUSED' ? 'refused' : 'error:' + e.code, () => s.destroy()));
    } else {
      // A locally generated datagram that netfilter drops fails send() with EPERM; a REJECT's ICMP
      // error may still follow and surface as ECONNREFUSED, so EPERM only settles at the timeout.
      const s = dgram.createSocket((p.bind || p.src).includes(':') ? 'udp6' : 'udp4');
      let eperm = false;
      t = setTimeout(() => later(eperm ? 'eperm' : 'timeout', () => s.close()), timeoutMs);
      s.on('error', (e) => finish(e.code === 'ECONNREFUSED' ? 'refused' : 'error:' + e.code, () => s.close()));
      s.on('message', () => finish('answered', () => s.close()));
      s.bind(p.sport, p.bind || p.src, () => s.connect(p.dport, p.dst, (err) => {
        if (err) return finish('error:' + err.code, () => s.close());
        s.send('probe', (e2) => { if (e2 && e2.code === 'EPERM') eperm = true; else if (e2) finish('error:' + e2.code, () => s.close()); });
      }));
    }
  });
}
async function serve(req) {
  const results = new Array(req.probes.length);
  for (let i = 0; i < req.probes.length; i += req.window) {
    const out = await Promise.all(req.probes.slice(i, i + req.window).map((p) => one(p, req.timeoutMs)));
    out.forEach((r, k) => { results[i + k] = r; });
  }
  return results;
}
let buf = '';
let queue = Promise.resolve();
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  let nl;
  while ((nl = buf.indexOf('\n')) >= 0) {
    const line = buf.slice(0, nl);
    buf = buf.slice(nl + 1);
    queue = queue.then(async () => process.stdout.write(JSON.stringify(await serve(JSON.parse(line))) + '\n'));
  }
});
process.stdin.on('end', () => queue.then(() => process.exit(0)));
`;

export interface ConntrackEntry {
  proto: string;
  orig: { src: string; dst: string; sport: number; dport: number };
  reply: { src: string; dst: string; sport: number; dport: number };
}

const TUPLE = /src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+)/g;

/** Parse `conntrack -L` lines (or `conntrack -E` [NEW] lines). */
export function parseConntrackEntries(text: string): ConntrackEntry[] {
  const out: ConntrackEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(?:\[NEW\]\s+)?(tcp|udp|sctp|icmp)\s/.exec(line);
    if (!m) continue;
    const tuples = [...line.matchAll(TUPLE)].map((t) => ({
      src: t[1]!,
      dst: t[2]!,
      sport: Number(t[3]),
      dport: Number(t[4]),
    }));
    if (tuples.length < 2) continue;
    out.push({ proto: m[1]!, orig: tuples[0]!, reply: tuples[1]! });
  }
  return out;
}

const tupleKey = (proto: string, src: string, sport: number, dst: string, dport: number) =>
  `${proto} ${src}:${sport} > ${dst}:${dport}`;

/** Classify one probe from its conntrack entry (if any) and the sender's result. */
export function classify(
  p: Probe,
  ev: ConntrackEntry | undefined,
  sent: SenderResult,
  nodeLocal: readonly string[],
): Observation {
  if (ev) {
    const masq = ev.reply.dst !== p.src || ev.reply.dport !== p.sport;
    if (ev.reply.src !== p.dst || ev.reply.sport !== p.dport)
      return { kind: 'dnat', target: `${ev.reply.src}:${ev.reply.sport}`, masq };
    if (nodeLocal.includes(p.dst) || isLoopbackIP(p.dst)) {
      // A node-originated connection to the node is confirmed in POSTROUTING, before the filter
      // INPUT hook: the entry exists even when INPUT then rejects or drops it. The listener
      // answers whatever is delivered, so the sender's result decides.
      if (sent === 'connected' || sent === 'answered') return { kind: 'local' };
      if (sent === 'refused') return { kind: 'reject' };
      if (sent === 'timeout' || sent === 'eperm') return { kind: 'drop' };
      return { kind: 'odd', detail: `local entry, sender ${sent}` };
    }
    return { kind: 'forward', masq };
  }
  if (sent === 'refused') return { kind: 'reject' };
  // EPERM: a node-originated datagram dropped in OUTPUT (no ICMP error followed it).
  if (sent === 'timeout' || sent === 'eperm') return { kind: 'drop' };
  return { kind: 'odd', detail: `no conntrack entry, sender ${sent}` };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** spawn without blocking the event loop; bounded (the child is killed when it overruns). */
function runAsync(
  cmd: string,
  args: string[],
  timeoutMs: number,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
  });
}

/** One agent process in a namespace, speaking the line protocol above. */
interface Agent {
  request(req: unknown): Promise<SenderResult[]>;
  close(): Promise<void>;
}

async function startAgent(
  ns: string,
  listen: readonly { proto: ProbeProto; port: number; v6: boolean; addresses: readonly string[] }[],
): Promise<Agent> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', AGENT, JSON.stringify(listen)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  let buf = '';
  const lines: string[] = [];
  let wake: (() => void) | null = null;
  let exited = false;
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
    wake?.();
  });
  const exit = new Promise<void>((r) =>
    child.on('exit', () => {
      exited = true;
      wake?.();
      r();
    }),
  );
  const nextLine = async (timeoutMs: number): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    while (lines.length === 0) {
      if (exited) throw new Error(`probe agent in ${ns} exited: ${stderr}`);
      if (Date.now() > deadline) {
        // The event loop may have been blocked past the deadline with the answer already in the
        // pipe: give pending I/O one more turn before giving up.
        await new Promise<void>((r) => setTimeout(r, 50));
        await new Promise<void>((r) => setImmediate(r));
        if (lines.length > 0) break;
        throw new Error(`probe agent in ${ns} did not answer in ${timeoutMs} ms: ${stderr}`);
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 200);
      });
      wake = null;
    }
    return lines.shift()!;
  };
  const agent: Agent = {
    async request(req) {
      child.stdin.write(`${JSON.stringify(req)}\n`);
      return JSON.parse(await nextLine(120_000)) as SenderResult[];
    },
    async close() {
      child.stdin.end();
      await Promise.race([exit, sleep(2000)]);
      if (!exited) child.kill('SIGKILL');
    },
  };
  try {
    const first = await nextLine(60_000);
    if (first !== 'ready') throw new Error(`probe agent in ${ns}: unexpected "${first}"`);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return agent;
}

export interface ProbeOptions {
  timeoutMs?: number;
  window?: number;
}

/** Probing one topology: agents and the conntrack listener live until close(). */
export interface Prober {
  run(probes: readonly Probe[], opts?: ProbeOptions): Promise<Observation[]>;
  close(): Promise<void>;
}

export interface ProberOptions {
  /** Node-side listeners: every (proto, port) a probe may deliver to the node itself. */
  listen: readonly { proto: ProbeProto; port: number }[];
}

/** The node's conntrack table, by original tuple. */
async function conntrackTable(t: Topology): Promise<Map<string, ConntrackEntry>> {
  const r = await runAsync('ip', ['netns', 'exec', t.node.name, 'conntrack', '-L'], 60_000);
  if (r.status !== 0) throw new Error(`conntrack -L in ${t.node.name}: ${r.stderr}`);
  const byTuple = new Map<string, ConntrackEntry>();
  for (const e of parseConntrackEntries(r.stdout))
    byTuple.set(tupleKey(e.proto, e.orig.src, e.orig.sport, e.orig.dst, e.orig.dport), e);
  return byTuple;
}

/** Start the agents (the node's listeners included); close() stops them. */
export async function openProber(t: Topology, opts: ProberOptions): Promise<Prober> {
  const agents = new Map<SourceNs, Agent>();
  const close = async () => {
    await Promise.all([...agents.values()].map((a) => a.close()));
  };
  try {
    const froms = ['client', 'pods', 'node'] as const;
    const v6 = t.plan.family === 'ipv6';
    // every address a probe can reach the node itself at: its own, and the loopback frontends
    const localAddresses = [...new Set([...t.plan.nodeLocal, ...loopbackFrontends(t.plan.family)])];
    const started = await Promise.allSettled(
      froms.map((from) =>
        startAgent(
          t.nsOf(from).name,
          from === 'node' ? opts.listen.map((l) => ({ ...l, v6, addresses: localAddresses })) : [],
        ),
      ),
    );
    for (const [i, r] of started.entries()) if (r.status === 'fulfilled') agents.set(froms[i]!, r.value);
    for (const r of started) if (r.status === 'rejected') throw r.reason;
  } catch (e) {
    await close();
    throw e;
  }
  return {
    close,
    async run(probes, ro = {}) {
      const senderResults = new Map<number, SenderResult>();
      // The three namespaces' agents work at the same time (per-source order is kept in each).
      await Promise.all(
        (['client', 'pods', 'node'] as const).map(async (from) => {
          const idx = probes.map((p, i) => [p, i] as const).filter(([p]) => p.from === from);
          if (idx.length === 0) return;
          const res = await agents
            .get(from)!
            .request({ probes: idx.map(([p]) => p), timeoutMs: ro.timeoutMs ?? 250, window: ro.window ?? 256 });
          for (const [k, [, i]] of idx.entries()) senderResults.set(i, res[k]!);
        }),
      );
      const table = await conntrackTable(t);
      return probes.map((p, i) =>
        classify(
          p,
          table.get(tupleKey(p.proto, p.src, p.sport, p.dst, p.dport)),
          senderResults.get(i)!,
          t.plan.nodeLocal,
        ),
      );
    },
  };
}
