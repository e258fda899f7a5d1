// The differential packet runner: one IRProgram, several rulesets rendered from it (iptables with
// hooks, nftables), each loaded into its own node namespace of the same topology; every frontend
// is probed from every source class, and the observed outcomes are compared between the backends
// and against the IR's reference evaluator (expected.ts). Load-balanced cells are resampled before a
// difference is declared.
import type { IRProgram } from '../../compiler/ir/types.ts';
import { type Expectation, expectedFor } from './expected.ts';
import type { Netns } from './netns.ts';
import { observationKey, openProber, type Probe, type ProbeProto, type Prober } from './probe.ts';
import {
  isLoopbackIP,
  loopbackFrontends,
  planTopology,
  type SourceSpec,
  type Topology,
  type TopologyPlan,
  withTopology,
} from './topology.ts';

export interface Frontend {
  /** e.g. "default/web:http cluster 10.0.0.1:80/tcp" */
  label: string;
  proto: ProbeProto;
  ip: string;
  port: number;
}

export interface Cell {
  frontend: Frontend;
  source: SourceSpec;
  /** What the IR says about a probe of this cell (the source port does not change it). */
  expected: Expectation;
}

export interface Backend {
  name: string;
  /** Load the ruleset into a fresh node namespace; throw with the tool's message on failure. */
  load(node: Netns): void;
}

export interface CellOutcome {
  cell: Cell;
  /** Per backend: outcome key -> number of probes. */
  seen: Map<string, Map<string, number>>;
}

export interface DifferentialReport {
  plan: TopologyPlan;
  outcomes: CellOutcome[];
  /** Backends disagree with each other. */
  disagreements: string[];
  /** A backend disagrees with the IR. */
  irMismatches: string[];
  /** Frontends not probed (e.g. SCTP). */
  skipped: string[];
  probes: number;
}

export function frontendsOf(ir: IRProgram, plan: TopologyPlan, skipped: string[] = []): Frontend[] {
  const out: Frontend[] = [];
  for (const sp of ir.servicePorts) {
    if (sp.protocol === 'sctp') {
      skipped.push(`${sp.servicePortName} (sctp: no SCTP in this kernel/sender)`);
      continue;
    }
    const proto = sp.protocol;
    const add = (kind: string, ip: string, port: number, p: ProbeProto = proto) =>
      out.push({ label: `${sp.servicePortName} ${kind} ${ip}:${port}/${p}`, proto: p, ip, port });
    add('cluster', sp.clusterIP, sp.port);
    for (const ip of sp.externalIPs) add('external', ip, sp.port);
    for (const ip of sp.loadBalancerIPs) add('lb', ip, sp.port);
    if (sp.nodePort !== null) {
      for (const ip of [...plan.nodeIPs, plan.extLink.node, ...loopbackFrontends(plan.family)])
        add('nodeport', ip, sp.nodePort);
    }
    if (sp.healthCheckNodePort !== null)
      add('healthcheck', plan.nodeIPs[0] ?? plan.extLink.node, sp.healthCheckNodePort, 'tcp');
  }
  // A port no service uses on each cluster IP and LB IP (tcp): nothing in the IR claims it
  // (kube-proxy's nftables mode would reject it; its iptables mode forwards it).
  const used = new Set(
    ir.servicePorts.flatMap((sp) =>
      [sp.clusterIP, ...sp.loadBalancerIPs].map((ip) => `${ip}/${sp.protocol}/${sp.port}`),
    ),
  );
  const vips = [
    ...new Set(ir.servicePorts.flatMap((sp) => (sp.protocol === 'sctp' ? [] : [sp.clusterIP, ...sp.loadBalancerIPs]))),
  ];
  for (const ip of vips) {
    const port = [9999, 1, 65535].find((p) => !used.has(`${ip}/tcp/${p}`));
    if (port !== undefined) out.push({ label: `(unused port) ${ip}:${port}/tcp`, proto: 'tcp', ip, port });
  }
  return out;
}

