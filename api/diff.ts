// A semantic diff: how two versions of a cluster's services route packets differently on a node.
// Each version is compiled to the ruleset the node would load (iptables by default, or nftables),
// the two rulesets are read back by the verifier's own readers, and the verifier's engine compares
// them exactly, as it compares the iptables and nftables output of one version: every packet class
// where the old and the new ruleset give a different outcome (endpoint or probability, masquerade,
// drop or reject, affinity record) is a change, with a readable witness packet, the region of
// packets that change the same way, both distributions and both rule paths. A byte-wise diff of the
// rulesets shows hashed chain names and reordered rules; this shows what happens to traffic.
import { appendAll } from '../common/append.ts';
import type { Diagnostic } from '../common/diagnostics.ts';
import { type Family, ipOf } from '../common/ip.ts';
import { answersNodePorts } from '../compiler/ir/evaluate.ts';
import type { Packet } from '../compiler/ir/packet.ts';
import type { IRProgram, IRServicePort } from '../compiler/ir/types.ts';
import { affinityListNames, affinityNaming } from '../verifier/affinity-names.ts';
import { verifyCodes } from '../verifier/codes.ts';
import type { Counterexample } from '../verifier/counterexample.ts';
import { refuseOversizedCheck } from '../verifier/engine/memory-estimate.ts';
import { readIptables } from '../verifier/iptables/index.ts';
import { type Backend, emptyProgram, type NetfilterProgram } from '../verifier/model/program.ts';
import { readNftables } from '../verifier/nftables/index.ts';
import {
  type ArtifactInput,
  prepareVerify,
  runVerify,
  type ShardFrontend,
  type VerifyProgress,
  type VerifyReport,
} from '../verifier/verify.ts';
import { checked, countOptionErrors } from './checked.ts';
import { type ServicePortChanges, summarizeChanges } from './diff-summary.ts';
import { compileIptables } from './iptables.ts';
import { nodeText } from './labels.ts';
import { compileNftables } from './nftables.ts';
import type { ArtifactText } from './verify.ts';

/** The names a diff gives its two sides (comparisons 'old=new', distributions and traces by side). */
export const DIFF_SIDES = ['old', 'new'] as const;
export type DiffSide = (typeof DIFF_SIDES)[number];

/** The DiffOptions that are counts (countOptionErrors). */
const DIFF_COUNTS = ['maxChanges', 'changesCounted'] as const;

export interface DiffOptions {
  /** the ruleset both versions are compared as (default iptables: what kube-proxy loads) */
  backend?: Backend;
  /** distinct changes reported (default 50) */
  maxChanges?: number;
  /** evaluate one shard per shape (default true) */
  shapes?: boolean;
  /** changes past maxChanges counted for the summary (default 100,000: past it, stats.differencesCapped) */
  changesCounted?: number;
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
  /** the changes by service port: endpoints reached or no longer, what else changes (diff-summary.ts) */
  summary: ServicePortChanges[];
  /**
   * Every service port some packet to it changes for, in either version — past maxChanges too
   * (the summary covers the changes shown); empty without a model
   */
  changedServicePorts: ServicePortRef[];
  /** service ports of each version (null: a ruleset compared without its model) */
  servicePorts: Record<DiffSide, number | null>;
}

/** One version as the engine compares it: its ruleset as read, and its IR when it comes from one. */
interface Version {
  program: NetfilterProgram;
  ir: IRProgram | null;
}

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
  const counts = { old: old.servicePorts.length, new: next.servicePorts.length };
  const diagnostics = countOptionErrors(options, DIFF_COUNTS);
  if (diagnostics.length > 0) return { run: emptyRun(family, node, backend, counts), diagnostics };
  const versions: Partial<Record<DiffSide, Version>> = {};
  for (const [side, ir] of [
    ['old', old],
    ['new', next],
  ] as const) {
    options.progress?.({ stage: 'read', backend });
    const program = readBack(ir, backend, `<${side} ${backend}${nodeText(ir.node)}, ${family}>`, diagnostics);
    if (program !== null) versions[side] = { program, ir };
  }
  return { run: compareVersions(family, node, backend, versions, counts, options, diagnostics), diagnostics };
}

