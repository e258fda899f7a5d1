// A semantic diff: how two versions of a cluster's services route packets differently on a node.
// Each version is compiled to the ruleset the node would load (iptables by default, or nftables),
// the two rulesets are read back by the verifier's own readers, and the verifier's engine compares
// them exactly, as it compares the iptables and nftables output of one version: every packet class
// where the old and the new ruleset give a different outcome (endpoint or probability, masquerade,
// drop or reject, affinity record) is a change, with a readable witness packet, the region of
// packets that change the same way, both distributions and both rule paths. A byte-wise diff of the
// rulesets shows hashed chain names and reordered rules; this shows what happens to traffic.
import type { Diagnostic } from '../common/diagnostics.ts';
import { type Family, ipOf } from '../common/ip.ts';
import type { Packet } from '../compiler/ir/packet.ts';
import type { IRProgram, IRServicePort } from '../compiler/ir/types.ts';
import { affinityListNames, affinityNaming } from '../verifier/affinity-names.ts';
import { readIptables } from '../verifier/iptables/index.ts';
import type { Backend, NetfilterProgram } from '../verifier/model/program.ts';
import { readNftables } from '../verifier/nftables/index.ts';
import {
  type ArtifactInput,
  type Counterexample,
  prepareVerify,
  runVerify,
  type VerifyProgress,
  type VerifyReport,
} from '../verifier/verify.ts';
import { compileIptables } from './iptables.ts';
import { compileNftables } from './nftables.ts';
import { checked } from './verify.ts';

/** The names a diff gives its two sides (comparisons 'old=new', distributions and traces by side). */
export const DIFF_SIDES = ['old', 'new'] as const;
export type DiffSide = (typeof DIFF_SIDES)[number];

export interface DiffOptions {
  /** the ruleset both versions are compared as (default iptables: what kube-proxy loads) */
  backend?: Backend;
  /** distinct changes reported (default 50) */
  maxChanges?: number;
  /** evaluate one shard per shape (default true) */
  shapes?: boolean;
  progress?: (p: VerifyProgress) => void;
}

/** A service port by name: its service (namespace, name) and kube-proxy's ServicePortName. */
export interface ServicePortRef {
  namespace: string;
  name: string;
  servicePortName: string;
}

/** One way packets are routed differently, and the service ports its witness is addressed to. */
export interface RoutingChange {
  counterexample: Counterexample;
  /** the service ports whose frontend (cluster IP, external or LB IP, NodePort) the witness addresses */
  servicePorts: Record<DiffSide, ServicePortRef[]>;
}

export interface DiffRun {
  node: string | null;
  family: Family;
  backend: Backend;
  /** null when a ruleset could not be read or checked (see diagnostics) */
  report: VerifyReport | null;
  changes: RoutingChange[];
  /** service ports of each version */
  servicePorts: Record<DiffSide, number>;
}

const nodeText = (node: string | null) => (node === null ? '' : `, node ${node}`);

/**
 * Compare how `old` and `next` (one node, one family each) route every packet. The report's
 * comparison is 'old=new': equivalent means no packet is routed differently.
 */