function pairs(frontend: Frontend, source: SourceSpec, ir: IRProgram): boolean {
  const loop = isLoopbackIP(frontend.ip);
  // Loopback frontends are probed from the node only: from 127.0.0.1 / ::1 ("localhost", which
  // sends nowhere else) and, for IPv4, from a node address (IPv6 sends nothing from a global
  // address to ::1: the kernel drops it).
  if (source.label === 'localhost' || loop)
    return loop && source.ns === 'node' && (source.label === 'localhost' || !frontend.ip.includes(':'));
  if (source.label.startsWith('client:lb-ip:')) return frontend.label.includes(' lb ');
  if (source.label.startsWith('hairpin:')) {
    // An endpoint sends only to the frontends of service ports it serves.
    return ir.servicePorts.some(
      (sp) => sp.endpoints.some((e) => e.ip === source.ip) && frontend.label.startsWith(`${sp.servicePortName} `),
    );
  }
  return true;
}

/** What a probe should get: by default what the IR says (expected.ts). */
export type ExpectFor = (plan: TopologyPlan, probe: Probe) => Expectation;

/** Every frontend probed from every source that sends to it: a cell without its expectation. */
export function probesOf(
  ir: IRProgram,
  plan: TopologyPlan,
  skipped: string[] = [],
  extra: readonly Frontend[] = [],
): { frontend: Frontend; source: SourceSpec; probe: Probe }[] {
  const out: { frontend: Frontend; source: SourceSpec; probe: Probe }[] = [];
  for (const frontend of [...frontendsOf(ir, plan, skipped), ...extra]) {
    for (const source of plan.sources) {
      if (!pairs(frontend, source, ir)) continue;
      const probe: Probe = {
        proto: frontend.proto,
        from: source.ns,
        src: source.ip,
        sport: 1,
        dst: frontend.ip,
        dport: frontend.port,
      };
      out.push({ frontend, source, probe });
    }
  }
  return out;
}

export function cellsOf(
  ir: IRProgram,
  plan: TopologyPlan,
  skipped: string[] = [],
  expect: ExpectFor = (pl, probe) => expectedFor(ir, pl, probe),
  extra: readonly Frontend[] = [],
): Cell[] {
  return probesOf(ir, plan, skipped, extra).map(({ frontend, source, probe }) => ({
    frontend,
    source,
    expected: expect(plan, probe),
  }));
}

/**
 * Rounds after the first so that, with `perRound` uniform probes a round, some endpoint of an
 * n-endpoint set stays unseen with probability n·(1 − 1/n)^probes < 1e-9. A fixed 3 rounds (48
 * probes) left the 5-endpoint case failing about once in 65 runs: 68 such cells × 2 backends × 5
 * endpoints × 0.8^48 ≈ 1.5 %, with no bias in either backend (2,000-probe samples per backend:
 * χ² well under the 5 % critical value). Only unlucky cells are resampled, so the extra rounds
 * cost almost nothing.
 */
export function resampleRoundsFor(n: number, perRound: number): number {
  if (n <= 1) return 3;
  const probes = Math.log(1e-9 / n) / Math.log(1 - 1 / n);
  return Math.max(3, Math.ceil(probes / perRound) - 1);
}

const cellName = (c: Cell) => `${c.frontend.label} <- ${c.source.label} (${c.source.ip})`;

/** Outcome keys with the DNAT target hidden: what must agree between backends under affinity. */
const stickyForm = (key: string) => key.replace(/^dnat \S+( masq)?$/, 'dnat <one endpoint>');

function showSeen(m: Map<string, number> | undefined): string {
  if (!m || m.size === 0) return '{}';
  return `{ ${[...m.entries()]
    .sort()
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ')} }`;
}

function needsMore(o: CellOutcome, backends: readonly Backend[]): boolean {
  const sets = backends.map((b) => [...(o.seen.get(b.name) ?? new Map()).keys()].sort().join('|'));
  if (!o.cell.expected.sticky && new Set(sets).size > 1) return true;
  return backends.some((b) => {
    const seen = o.seen.get(b.name) ?? new Map<string, number>();
    return o.cell.expected.required.some((group) => !group.some((k) => seen.has(k)));
  });
}