export interface ArtifactDiffInput extends Omit<DiffOptions, 'backend'> {
  old: ArtifactText;
  new: ArtifactText;
  /** what both texts are: iptables-restore or iptables-save text, or nft JSON */
  backend: Backend;
  /** one family (default: every family either ruleset has) */
  family?: Family;
  /** the nft table holding kube-proxy's rules (default kube-proxy) */
  nftTable?: string;
}

/**
 * Two rulesets from anywhere (a node's iptables-save before and after an upgrade, two nft
 * listings) compared as diffRouting compares two versions' output: one run per family either has
 * (a family only one has rules for is compared with no rules).
 * Without a model the node's addresses are unknown, so locality is left free, and no service port
 * is named.
 */
export function diffArtifacts(input: ArtifactDiffInput): { runs: DiffRun[]; diagnostics: Diagnostic[] } {
  const diagnostics = countOptionErrors(input, DIFF_COUNTS);
  if (diagnostics.length > 0) return { runs: [], diagnostics };
  const read: Record<DiffSide, NetfilterProgram[]> = { old: [], new: [] };
  for (const side of DIFF_SIDES) {
    input.progress?.({ stage: 'read', backend: input.backend });
    read[side] = readRulesets(input.backend, input[side], input, diagnostics);
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { runs: [], diagnostics };
  const runs: DiffRun[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const versions: Partial<Record<DiffSide, Version>> = {};
    for (const side of DIFF_SIDES) {
      const program = read[side].find((p) => p.family === family);
      if (program) versions[side] = { program, ir: null };
    }
    if (!versions.old && !versions.new) continue;
    // A family one ruleset has no rules for (an nft table removed or added) is compared with no
    // rules at all: every packet its rules routed is routed otherwise now, which is a change.
    const missing = DIFF_SIDES.find((side) => !versions[side]);
    if (missing !== undefined) {
      diagnostics.push(verifyCodes['diff-family-missing']({ file: input[missing].file, span: null }, missing, family));
      versions[missing] = { program: emptyProgram(input.backend, family), ir: null };
    }
    const counts = { old: null, new: null };
    runs.push(compareVersions(family, null, input.backend, versions, counts, input, diagnostics));
  }
  return { runs, diagnostics };
}

/** A run without a report: nothing was compared (a ruleset missing, an option refused). */
const emptyRun = (
  family: Family,
  node: string | null,
  backend: Backend,
  servicePorts: DiffRun['servicePorts'],
): DiffRun => ({
  node,
  family,
  backend,
  report: null,
  changes: [],
  summary: [],
  changedServicePorts: [],
  servicePorts,
});

/** The engine on the two versions' rulesets (a run without a report when either is missing). */
function compareVersions(
  family: Family,
  node: string | null,
  backend: Backend,
  versions: Partial<Record<DiffSide, Version>>,
  servicePorts: DiffRun['servicePorts'],
  options: Omit<DiffOptions, 'backend'>,
  diagnostics: Diagnostic[],
): DiffRun {
  const empty = emptyRun(family, node, backend, servicePorts);
  const { old, new: next } = versions;
  if (!old || !next) return empty;
  const artifacts: ArtifactInput[] = DIFF_SIDES.map((name) => {
    const v = versions[name]!;
    const naming = affinityNaming(v.ir, backend === 'nftables' ? affinityListNames(v.program) : []);
    return { backend, name, program: v.program, canonicalList: naming[backend] };
  });
  // Which addresses are the node's: the rules test locality (addrtype LOCAL, fib), so both sides
  // are evaluated against the same set. Without a model, or when the versions give the node
  // different addresses, the set is left free (every packet is checked both as local and as not).
  const nodeIPs = old.ir && next.ir ? { old: old.ir.nodeIPs, new: next.ir.nodeIPs } : null;
  const sameNode = nodeIPs !== null && sameAddresses(nodeIPs.old, nodeIPs.new);
  const at = `<diff${nodeText(node)}, ${family}>`;
  const prepared = checked(family, at, diagnostics, () => {
    // the engine runs without an IR here: each version's model is counted for the memory guard
    for (const v of [old, next]) if (v.ir) refuseOversizedCheck(v.ir);
    options.progress?.({ stage: 'prepare' });
    return prepareVerify({
      family,
      ir: null,
      artifacts,
      consumeArtifacts: true,
      locality: sameNode ? { mode: 'concrete', addresses: nodeIPs.new } : { mode: 'universal', addresses: [] },
      maxFindings: options.maxChanges ?? 50,
      // one change per frontend: every service port a change reaches gets named
      groupByShard: true,
      // the summary covers every change, the ones past maxChanges too
      keepUnreported: true,
      ...(options.changesCounted !== undefined ? { differencesCounted: options.changesCounted } : {}),
      ...(options.shapes !== undefined ? { shapes: options.shapes } : {}),
      ...(options.progress ? { progress: options.progress } : {}),
    });
  });
  const report = prepared && checked(family, at, diagnostics, () => runVerify(prepared));
  if (report === null) return empty;
  if (nodeIPs !== null && !sameNode) {
    report.notes.push(
      `the node's ${family} addresses differ between the versions (${addressList(nodeIPs.old)} / ${addressList(nodeIPs.new)}): which addresses are local was left free`,
    );
  }
  const named = (v: Version, witness: Packet) => (v.ir ? servicePortsAddressed(v.ir, witness) : []);
  const changes = report.counterexamples.map((cx) => ({
    counterexample: cx,
    servicePorts: { old: named(old, cx.witness), new: named(next, cx.witness) },
  }));

  // the summary names a difference by its shard's frontend, printed or not, so that it does not
  // depend on --max-changes (a witness can stand at a local address for classes that are not);
  // a printed one of a shard without a frontend (packets not new, ports no rule names) by its
  // witness's destination, which is all there is to name it by
  const atFrontend = (v: Version, f: ShardFrontend | null, dstLocal: boolean | null) =>
    v.ir && f ? servicePortsAtFrontend(v.ir, f, dstLocal) : [];
  const byFrontend = (f: ShardFrontend | null, dstLocal: boolean | null) => ({
    old: atFrontend(old, f, dstLocal),
    new: atFrontend(next, f, dstLocal),
  });
  const summarized = [
    ...changes.map((ch, i) => {
      const at = report.counterexampleFrontends[i]!;
      const servicePorts = at.frontend === null ? ch.servicePorts : byFrontend(at.frontend, at.dstLocal);
      return { ...ch.counterexample, servicePorts };
    }),
    ...report.unreported.map((u) => ({ ...u, servicePorts: byFrontend(u.frontend, u.dstLocal) })),
  ];
  // every service port the summary names, and those of exact frontends past the changes counted
  const changed = new Map<string, ServicePortRef>();
  for (const c of summarized)
    for (const ref of [...c.servicePorts.old, ...c.servicePorts.new]) changed.set(ref.servicePortName, ref);
  for (const f of report.differingFrontends) {
    if (f.dst === null) continue;
    for (const v of [old, next])
      for (const ref of v.ir ? servicePortsAtFrontend(v.ir, f) : []) changed.set(ref.servicePortName, ref);
  }
  return {
    ...empty,
    report,
    changes,
    summary: summarizeChanges(summarized),
    changedServicePorts: [...changed.values()].sort((a, b) => (a.servicePortName < b.servicePortName ? -1 : 1)),
  };
}

/**
 * A ruleset's programs as the verifier's reader reads them (iptables: one family, kube-proxy's
 * hooks assumed when it has none), of `family` when given; diagnostics to `diagnostics`.
 */
function readRulesets(
  backend: Backend,
  { text, file }: ArtifactText,
  o: { family?: Family; nftTable?: string },
  diagnostics: Diagnostic[],
): NetfilterProgram[] {
  if (backend === 'iptables') {
    const r = readIptables(text, { file, ...(o.family ? { family: o.family } : {}), assumeHooks: true });
    appendAll(diagnostics, r.diagnostics);
    return r.program ? [r.program] : [];
  }
  const r = readNftables(text, { file, ...(o.nftTable ? { table: o.nftTable } : {}) });
  appendAll(diagnostics, r.diagnostics);
  return r.programs.filter((p) => o.family === undefined || p.family === o.family);
}

/** The version's ruleset, compiled and read back by the verifier's reader; null if unreadable. */
function readBack(ir: IRProgram, backend: Backend, file: string, diagnostics: Diagnostic[]): NetfilterProgram | null {
  const text = backend === 'iptables' ? compileIptables(ir) : compileNftables([ir]);
  return readRulesets(backend, { text, file }, { family: ir.family }, diagnostics)[0] ?? null;
}

const addressList = (ips: readonly string[]) => (ips.length === 0 ? 'none' : ips.join(', '));

function sameAddresses(a: readonly string[], b: readonly string[]): boolean {
  const values = (l: readonly string[]) => [...new Set(l.map((ip) => ipOf(ip).value))].sort((x, y) => (x < y ? -1 : 1));
  const [x, y] = [values(a), values(b)];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * The service ports a frontend belongs to — a destination, protocol and port (a witness packet's,
 * or a shard's key; a null destination is the port on every other destination): its cluster IP,
 * an external or load-balancer IP at the service port, or its NodePort (or health-check port) at a
 * LOCAL address or anywhere else. A name for the reader, not a decision: the outcomes come from
 * the rules.
 */
function servicePortsAtFrontend(ir: IRProgram, f: ShardFrontend, dstLocal: boolean | null = null): ServicePortRef[] {
  const index = frontendIndexOf(ir);
  const at = (dst: string) => index.get(`${f.protocol}/${f.port}/${dst}`) ?? [];
  // a NodePort (or health-check port) is reached at a LOCAL address or a port-only frontend, but
  // only past the exact frontends: kube-proxy's NodePort jump ends KUBE-SERVICES, so a cluster,
  // external or load-balancer IP of a service port with endpoints takes the packet first (one
  // without endpoints has no nat rule there, and the packet goes on to the NodePorts)
  const exact = f.dst === null ? [] : at(ipOf(f.dst).value.toString());
  // a port-only frontend's classes say whether their destinations were local (null: some were,
  // named by no NodePort: 127.255.255.255 beside the rest of 127/8 is one such class); a known
  // destination answers NodePorts as kube-proxy's scope says (--nodeport-addresses, localhost)
  const answers = f.dst === null ? dstLocal === true : answersNodePorts(ir, f.dst);
  const nodePortReached = answers && !exact.some((e) => e.sp.hasEndpoints);
  const found = [...exact, ...(nodePortReached ? at('*') : [])];
  const refs = new Map<string, ServicePortRef>();
  for (const { sp } of found.sort((a, b) => a.order - b.order)) {
    if (!refs.has(sp.servicePortName)) {
      refs.set(sp.servicePortName, { namespace: sp.namespace, name: sp.name, servicePortName: sp.servicePortName });
    }
  }
  return [...refs.values()];
}

/**
 * A program's service ports by frontend, 'protocol/port/address' (cluster, external and
 * load-balancer IPs at the service port, the address as a number) and 'protocol/port/*' (the
 * NodePort; a health-check node port is TCP whatever the service port's protocol), with each
 * one's position in the IR: a diff names thousands of frontends.
 */
const frontendIndexes = new WeakMap<IRProgram, Map<string, { sp: IRServicePort; order: number }[]>>();
function frontendIndexOf(ir: IRProgram): Map<string, { sp: IRServicePort; order: number }[]> {
  let index = frontendIndexes.get(ir);
  if (index) return index;
  index = new Map();
  for (const [order, sp] of ir.servicePorts.entries()) {
    const keys = new Set(
      [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs].map(
        (ip) => `${sp.protocol}/${sp.port}/${ipOf(ip).value}`,
      ),
    );
    if (sp.nodePort !== null) keys.add(`${sp.protocol}/${sp.nodePort}/*`);
    if (sp.healthCheckNodePort !== null) keys.add(`tcp/${sp.healthCheckNodePort}/*`);
    for (const k of keys) {
      const list = index.get(k);
      if (list) list.push({ sp, order });
      else index.set(k, [{ sp, order }]);
    }
  }
  frontendIndexes.set(ir, index);
  return index;
}

/** The service ports whose frontends the packet `p` is addressed to (servicePortsAtFrontend). */
const servicePortsAddressed = (ir: IRProgram, p: Packet): ServicePortRef[] =>
  servicePortsAtFrontend(ir, { dst: p.dst, protocol: p.protocol, port: p.dport });
