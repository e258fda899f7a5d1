// The exact-key tables the reference evaluator (evaluate.ts) dispatches through: built once per
// IRProgram and memoized, so evaluating a packet costs a few lookups, never a walk over every
// service port. Each table is what one kind of kube-proxy rule list matches on (docs/ir.md §3, §7.3).
import { joinHostPort } from '../../common/ip.ts';
import type { Protocol } from '../../common/kubernetes.ts';
import type { KeyTable } from './packet.ts';
import { keyTable } from './packet.ts';
import type { IRNoEndpointVerdict, IRProgram, IRServicePort } from './types.ts';

/** A nat frontend rule of KUBE-SERVICES: which service port, and how the packet entered it. */
export interface FrontendEntry {
  sp: IRServicePort;
  kind: 'cluster' | 'external' | 'loadBalancer';
}

/** A filter refuse rule; `order` is its position in kube-proxy's rule order (smaller = earlier). */
export interface RefuseEntry {
  order: number;
  verdict: IRNoEndpointVerdict;
  servicePortName: string;
}

export interface ProgramTables {
  /** nat KUBE-SERVICES frontend rules by (dst, protocol, dport), each key's rules in rule order. */
  frontends: KeyTable<readonly FrontendEntry[]>;
  /** nat KUBE-NODEPORTS by (protocol, dport): service ports with that NodePort and endpoints, in order. */
  nodePorts: KeyTable<readonly IRServicePort[]>;
  /** filter KUBE-PROXY-FIREWALL: LB IP frontends of ports with source ranges, by (dst, protocol, dport). */
  firewallDrop: KeyTable<string>;
  /** filter KUBE-NODEPORTS: health-check node ports by (protocol = tcp, dport). */
  healthChecks: KeyTable<string>;
  /** filter KUBE-SERVICES: cluster IPs without usable endpoints, by (dst, protocol, dport). */
  serviceRefuse: KeyTable<RefuseEntry>;
  /** filter KUBE-EXTERNAL-SERVICES, address rules: external and LB IPs, by (dst, protocol, dport). */
  externalRefuse: KeyTable<RefuseEntry>;
  /** filter KUBE-EXTERNAL-SERVICES, NodePort rules (with `dst` LOCAL), by (protocol, dport). */
  nodePortRefuse: KeyTable<RefuseEntry>;
}

const memo = new WeakMap<IRProgram, ProgramTables>();

/** The tables of a program (built on first use; the program must not change afterwards). */
export function tablesOf(ir: IRProgram): ProgramTables {
  let t = memo.get(ir);
  if (!t) memo.set(ir, (t = buildTables(ir)));
  return t;
}

type Key = readonly (string | number)[];

/** Groups values by key, keys in first-seen order, values in insertion order. */
function grouped<T>(): { add(key: Key, value: T): void; entries(): { key: Key; value: readonly T[] }[] } {
  const byKey = new Map<string, { key: Key; value: T[] }>();
  return {
    add(key, value) {
      const k = key.join(' ');
      const g = byKey.get(k);
      if (g) g.value.push(value);
      else byKey.set(k, { key, value: [value] });
    },
    entries: () => [...byKey.values()],
  };
}

function buildTables(ir: IRProgram): ProgramTables {
  const frontends = grouped<FrontendEntry>();
  const nodePorts = grouped<IRServicePort>();
  const firewallDrop: { key: Key; value: string }[] = [];
  const healthChecks: { key: Key; value: string }[] = [];
  const serviceRefuse: { key: Key; value: RefuseEntry }[] = [];
  const externalRefuse: { key: Key; value: RefuseEntry }[] = [];
  const nodePortRefuse: { key: Key; value: RefuseEntry }[] = [];
  const tcp: Protocol = 'tcp';

  ir.servicePorts.forEach((sp, i) => {
    const name = sp.servicePortName;
    const at = (ip: string): Key => [ip, sp.protocol, sp.port];
    // Within one service port kube-proxy writes the address refuse rules before the NodePort one.
    const refuse = (verdict: IRNoEndpointVerdict, sub: number): RefuseEntry => ({
      order: 2 * i + sub,
      verdict,
      servicePortName: name,
    });
    if (sp.internal.kind === 'balance') frontends.add(at(sp.clusterIP), { sp, kind: 'cluster' });
    else serviceRefuse.push({ key: at(sp.clusterIP), value: refuse(sp.internal.verdict, 0) });
    const ext = sp.external;
    if (ext?.ext) {
      for (const ip of sp.externalIPs) frontends.add(at(ip), { sp, kind: 'external' });
      for (const ip of sp.loadBalancerIPs) frontends.add(at(ip), { sp, kind: 'loadBalancer' });
      if (sp.nodePort !== null) nodePorts.add([sp.protocol, sp.nodePort], sp);
    }
    if (sp.firewall) for (const ip of sp.loadBalancerIPs) firewallDrop.push({ key: at(ip), value: name });
    if (ext?.refuse) {
      for (const ip of [...sp.externalIPs, ...sp.loadBalancerIPs])
        externalRefuse.push({ key: at(ip), value: refuse(ext.refuse, 0) });
      if (sp.nodePort !== null) nodePortRefuse.push({ key: [sp.protocol, sp.nodePort], value: refuse(ext.refuse, 1) });
    }
    if (sp.healthCheckNodePort !== null) healthChecks.push({ key: [tcp, sp.healthCheckNodePort], value: name });
  });

  const full = ['dst', 'protocol', 'dport'] as const;
  const short = ['protocol', 'dport'] as const;
  return {
    frontends: keyTable(full, frontends.entries()),
    nodePorts: keyTable(short, nodePorts.entries()),
    firewallDrop: keyTable(full, firewallDrop),
    healthChecks: keyTable(short, healthChecks),
    serviceRefuse: keyTable(full, serviceRefuse),
    externalRefuse: keyTable(full, externalRefuse),
    nodePortRefuse: keyTable(short, nodePortRefuse),
  };
}

/** Every frontend's key text, for error messages ("10.0.0.1:80/tcp"). */
export const frontendText = (ip: string, protocol: string, port: number): string =>
  `${joinHostPort(ip, port)}/${protocol}`;
