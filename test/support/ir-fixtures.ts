// Hand-built IR programs and packets for the evaluator's unit tests: small, explicit, and checked
// by validateIR when built (a test never exercises an IR the lowering could not produce in spirit).
import * as assert from 'uvu/assert';
import { type CIDRText, type IPText, joinHostPort } from '../../common/ip.ts';
import { evaluate } from '../../compiler/ir/evaluate.ts';
import { type Distribution, outcomeKey } from '../../compiler/ir/outcome.ts';
import { concreteView, type Packet, type PacketTest, type PacketView } from '../../compiler/ir/packet.ts';
import type { IREndpoint, IRProgram, IRServicePort } from '../../compiler/ir/types.ts';
import { validateIR } from '../../compiler/ir/validate.ts';

export const ip = (s: string) => s as IPText;
export const cidr = (s: string) => s as CIDRText;

export const endpoint = (addr: string, port: number, isLocal = false): IREndpoint => ({
  ip: ip(addr),
  port,
  hostPort: joinHostPort(addr, port),
  isLocal,
});

export const NODE_IP = '192.168.0.10';
export const POD_CIDR = '10.244.0.0/16';
/** A pod source (inside POD_CIDR), an outside client, a node-local source. */
export const POD = '10.244.1.5';
export const OUTSIDE = '198.51.100.7';

type ServicePortInput = Partial<IRServicePort> & { name: string };

/** A service port with ready cluster endpoints, balanced internally, masquerading non-pod sources. */
export function servicePort(o: ServicePortInput): IRServicePort {
  const portName = o.portName ?? 'p';
  const cluster = o.cluster === undefined ? { endpoints: [endpoint('10.244.1.11', 8080)] } : o.cluster;
  const local = o.local ?? null;
  const union = new Map<string, IREndpoint>();
  for (const e of [...(cluster?.endpoints ?? []), ...(local?.endpoints ?? [])]) union.set(e.hostPort, e);
  return {
    namespace: 'ns',
    portName,
    servicePortName: portName === '' ? `ns/${o.name}` : `ns/${o.name}:${portName}`,
    protocol: 'tcp',
    clusterIP: ip('10.96.0.1'),
    port: 80,
    externalIPs: [],
    loadBalancerIPs: [],
    nodePort: null,
    healthCheckNodePort: null,
    internalTrafficPolicy: 'Cluster',
    externalTrafficPolicy: 'Cluster',
    localDetector: { kind: 'cidr', cidr: cidr(POD_CIDR) },
    affinity: null,
    hasEndpoints: true,
    internal: { kind: 'balance', set: 'cluster' },
    internalMasquerade: 'ifNotLocal',
    external: null,
    firewall: null,
    endpoints: [...union.values()].sort((a, b) => (a.hostPort < b.hostPort ? -1 : 1)),
    ...o,
    cluster,
    local,
  };
}

/** A validated program on node-a (192.168.0.10), IPv4, default kube-proxy settings. */
export function program(servicePorts: IRServicePort[], o: Partial<IRProgram> = {}): IRProgram {
  const ir: IRProgram = {
    version: 1,
    family: 'ipv4',
    node: 'node-a',
    nodeIPs: [ip(NODE_IP)],
    primaryNodeIP: ip(NODE_IP),
    masqueradeMark: 0x4000,
    masqueradeAll: false,
    localDetector: { kind: 'cidr', cidr: cidr(POD_CIDR) },
    nodePorts: { kind: 'allLocal' },
    localhostNodePorts: true,
    environment: { nfacct: true, randomFully: true, conntrackLiberal: false },
    totalEndpoints: servicePorts.reduce((n, sp) => n + sp.endpoints.length, 0),
    largeCluster: servicePorts.reduce((n, sp) => n + sp.endpoints.length, 0) > 1000,
    servicePorts: [...servicePorts].sort((a, b) => (a.servicePortName < b.servicePortName ? -1 : 1)),
    ...o,
  };
  assert.equal(validateIR(ir), [], 'fixture IR is valid');
  return ir;
}

/** A new TCP connection from an outside client arriving on eth0, mark 0, no affinity records. */
export function packet(o: Partial<Omit<Packet, 'src' | 'dst'>> & { src?: string; dst: string }): Packet {
  return {
    path: 'arriving',
    protocol: 'tcp',
    sport: 40000,
    dport: 80,
    inInterface: o.path === 'local' ? null : 'eth0',
    mark: 0,
    ct: { state: 'new', dnat: false },
    affinityAges: {},
    ...o,
    src: ip(o.src ?? OUTSIDE),
    dst: ip(o.dst),
  };
}

/** "p outcome" lines, e.g. "1/2 accept dnat 10.244.1.11:8080 masquerade-fully-random mark 0x0". */
export function show(d: Distribution): string[] {
  return d.map((w) => `${w.p.den === 1n ? w.p.num : `${w.p.num}/${w.p.den}`} ${outcomeKey(w.outcome)}`);
}

/** Evaluate a concrete packet and show the distribution. */
export const run = (ir: IRProgram, p: Packet): string[] => show(evaluate(ir, concreteView(p)));

/** A concrete view that also records every question asked. */
export function recordingView(p: Packet): { view: PacketView; tests: PacketTest[]; lookups: () => number } {
  const base = concreteView(p);
  const tests: PacketTest[] = [];
  let lookups = 0;
  const view: PacketView = {
    test(t) {
      tests.push(t);
      return base.test(t);
    },
    lookup(table) {
      lookups++;
      return base.lookup(table);
    },
  };
  return { view, tests, lookups: () => lookups };
}