export function diffRouting(
  old: IRProgram,
  next: IRProgram,
  options: DiffOptions = {},
): { run: DiffRun; diagnostics: Diagnostic[] } {
  if (old.family !== next.family) throw new Error('diffRouting: the two programs are of different families');
  const backend = options.backend ?? 'iptables';
  const family = old.family;
  const node = next.node ?? old.node;
  const diagnostics: Diagnostic[] = [];
  const empty: DiffRun = {
    node,
    family,
    backend,
    report: null,
    changes: [],
    servicePorts: { old: old.servicePorts.length, new: next.servicePorts.length },
  };
  const artifacts: ArtifactInput[] = [];
  for (const [name, ir] of [
    ['old', old],
    ['new', next],
  ] as const) {
    options.progress?.({ stage: 'read', backend });
    const program = readBack(ir, backend, `<${name} ${backend}${nodeText(ir.node)}, ${family}>`, diagnostics);
    if (program === null) return { run: empty, diagnostics };
    const naming = affinityNaming(ir, backend === 'nftables' ? affinityListNames(program) : []);
    artifacts.push({ backend, name, program, canonicalList: naming[backend] });
  }
  // Which addresses are the node's: the rules test locality (addrtype LOCAL, fib), so both sides
  // are evaluated against the same set. When the versions give the node different addresses, the
  // set is left free (every packet is checked both as local and as not).
  const sameNode = sameAddresses(old.nodeIPs, next.nodeIPs);
  const at = `<diff${nodeText(node)}, ${family}>`;
  const prepared = checked(family, at, diagnostics, () => {
    options.progress?.({ stage: 'prepare' });
    return prepareVerify({
      family,
      ir: null,
      artifacts,
      consumeArtifacts: true,
      locality: sameNode ? { mode: 'concrete', addresses: next.nodeIPs } : { mode: 'universal', addresses: [] },
      maxFindings: options.maxChanges ?? 50,
      ...(options.shapes !== undefined ? { shapes: options.shapes } : {}),
      ...(options.progress ? { progress: options.progress } : {}),
    });
  });
  const report = prepared && checked(family, at, diagnostics, () => runVerify(prepared));
  if (report === null) return { run: empty, diagnostics };
  if (!sameNode) {
    report.notes.push(
      `the node's ${family} addresses differ between the versions (${addressList(old.nodeIPs)} / ${addressList(next.nodeIPs)}): which addresses are local was left free`,
    );
  }
  const changes = report.counterexamples.map((cx) => ({
    counterexample: cx,
    servicePorts: { old: servicePortsAddressed(old, cx.witness), new: servicePortsAddressed(next, cx.witness) },
  }));
  return { run: { ...empty, report, changes }, diagnostics };
}

/** The version's ruleset, compiled and read back by the verifier's reader; null if unreadable. */
function readBack(ir: IRProgram, backend: Backend, file: string, diagnostics: Diagnostic[]): NetfilterProgram | null {
  if (backend === 'iptables') {
    const r = readIptables(compileIptables(ir), { file, family: ir.family, assumeHooks: true });
    diagnostics.push(...r.diagnostics);
    return r.program ?? null;
  }
  const r = readNftables(compileNftables([ir]), { file });
  diagnostics.push(...r.diagnostics);
  return r.programs.find((p) => p.family === ir.family) ?? null;
}

const addressList = (ips: readonly string[]) => (ips.length === 0 ? 'none' : ips.join(', '));

function sameAddresses(a: readonly string[], b: readonly string[]): boolean {
  const values = (l: readonly string[]) => [...new Set(l.map((ip) => ipOf(ip).value))].sort((x, y) => (x < y ? -1 : 1));
  const [x, y] = [values(a), values(b)];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * The service ports whose frontends `p` is addressed to: its cluster IP, an external or
 * load-balancer IP at the service port, or its NodePort (or health-check port) at one of the
 * node's addresses. A name for the reader, not a decision: the outcomes come from the rules.
 */
export function servicePortsAddressed(ir: IRProgram, p: Packet): ServicePortRef[] {
  const dst = ipOf(p.dst).value;
  const same = (ip: string) => ipOf(ip).value === dst;
  const atNode = ir.nodeIPs.some(same) || (ir.family === 'ipv4' ? p.dst.startsWith('127.') : p.dst === '::1');
  const addressed = (sp: IRServicePort) =>
    (sp.protocol === p.protocol &&
      ((p.dport === sp.port && [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs].some(same)) ||
        (atNode && p.dport === sp.nodePort))) ||
    // a health-check node port is TCP whatever the service port's protocol
    (atNode && p.protocol === 'tcp' && p.dport === sp.healthCheckNodePort);
  const refs = new Map<string, ServicePortRef>();
  for (const sp of ir.servicePorts) {
    if (addressed(sp) && !refs.has(sp.servicePortName)) {
      refs.set(sp.servicePortName, { namespace: sp.namespace, name: sp.name, servicePortName: sp.servicePortName });
    }
  }
  return [...refs.values()];
}
