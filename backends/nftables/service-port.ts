// One service port of the IR -> its dispatch elements (service-ips, service-nodeports, the
// no-endpoint and firewall maps), its masquerade-set elements, its hairpin addresses, and the
// few chains it still needs: external-/nodeport- (eTP=Local), firewall- (source ranges), and
// service-/local- only when the shared balance chains cannot serve it (ClientIP affinity, or
// endpoints of one set with different target ports). docs/nftables.md §1.4–1.6.
import type { IREndpoint, IRLocalDetector, IRServicePort } from '../../compiler/ir/types.ts';
import { type Balancers, type KeyKind, randomBelow, type SetKind, samePort } from './balance.ts';
import { detectorMatch } from './detector.ts';
import {
  and,
  cidrExpr,
  concat,
  dnat,
  drop,
  type Expr,
  type FamilySpelling,
  fib,
  goto,
  jump,
  markForMasquerade,
  match,
  meta,
  or,
  payload,
  type Stmt,
  setRef,
  setUpdate,
} from './json.ts';
import { type ServicePortNames, servicePortNames } from './names.ts';
import { cascadeThresholds } from './probability.ts';
import { type Atom, type Chain, ElementList, type NamedSet } from './ruleset.ts';

/** What the per-service-port renderer writes into (the family's collections). */
export interface ServicePortContext {
  f: FamilySpelling;
  mark: number;
  balancers: Balancers;
  /** Per-service-port chains, in IR order. */
  chains: Chain[];
  affinitySets: NamedSet[];
  serviceIPs: ElementList;
  serviceNodePorts: ElementList;
  firewallIPs: ElementList;
  noEndpointServices: ElementList;
  noEndpointExternalIPs: ElementList;
  noEndpointNodePorts: ElementList;
  /** ClusterIP frontends to mark for masquerade, grouped by the condition (detector, or none = always). */
  clusterIPsMasquerade: Map<string, { detector: IRLocalDetector | null; list: ElementList }>;
  externalIPsMasquerade: ElementList;
  nodePortsMasquerade: ElementList;
  healthCheckNodePorts: Set<number>;
  /** Every endpoint address (the hairpin set holds each as `ip . ip`). */
  hairpin: Set<string>;
  /** the last detector's group id (detectorId) */
  lastDetector: { detector: IRLocalDetector; id: string } | null;
}

const refuseVerdict = (v: 'reject' | 'drop'): Stmt => (v === 'reject' ? goto('reject-chain') : drop);
const FIB_SADDR_LOCAL = match('==', fib('saddr'), 'local');

/**
 * A detector's group id, its JSON text: the last detector's kept on the render's context, since
 * service ports nearly all share one detector object (the cluster's), and JSON.stringify per service
 * port showed in profiles. Within one render the IR is not written to, so an object's text does not
 * change; a library caller may change it between two renders, and each has a context of its own.
 */
function detectorId(ctx: ServicePortContext, detector: IRLocalDetector): string {
  const last = ctx.lastDetector;
  if (last !== null && last.detector === detector) return last.id;
  const id = JSON.stringify(detector);
  ctx.lastDetector = { detector, id };
  return id;
}