export interface DifferentialOptions {
  /** Probes per cell for a load-balanced cell, per round (default 12). */
  balancedProbes?: number;
  /** Probes per cell with a single expected outcome (default 3). */
  singleProbes?: number;
  /**
   * Extra rounds for cells still short of an endpoint or disagreeing (default: enough that an
   * endpoint of the largest balanced set is missed by chance with probability < 1e-9, at least 3).
   */
  resampleRounds?: number;
  /** Namespace name tag. */
  tag?: string;
  /**
   * What each probe should get, instead of the IR's outcome: the runner then checks rulesets that
   * are not the IR's (edited ones) against another oracle's claim.
   */
  expect?: ExpectFor;
  /** Destinations probed besides the IR's frontends (no listener: addresses off the node). */
  extraFrontends?: readonly Frontend[];
}

export async function runDifferential(
  ir: IRProgram,
  backends: readonly Backend[],
  options: DifferentialOptions = {},
): Promise<DifferentialReport> {
  const plan = planTopology(ir);
  const skipped: string[] = [];
  const cells = cellsOf(ir, plan, skipped, options.expect, options.extraFrontends);
  const outcomes: CellOutcome[] = cells.map((cell) => ({
    cell,
    seen: new Map(backends.map((b) => [b.name, new Map<string, number>()])),
  }));
  // Endpoints that are node addresses (host-network pods): answered by the node's listener.
  const nodeEndpointPorts = ir.servicePorts.flatMap((sp) =>
    sp.protocol === 'sctp'
      ? []
      : sp.endpoints
          .filter((e) => plan.nodeLocal.includes(e.ip))
          .map((e) => ({ proto: sp.protocol as ProbeProto, port: e.port })),
  );
  const tag = options.tag ?? 'pk';
  let probes = 0;

  const withAll = async (i: number, tops: Topology[], body: (tops: Topology[]) => Promise<void>): Promise<void> => {
    if (i === backends.length) return body(tops);
    return withTopology(plan, `${tag}${i}`, async (t) => {
      backends[i]!.load(t.node);
      await withAll(i + 1, [...tops, t], body);
    });
  };

  const isLocal = (ip: string) => plan.nodeLocal.includes(ip) || isLoopbackIP(ip);
  const listen = new Map<string, { proto: ProbeProto; port: number }>();
  for (const l of nodeEndpointPorts) listen.set(`${l.proto}/${l.port}`, l);
  for (const c of cells)
    if (isLocal(c.frontend.ip))
      listen.set(`${c.frontend.proto}/${c.frontend.port}`, { proto: c.frontend.proto, port: c.frontend.port });

  await withAll(0, [], async (tops) => {
    const nextPorts = backends.map(() => {
      let port = 10000;
      return () => {
        if (port > 60000) throw new Error('packet tests: source ports exhausted');
        return port++;
      };
    });
    const probers: Prober[] = [];
    try {
      const opened = await Promise.allSettled(
        backends.map((_, b) => openProber(tops[b]!, { listen: [...listen.values()] })),
      );
      for (const o of opened) if (o.status === 'fulfilled') probers.push(o.value);
      for (const o of opened) if (o.status === 'rejected') throw o.reason;
      await rounds(probers, nextPorts);
    } finally {
      await Promise.all(probers.map((p) => p.close()));
    }
  });

  async function rounds(probers: Prober[], nextPorts: (() => number)[]): Promise<void> {
    const round = async (which: CellOutcome[], count: (c: Cell) => number) => {
      // Backends run side by side: each has its own namespaces and its own port sequence.
      await Promise.all(
        backends.map(async (_, b) => {
          const list: Probe[] = [];
          const owner: CellOutcome[] = [];
          for (const o of which) {
            const n = count(o.cell);
            for (let k = 0; k < n; k++) {
              const f = o.cell.frontend;
              list.push({
                proto: f.proto,
                from: o.cell.source.ns,
                src: o.cell.source.ip,
                bind: o.cell.source.bind,
                sport: nextPorts[b]!(),
                dst: f.ip,
                dport: f.port,
              });
              owner.push(o);
            }
          }
          // IPv6: a REJECT's ICMPv6 error comes back while connect() still holds the socket lock (on a
          // veth, every time); TCP keeps it as a soft error and only a SYN retransmission (1 s, then
          // 3 s) fails the connect. 1.4 s read REJECTs as DROPs at load average 20; 5 s covers both.
          const obs = await probers[b]!.run(list, { timeoutMs: plan.family === 'ipv6' ? 5000 : 250 });
          probes += list.length;
          obs.forEach((ob, k) => {
            const seen = owner[k]!.seen.get(backends[b]!.name)!;
            const key = observationKey(ob);
            seen.set(key, (seen.get(key) ?? 0) + 1);
          });
        }),
      );
    };
    const balanced = options.balancedProbes ?? 12;
    await round(outcomes, (c) =>
      c.expected.required.length > 1 || c.expected.sticky ? balanced : (options.singleProbes ?? 3),
    );
    const largest = Math.max(1, ...outcomes.map((o) => o.cell.expected.required.length));
    for (let r = 0; r < (options.resampleRounds ?? resampleRoundsFor(largest, balanced)); r++) {
      const again = outcomes.filter((o) => needsMore(o, backends));
      if (again.length === 0) break;
      await round(again, () => balanced);
    }
  }

  const disagreements: string[] = [];
  const irMismatches: string[] = [];
  for (const o of outcomes) {
    const { expected } = o.cell;
    const form = (b: Backend) => {
      const keys = [...(o.seen.get(b.name) ?? new Map()).keys()];
      return [...new Set(expected.sticky ? keys.map(stickyForm) : keys)].sort().join(' | ');
    };
    const forms = backends.map(form);
    if (new Set(forms).size > 1) {
      disagreements.push(
        `${cellName(o.cell)}: ${backends.map((b) => `${b.name} ${showSeen(o.seen.get(b.name))}`).join('; ')}; IR: ${expected.allowed.join(' | ')} (${expected.why})`,
      );
    }
    for (const b of backends) {
      const seen = o.seen.get(b.name) ?? new Map<string, number>();
      const problems: string[] = [];
      const extra = [...seen.keys()].filter((k) => !expected.allowed.includes(k));
      if (extra.length > 0) problems.push(`unexpected ${extra.join(', ')}`);
      const missing = expected.required.filter((g) => !g.some((k) => seen.has(k)));
      if (missing.length > 0) problems.push(`never saw ${missing.map((g) => g.join(' or ')).join(', ')}`);
      if (expected.sticky) {
        const targets = new Set([...seen.keys()].filter((k) => k.startsWith('dnat ')).map((k) => k.split(' ')[1]));
        if (targets.size !== 1) problems.push(`affinity: ${targets.size} endpoints seen from one source`);
      }
      if (problems.length > 0) {
        irMismatches.push(
          `${b.name}: ${cellName(o.cell)}: ${problems.join('; ')}; saw ${showSeen(seen)}; IR: ${expected.allowed.join(' | ')} (${expected.why})`,
        );
      }
    }
  }
  return { plan, outcomes, disagreements, irMismatches, skipped, probes };
}

