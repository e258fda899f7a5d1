// What the IR says should happen to one probe: a small, direct reading of the IR's packet
// semantics (docs/ir.md, kube-proxy-iptables.md §3), independent of both backends. It answers in
// the prober's vocabulary (probe.ts observationKey) so kernel observations compare directly.
import { cidrContains, cidrOf, ipOf } from '../../common/ip.ts';
import type { IREndpointSet, IRLocalDetector, IRProgram, IRServicePort } from '../../compiler/ir/types.ts';
import type { Probe } from './probe.ts';
import type { TopologyPlan } from './topology.ts';

export interface Intent {
  /** Every outcome key the IR allows for this probe. */
  allowed: string[];
  /**
   * Groups of keys of which, over enough probes, at least one each must be seen: one group per
   * endpoint of a balanced set (a group has two keys when masquerade is unobservable), or the
   * single outcome. Empty with ClientIP affinity.
   */
  required: string[][];
  /** ClientIP affinity: all probes from one source stick to one endpoint (one target seen). */
  sticky: boolean;
  /** Human-readable reason, for reports. */
  why: string;
}

const inCidr = (cidr: string, ip: string) => cidrContains(cidrOf(cidr), ipOf(ip));
const isLoopback = (ip: string) => ip.startsWith('127.');

interface PacketContext {
  probe: Probe;
  inIface: string | null;
  srcLocal: boolean;
  dstLocal: boolean;
}

function isPod(d: IRLocalDetector, c: PacketContext): boolean {
  switch (d.kind) {
    case 'none':
      return false;
    case 'cidr':
      return inCidr(d.cidr, c.probe.src);
    case 'interface':
      return c.inIface === d.name;
    case 'interfacePrefix':
      return c.inIface !== null && c.inIface.startsWith(d.prefix);
  }
}

const single = (key: string, why: string): Intent => ({ allowed: [key], required: [[key]], sticky: false, why });

function notClaimed(c: PacketContext, why: string): Intent {
  return single(c.dstLocal ? 'local' : 'forward', why);
}

/** Balance over a set; `base` = marked for masquerade before the endpoint is chosen. */
function balance(sp: IRServicePort, set: IREndpointSet | null, base: boolean, c: PacketContext, why: string, nodeLocal: readonly string[]): Intent {
  const eps = set?.endpoints ?? [];
  if (eps.length === 0) return single('odd empty-set', `${why}: IR balances over an empty set`);
  const groups: string[][] = [];
  for (const e of eps) {
    const target = `dnat ${e.ip}:${e.port}`;
    const masq = base || e.ip === c.probe.src; // the SEP hairpin rule
    const toNode = nodeLocal.includes(e.ip) || isLoopback(e.ip);
    // DNAT to one of the node's own addresses: a forwarded packet is delivered locally and never
    // reaches POSTROUTING (no masquerade); a node-originated one leaves through lo, where
    // MASQUERADE may keep the very same source, so the decision is not observable: allow both.
    if (toNode && c.probe.from === 'node') groups.push([target, `${target} masq`]);
    else if (toNode) groups.push([target]);
    else groups.push([masq ? `${target} masq` : target]);
  }
  const sticky = sp.affinity !== null;
  return { allowed: groups.flat(), required: sticky ? [] : groups, sticky, why };
}

function external(ir: IRProgram, sp: IRServicePort, viaLB: boolean, c: PacketContext, frontend: string, plan: TopologyPlan): Intent {
  const ext = sp.external;
  if (!ext) return single('odd no-external', `${frontend}: IR has a frontend but no external block`);
  if (viaLB && sp.firewall) {
    const src = c.probe.src;
    const allowed = sp.firewall.sourceRanges.some((r) => inCidr(r, src)) || (sp.firewall.allowLoadBalancerIPs && sp.loadBalancerIPs.includes(src as never));
    if (!allowed) return single('drop', `${frontend}: source outside loadBalancerSourceRanges`);
  }
  if (ext.ext === null) {
    return ext.refuse ? single(ext.refuse, `${frontend}: no endpoints (${ext.refuse})`) : notClaimed(c, `${frontend}: no ext chain`);
  }
  if (ext.ext.policy === 'Cluster') return balance(sp, sp.cluster, true, c, `${frontend}: eTP=Cluster, masquerade`, plan.nodeLocal);
  if (ext.ext.shortCircuitPods && isPod(sp.localDetector, c)) return balance(sp, sp.cluster, false, c, `${frontend}: eTP=Local, pod source -> cluster`, plan.nodeLocal);
  if (c.srcLocal) return balance(sp, sp.cluster, true, c, `${frontend}: eTP=Local, LOCAL source -> cluster, masquerade`, plan.nodeLocal);
  if (ext.ext.toLocal) return balance(sp, sp.local, false, c, `${frontend}: eTP=Local -> local endpoints`, plan.nodeLocal);
  return ext.refuse ? single(ext.refuse, `${frontend}: eTP=Local, no local endpoints (${ext.refuse})`) : notClaimed(c, `${frontend}: eTP=Local falls through`);
}

function nodePortMatches(ir: IRProgram, c: PacketContext): boolean {
  const dst = c.probe.dst;
  if (isLoopback(dst) && !ir.localhostNodePorts) return false;
  if (ir.nodePorts.kind === 'allLocal') return c.dstLocal;
  return ir.nodePorts.addresses.includes(dst as never);
}

/** The IR's outcome for one probe sent into the topology. */
export function intentOf(ir: IRProgram, plan: TopologyPlan, probe: Probe): Intent {
  const c: PacketContext = {
    probe,
    inIface: probe.from === 'client' ? plan.nodeExtIface : probe.from === 'pods' ? plan.nodePodIface : null,
    srcLocal: probe.from === 'node',
    dstLocal: plan.nodeLocal.includes(probe.dst) || isLoopback(probe.dst),
  };
  const same = (sp: IRServicePort) => sp.protocol === probe.proto && sp.port === probe.dport;
  for (const sp of ir.servicePorts) {
    if (!same(sp)) continue;
    const name = sp.servicePortName;
    if (sp.clusterIP === probe.dst) {
      if (sp.internal.kind === 'refuse') return single(sp.internal.verdict, `${name} cluster IP: refused (${sp.internal.verdict})`);
      const set = sp.internal.set === 'cluster' ? sp.cluster : sp.local;
      const base = sp.internalMasquerade === 'always' || (sp.internalMasquerade === 'ifNotLocal' && !isPod(sp.localDetector, c));
      return balance(sp, set, base, c, `${name} cluster IP -> ${sp.internal.set}`, plan.nodeLocal);
    }
    if (sp.externalIPs.includes(probe.dst as never)) return external(ir, sp, false, c, `${name} external IP`, plan);
    if (sp.loadBalancerIPs.includes(probe.dst as never)) return external(ir, sp, true, c, `${name} LB IP`, plan);
  }
  for (const sp of ir.servicePorts) {
    if (sp.protocol === probe.proto && sp.nodePort === probe.dport && nodePortMatches(ir, c)) {
      return external(ir, sp, false, c, `${sp.servicePortName} NodePort`, plan);
    }
  }
  return notClaimed(c, 'no frontend matches');
}