export function servicePort(ctx: ServicePortContext, sp: IRServicePort): void {
  const { f } = ctx;
  // Most service ports (a ClusterIP balanced by the shared chains) need no name of their own, and a
  // name costs a SHA-256: made on first use.
  let names: ServicePortNames | undefined;
  const n = (): ServicePortNames => (names ??= servicePortNames(sp));
  const markMasq = markForMasquerade(ctx.mark);
  const ipKey = (ip: string): Atom[] => [ip, sp.protocol, sp.port];
  const npKey: Atom[] | null = sp.nodePort === null ? null : [sp.protocol, sp.nodePort];
  for (const e of sp.endpoints) ctx.hairpin.add(e.ip);
  if (sp.healthCheckNodePort !== null) ctx.healthCheckNodePorts.add(sp.healthCheckNodePort);

  const explicit = sp.affinity !== null || [sp.cluster, sp.local].some((s) => s !== null && !samePort(s.endpoints));
  if (explicit) explicitChains(ctx, sp, n());
  /**
   * The chain that balances `frontends` (all of this service port) over its `which` set and DNATs:
   * service-…/local-… for an explicit service port, else the shared balance chain (one for all of
   * them: the set fixes its endpoint count and target port), after registering each frontend's
   * DNAT addresses.
   */
  const balance = (which: SetKind, keys: KeyKind, frontends: Atom[][]): string => {
    const set = which === 'cluster' ? sp.cluster : sp.local;
    if (set === null) throw new Error(`internal error: ${sp.servicePortName} has no ${which} endpoint set`);
    if (explicit) return which === 'cluster' ? n().service : n().local;
    const targets = new Set(frontends.map((k) => ctx.balancers.target(which, keys, k, set.endpoints)));
    if (targets.size !== 1) throw new Error(`internal error: ${sp.servicePortName}: ${targets.size} balance chains`);
    return [...targets][0]!;
  };
  const chain = (name: string): Chain => {
    const c: Chain = { name, rules: [] };
    ctx.chains.push(c);
    return c;
  };

  // ClusterIP (iptables: the KUBE-SERVICES rule, and KUBE-SVC's masquerade rule)
  const cipKey = ipKey(sp.clusterIP);
  if (sp.internal.kind === 'balance') {
    ctx.serviceIPs.add({ key: cipKey, value: goto(balance(sp.internal.set, 'ips', [cipKey])) });
    if (sp.internalMasquerade !== 'never') {
      const detector = sp.internalMasquerade === 'always' ? null : sp.localDetector;
      const id = detector === null ? 'always' : detectorId(ctx, detector);
      let group = ctx.clusterIPsMasquerade.get(id);
      if (group === undefined) {
        group = { detector, list: new ElementList('cluster-ips-masquerade') };
        ctx.clusterIPsMasquerade.set(id, group);
      }
      group.list.add({ key: cipKey });
    }
  } else {
    ctx.noEndpointServices.add({
      key: cipKey,
      value: refuseVerdict(sp.internal.verdict),
      comment: sp.servicePortName,
    });
  }

  const external = sp.external;
  if (external === null) return;
  const { ext, refuse } = external;
  const firewall = ext !== null ? sp.firewall : null;
  const addressKeys = [...sp.externalIPs, ...sp.loadBalancerIPs].map(ipKey);
  if (ext?.policy === 'Cluster') {
    // KUBE-EXT (eTP=Cluster): masquerade, balance over the cluster set. The mark is set by a set
    // lookup in `services`, before the dispatch (the dispatch of these frontends always DNATs).
    const direct = firewall === null ? addressKeys : sp.externalIPs.map(ipKey);
    for (const key of direct) {
      ctx.externalIPsMasquerade.add({ key });
      ctx.serviceIPs.add({ key, value: goto(balance('cluster', 'ips', [key])) });
    }
    if (npKey !== null) {
      ctx.nodePortsMasquerade.add({ key: npKey });
      ctx.serviceNodePorts.add({ key: npKey, value: goto(balance('cluster', 'nodeports', [npKey])) });
    }
    if (firewall !== null && sp.loadBalancerIPs.length > 0) {
      const target = balance('cluster', 'ips', sp.loadBalancerIPs.map(ipKey));
      chain(n().external).rules.push({ expr: [markMasq, goto(target)] });
    }
  } else if (ext?.policy === 'Local') {
    // KUBE-EXT (eTP=Local): pods short-circuit to the cluster set, node-local sources are
    // masqueraded into the cluster set, the rest go to the local set or fall through (not DNATed).
    const local = (keys: KeyKind, frontends: Atom[][], name: string): void => {
      const c = chain(name);
      const cluster = balance('cluster', keys, frontends);
      if (ext.shortCircuitPods) c.rules.push({ expr: [detectorMatch(sp.localDetector, f, true), goto(cluster)] });
      c.rules.push({ expr: [FIB_SADDR_LOCAL, markMasq, goto(cluster)] });
      if (ext.toLocal) c.rules.push({ expr: [goto(balance('local', keys, frontends))] });
    };
    const explicitNodePort = explicit && npKey !== null;
    if (addressKeys.length > 0 || explicitNodePort) local('ips', addressKeys, n().external);
    for (const ip of sp.externalIPs) ctx.serviceIPs.add({ key: ipKey(ip), value: jump(n().external) });
    if (firewall === null)
      for (const ip of sp.loadBalancerIPs) ctx.serviceIPs.add({ key: ipKey(ip), value: jump(n().external) });
    if (npKey !== null) {
      if (!explicit) local('nodeports', [npKey], n().nodePort);
      ctx.serviceNodePorts.add({ key: npKey, value: jump(explicit ? n().external : n().nodePort) });
    }
  }
  // KUBE-FW: allowed sources continue to external-…, the rest fall through (and are dropped in the
  // filter hook by firewall-ips).
  if (firewall !== null && sp.loadBalancerIPs.length > 0) {
    const c = chain(n().firewall);
    const saddr = payload(f.l3, 'saddr');
    for (const cidr of firewall.sourceRanges)
      c.rules.push({ expr: [match('==', saddr, cidrExpr(cidr)), goto(n().external)] });
    if (firewall.allowLoadBalancerIPs)
      for (const ip of sp.loadBalancerIPs) c.rules.push({ expr: [match('==', saddr, ip), goto(n().external)] });
    for (const ip of sp.loadBalancerIPs) {
      ctx.serviceIPs.add({ key: ipKey(ip), value: jump(n().firewall) });
      ctx.firewallIPs.add({ key: ipKey(ip), value: drop });
    }
  }
  if (refuse !== null) {
    for (const key of addressKeys)
      ctx.noEndpointExternalIPs.add({ key, value: refuseVerdict(refuse), comment: sp.servicePortName });
    if (npKey !== null)
      ctx.noEndpointNodePorts.add({ key: npKey, value: refuseVerdict(refuse), comment: sp.servicePortName });
  }
}