/** A compact table of every cell: for reports and for debugging a failing test. */
export function formatReport(r: DifferentialReport, backends: readonly Backend[]): string {
  const lines: string[] = [];
  for (const o of r.outcomes) {
    lines.push(`${cellName(o.cell)}\n    IR: ${o.cell.expected.allowed.join(' | ')}  [${o.cell.expected.why}]`);
    for (const b of backends) lines.push(`    ${b.name}: ${showSeen(o.seen.get(b.name))}`);
  }
  return lines.join('\n');
}

/**
 * Start jobs at most `limit` at a time, eagerly; each result is settled (never an unhandled
 * rejection) so tests can await them one by one in their own order.
 */
export function startLimited<T>(jobs: (() => Promise<T>)[], limit: number): Promise<PromiseSettledResult<T>>[] {
  let running = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    running--;
    queue.shift()?.();
  };
  return jobs.map(
    (job) =>
      new Promise<PromiseSettledResult<T>>((resolve) => {
        const go = () => {
          running++;
          job()
            .then(
              (value) => resolve({ status: 'fulfilled', value }),
              (reason: unknown) => resolve({ status: 'rejected', reason }),
            )
            .finally(next);
        };
        if (running < limit) go();
        else queue.push(go);
      }),
  );
}

/** The value of a settled job, rethrowing its failure. */
export function settledValue<T>(r: PromiseSettledResult<T>): T {
  if (r.status === 'rejected') throw r.reason;
  return r.value;
}
