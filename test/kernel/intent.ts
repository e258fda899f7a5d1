// What the IR says should happen to one probe: a small, direct reading of the IR's packet
// semantics (docs/ir.md §3, after kube-proxy's pkg/proxy/iptables/proxier.go), independent of both
// backends. It answers in
// the prober's vocabulary (probe.ts observationKey) so kernel observations compare directly.
import { cidrContains, cidrOf, ipOf } from '../../common/ip.ts';
import type { IREndpointSet, IRLocalDetector, IRProgram, IRServicePort } from '../../compiler/ir/types.ts';
import type { Probe } from './probe.ts';
import { isLoopbackIP, type TopologyPlan } from './topology.ts';

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
const isLoopback = isLoopbackIP;

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
      return c.inIface?.startsWith(d.prefix) ?? false;
  }
}

const single = (key: string, why: string): Intent => ({ allowed: [key], required: [[key]], sticky: false, why });

/** Balance over a set; `base` = marked for masquerade before the endpoint is chosen. */
function balance(
  sp: IRServicePort,
  set: IREndpointSet | null,
  base: boolean,
  c: PacketContext,
  why: string,
  nodeLocal: readonly string[],
): Intent {
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

/** docs/ir.md §3.2/3.3: EXT (after FW for LB IPs). null = falls through (no DNAT). */
function external(
  sp: IRServicePort,
  viaLB: boolean,
  c: PacketContext,
  frontend: string,
  plan: TopologyPlan,
): Intent | null {
  const ext = sp.external?.ext;
  if (!ext) return null;
  if (viaLB && sp.firewall) {
    const src = c.probe.src;
    const allowed =
      sp.firewall.sourceRanges.some((r) => inCidr(r, src)) ||
      (sp.firewall.allowLoadBalancerIPs && sp.loadBalancerIPs.includes(src as never));
    if (!allowed) return null;
  }
  if (ext.policy === 'Cluster')
    return balance(sp, sp.cluster, true, c, `${frontend}: eTP=Cluster, masquerade`, plan.nodeLocal);
  if (ext.shortCircuitPods && isPod(sp.localDetector, c))
    return balance(sp, sp.cluster, false, c, `${frontend}: eTP=Local, pod source -> cluster`, plan.nodeLocal);
  if (c.srcLocal)
    return balance(
      sp,
      sp.cluster,
      true,
      c,
      `${frontend}: eTP=Local, LOCAL source -> cluster, masquerade`,
      plan.nodeLocal,
    );
  if (ext.toLocal) return balance(sp, sp.local, false, c, `${frontend}: eTP=Local -> local endpoints`, plan.nodeLocal);
  return null;
}

function nodePortDestination(ir: IRProgram, c: PacketContext): boolean {
  const dst = c.probe.dst;
  if (isLoopback(dst) && !ir.localhostNodePorts) return false;
  if (ir.nodePorts.kind === 'allLocal') return c.dstLocal;
  return ir.nodePorts.addresses.includes(dst as never);
}

/** docs/ir.md §3.1-3.4: the nat stage. null = not DNATed. */
function natStage(ir: IRProgram, plan: TopologyPlan, c: PacketContext): Intent | null {
  const { probe } = c;
  for (const sp of ir.servicePorts) {
    if (sp.protocol !== probe.proto || sp.port !== probe.dport) continue;
    const name = sp.servicePortName;
    if (sp.clusterIP === probe.dst && sp.internal.kind === 'balance') {
      const set = sp.internal.set === 'cluster' ? sp.cluster : sp.local;
      const base =
        sp.internalMasquerade === 'always' || (sp.internalMasquerade === 'ifNotLocal' && !isPod(sp.localDetector, c));
      return balance(
        sp,
        set,
        base,
        c,
        `${name} cluster IP -> ${sp.internal.set}${base ? ', masquerade' : ''}`,
        plan.nodeLocal,
      );
    }
    if (sp.hasEndpoints && sp.externalIPs.includes(probe.dst as never)) {
      const r = external(sp, false, c, `${name} external IP`, plan);
      if (r) return r;
    }
    if (sp.hasEndpoints && sp.loadBalancerIPs.includes(probe.dst as never)) {
      const r = external(sp, true, c, `${name} LB IP`, plan);
      if (r) return r;
    }
  }
  if (!nodePortDestination(ir, c)) return null;
  const sp = ir.servicePorts.find((s) => s.protocol === probe.proto && s.nodePort === probe.dport && s.hasEndpoints);
  return sp ? external(sp, false, c, `${sp.servicePortName} NodePort`, plan) : null;
}

type Hook = 'INPUT' | 'FORWARD' | 'OUTPUT';

/** docs/ir.md §3.6: the filter stage for a connection that was not DNATed. */
function filterStage(ir: IRProgram, c: PacketContext): Intent {
  const { probe } = c;
  const hooks: Hook[] =
    probe.from === 'node' ? (c.dstLocal ? ['OUTPUT', 'INPUT'] : ['OUTPUT']) : c.dstLocal ? ['INPUT'] : ['FORWARD'];
  const ports = ir.servicePorts.filter((sp) => sp.protocol === probe.proto);
  const dst = probe.dst as never;
  for (const hook of hooks) {
    for (const sp of ports) {
      if (sp.firewall && sp.port === probe.dport && sp.loadBalancerIPs.includes(dst)) {
        return single('drop', `${sp.servicePortName} LB IP: source outside loadBalancerSourceRanges (${hook})`);
      }
    }
    if (hook === 'INPUT') {
      const hc = ir.servicePorts.find((sp) => probe.proto === 'tcp' && sp.healthCheckNodePort === probe.dport);
      if (hc) return single('local', `${hc.servicePortName} health check node port accepted`);
    }
    const external = () => {
      for (const sp of ports) {
        const refuse = sp.external?.refuse;
        if (!refuse) continue;
        const onIP = sp.port === probe.dport && (sp.externalIPs.includes(dst) || sp.loadBalancerIPs.includes(dst));
        const onNodePort = sp.nodePort === probe.dport && c.dstLocal;
        if (onIP || onNodePort) return single(refuse, `${sp.servicePortName} external: ${refuse} (${hook})`);
      }
      return null;
    };
    const services = () => {
      for (const sp of ports) {
        if (sp.internal.kind === 'refuse' && sp.clusterIP === probe.dst && sp.port === probe.dport) {
          return single(sp.internal.verdict, `${sp.servicePortName} cluster IP: ${sp.internal.verdict} (${hook})`);
        }
      }
      return null;
    };
    const firewall = () =>
      ir.family === 'ipv4' && ir.localhostNodePorts && isLoopback(probe.dst) && !isLoopback(probe.src)
        ? single('drop', `localnet connection from a non-loopback source (${hook})`)
        : null;
    const chain =
      hook === 'INPUT' ? [external, firewall] : hook === 'FORWARD' ? [services, external] : [services, firewall];
    for (const step of chain) {
      const r = step();
      if (r) return r;
    }
  }
  return single(c.dstLocal ? 'local' : 'forward', 'no rule claims it');
}

/** The IR's outcome for one probe sent into the topology. */
export function intentOf(ir: IRProgram, plan: TopologyPlan, probe: Probe): Intent {
  const c: PacketContext = {
    probe,
    inIface: probe.from === 'client' ? plan.nodeExtIface : probe.from === 'pods' ? plan.nodePodIface : null,
    srcLocal: probe.from === 'node',
    dstLocal: plan.nodeLocal.includes(probe.dst) || isLoopback(probe.dst),
  };
  return natStage(ir, plan, c) ?? filterStage(ir, c);
}