/**
 * The affinity lookup key `saddr . E.ip . E.port`, the endpoint part written `saddr & 0 | ip` and
 * `th dport & 0 | port`: constants typed by the expression they mask (nft 1.0.6 cannot type a bare
 * constant inside a concatenation on the left of a lookup), computed by the kernel as one bitwise
 * step each, (reg & 0) ^ constant. The update statement is typed by its set and takes plain constants.
 */
function affinityLookupKey(f: FamilySpelling, ep: IREndpoint): Expr {
  const saddr = payload(f.l3, 'saddr');
  return concat(
    saddr,
    or(and(saddr, f.l3 === 'ip' ? '0.0.0.0' : '::'), ep.ip),
    or(and(payload('th', 'dport'), 0), ep.port),
  );
}

/**
 * service-… / local-… with one rule per endpoint: [affinity checks, in set order,] then the
 * cascade. Every rule DNATs (and with affinity records the client for that endpoint), so the
 * chain is the whole of iptables' KUBE-SVC/KUBE-SVL + KUBE-SEP path for this service port.
 */
function explicitChains(ctx: ServicePortContext, sp: IRServicePort, n: ServicePortNames): void {
  const { f } = ctx;
  const l4 = match('==', meta('l4proto'), sp.protocol);
  const saddr = payload(f.l3, 'saddr');
  if (sp.affinity !== null && sp.endpoints.length > 0) {
    ctx.affinitySets.push({
      kind: 'set',
      name: n.affinity,
      type: [f.addrType, f.addrType, 'inet_service'],
      flags: ['timeout'],
      timeout: sp.affinity.timeoutSeconds,
      elements: [],
    });
  }
  const dnatTo = (ep: IREndpoint): Stmt[] =>
    sp.affinity === null
      ? [l4, dnat(ep.ip, ep.port)]
      : [l4, setUpdate(concat(saddr, ep.ip, ep.port), n.affinity), dnat(ep.ip, ep.port)];
  for (const [name, set] of [
    [n.service, sp.cluster],
    [n.local, sp.local],
  ] as const) {
    if (set === null) continue;
    const c: Chain = { name, rules: [] };
    ctx.chains.push(c);
    const members = set.endpoints;
    if (sp.affinity !== null) {
      for (const ep of members)
        c.rules.push({ expr: [match('==', affinityLookupKey(f, ep), setRef(n.affinity)), ...dnatTo(ep)] });
    }
    const thresholds = cascadeThresholds(members.length);
    members.forEach((ep, i) => {
      const t = thresholds[i];
      c.rules.push({ expr: t === undefined ? dnatTo(ep) : [randomBelow(t), ...dnatTo(ep)] });
    });
  }
}
