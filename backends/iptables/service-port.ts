// One service port's rules, in kube-proxy's order (syncProxyRules' per-service part): its filter
// rules, its nat chains and its nat rules, each built on its own so that a renderer can write the
// chain list before the nat rules (build.ts). The letters follow the order of the rules written.
import type { IRNoEndpointVerdict, IRProgram, IRServicePort } from '../../compiler/ir/types.ts';
import { bare, detectorMatch, jump, q, verdictOf } from './matches.ts';
import type { ChainNames, ServiceChains } from './names.ts';
import type { Match, Out, Rule } from './rules.ts';

export interface NatContext {
  ir: IRProgram;
  natRules: Out<Rule>;
  names: ChainNames;
}

const portMatches = (proto: Match, addr: string, port: number): Match[] => [
  proto,
  { kind: 'dst', addr, negate: false },
  { kind: 'dport', port },
];

const refuseComment = (name: string, v: IRNoEndpointVerdict) =>
  q(v === 'reject' ? `${name} has no endpoints` : `${name} has no local endpoints`);

/** A service port's filter rules, in kube-proxy's order (the letters match servicePortNatRules'). */
export function servicePortFilterRules(filterRules: Out<Rule>, sp: IRServicePort, ch: ServiceChains): void {
  const name = sp.servicePortName;
  const proto: Match = { kind: 'proto', proto: sp.protocol };
  const ext = sp.external;
  // (a) cluster IP without endpoints
  if (sp.internal.kind !== 'balance') {
    filterRules.push({
      chain: 'KUBE-SERVICES',
      matches: [refuseComment(name, sp.internal.verdict), ...portMatches(proto, sp.clusterIP, sp.port)],
      target: verdictOf(sp.internal.verdict),
    });
  }
  // (b) external IPs
  if (ext?.refuse) {
    for (const eip of sp.externalIPs)
      filterRules.push({
        chain: 'KUBE-EXTERNAL-SERVICES',
        matches: [refuseComment(name, ext.refuse), ...portMatches(proto, eip, sp.port)],
        target: verdictOf(ext.refuse),
      });
  }
  // (c) load-balancer IPs
  if (sp.firewall) {
    for (const lbip of sp.loadBalancerIPs)
      filterRules.push({
        chain: 'KUBE-PROXY-FIREWALL',
        matches: [q(`${name} traffic not accepted by ${ch.fw}`), ...portMatches(proto, lbip, sp.port)],
        target: { kind: 'verdict', verdict: 'DROP' },
      });
  }
  // (d)
  if (ext?.refuse) {
    for (const lbip of sp.loadBalancerIPs) {
      filterRules.push({
        chain: 'KUBE-EXTERNAL-SERVICES',
        matches: [refuseComment(name, ext.refuse), ...portMatches(proto, lbip, sp.port)],
        target: verdictOf(ext.refuse),
      });
    }
  }
  // (e) NodePort
  if (sp.nodePort !== null && ext?.refuse) {
    filterRules.push({
      chain: 'KUBE-EXTERNAL-SERVICES',
      matches: [
        refuseComment(name, ext.refuse),
        { kind: 'addrtype', dir: 'dst' },
        proto,
        { kind: 'dport', port: sp.nodePort },
      ],
      target: verdictOf(ext.refuse),
    });
  }
  // (f) health check node port
  if (sp.healthCheckNodePort !== null) {
    filterRules.push({
      chain: 'KUBE-NODEPORTS',
      matches: [
        q(`${name} health check node port`),
        { kind: 'proto', proto: 'tcp' },
        { kind: 'dport', port: sp.healthCheckNodePort },
      ],
      target: { kind: 'verdict', verdict: 'ACCEPT' },
    });
  }
}

/** A service port's nat chains, in the order servicePortNatRules fills them. */
export function servicePortNatChains(
  natChains: Out<string>,
  sp: IRServicePort,
  ch: ServiceChains,
  names: ChainNames,
): void {
  if (sp.external?.ext) natChains.push(ch.ext);
  if (sp.firewall) natChains.push(ch.fw);
  if (sp.cluster) natChains.push(ch.svc);
  if (sp.local) natChains.push(ch.svl);
  for (const e of sp.endpoints) natChains.push(names.endpoint(sp, e));
}

export function servicePortNatRules(ctx: NatContext, sp: IRServicePort, ch: ServiceChains): void {
  const { ir, natRules } = ctx;
  const name = sp.servicePortName;
  const proto: Match = { kind: 'proto', proto: sp.protocol };
  const to = (addr: string, port: number): Match[] => portMatches(proto, addr, port);
  const internalChain = sp.internal.kind === 'balance' && sp.internal.set === 'local' ? ch.svl : ch.svc;
  const ext = sp.external;
  const hasEndpoints = sp.hasEndpoints;
  const lbTarget = sp.firewall ? ch.fw : ch.ext;

  // (a) cluster IP
  if (sp.internal.kind === 'balance') {
    natRules.push({
      chain: 'KUBE-SERVICES',
      matches: [q(`${name} cluster IP`), ...to(sp.clusterIP, sp.port)],
      target: jump(internalChain),
    });
  }
  // (b) external IPs
  if (hasEndpoints) {
    for (const eip of sp.externalIPs)
      natRules.push({
        chain: 'KUBE-SERVICES',
        matches: [q(`${name} external IP`), ...to(eip, sp.port)],
        target: jump(ch.ext),
      });
  }
  // (c) load-balancer IPs
  if (hasEndpoints) {
    for (const lbip of sp.loadBalancerIPs)
      natRules.push({
        chain: 'KUBE-SERVICES',
        matches: [q(`${name} loadbalancer IP`), ...to(lbip, sp.port)],
        target: jump(lbTarget),
      });
  }
  // (e) NodePort
  if (sp.nodePort !== null && hasEndpoints) {
    if (ir.family === 'ipv4' && ir.localhostNodePorts && ir.environment.nfacct) {
      natRules.push({
        chain: 'KUBE-NODEPORTS',
        matches: [
          bare(name),
          proto,
          { kind: 'dst', addr: '127.0.0.0/8', negate: false },
          { kind: 'dport', port: sp.nodePort },
          { kind: 'nfacct', name: 'localhost_nps_accepted_pkts' },
        ],
        target: jump(ch.ext),
      });
    }
    natRules.push({
      chain: 'KUBE-NODEPORTS',
      matches: [bare(name), proto, { kind: 'dport', port: sp.nodePort }],
      target: jump(ch.ext),
    });
  }
  // (g) internal masquerade
  if (sp.internal.kind === 'balance' && sp.internalMasquerade !== 'never') {
    const m: Match[] = [q(`${name} cluster IP`), ...to(sp.clusterIP, sp.port)];
    if (sp.internalMasquerade === 'ifNotLocal') m.push(...detectorMatch(sp.localDetector, true));
    natRules.push({ chain: internalChain, matches: m, target: jump('KUBE-MARK-MASQ') });
  }
  // (h) EXT chain
  if (ext?.ext) {
    if (ext.ext.policy === 'Cluster') {
      natRules.push({
        chain: ch.ext,
        matches: [q(`masquerade traffic for ${name} external destinations`)],
        target: jump('KUBE-MARK-MASQ'),
      });
      natRules.push({ chain: ch.ext, matches: [], target: jump(ch.svc) });
    } else {
      if (ext.ext.shortCircuitPods) {
        natRules.push({
          chain: ch.ext,
          matches: [q(`pod traffic for ${name} external destinations`), ...detectorMatch(sp.localDetector, false)],
          target: jump(ch.svc),
        });
      }
      natRules.push({
        chain: ch.ext,
        matches: [q(`masquerade LOCAL traffic for ${name} external destinations`), { kind: 'addrtype', dir: 'src' }],
        target: jump('KUBE-MARK-MASQ'),
      });
      natRules.push({
        chain: ch.ext,
        matches: [q(`route LOCAL traffic for ${name} external destinations`), { kind: 'addrtype', dir: 'src' }],
        target: jump(ch.svc),
      });
      if (ext.ext.toLocal) natRules.push({ chain: ch.ext, matches: [], target: jump(ch.svl) });
    }
  }
  // (i) FW chain
  if (sp.firewall) {
    const c = q(`${name} loadbalancer IP`);
    for (const range of sp.firewall.sourceRanges)
      natRules.push({ chain: ch.fw, matches: [c, { kind: 'src', addr: range, negate: false }], target: jump(ch.ext) });
    if (sp.firewall.allowLoadBalancerIPs) {
      for (const lbip of sp.loadBalancerIPs)
        natRules.push({ chain: ch.fw, matches: [c, { kind: 'src', addr: lbip, negate: false }], target: jump(ch.ext) });
    }
    natRules.push({
      chain: ch.fw,
      matches: [q(`other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL`)],
      target: null,
    });
  }
  // (j)/(k) SVC and SVL
  if (sp.cluster) endpointJumps(ctx, sp, ch.svc, sp.cluster.endpoints);
  if (sp.local) endpointJumps(ctx, sp, ch.svl, sp.local.endpoints);
  // (l) SEP chains
  // (per endpoint: lists built directly, not spread from a shared one, and one MARK-MASQ target)
  const comment = ir.largeCluster ? null : bare(name);
  const markMasq = jump('KUBE-MARK-MASQ');
  const eps = sp.endpoints;
  for (let i = 0; i < eps.length; i++) {
    const e = eps[i]!;
    const sep = ctx.names.endpoint(sp, e);
    const src: Match = { kind: 'src', addr: e.ip, negate: false };
    natRules.push({ chain: sep, matches: comment === null ? [src] : [comment, src], target: markMasq });
    // lists written whole: a push onto [] gives it room for 17 (~150 bytes per rule)
    const m: Match[] = sp.affinity
      ? comment === null
        ? [{ kind: 'recentSet', name: sep }, proto]
        : [comment, { kind: 'recentSet', name: sep }, proto]
      : comment === null
        ? [proto]
        : [comment, proto];
    natRules.push({ chain: sep, matches: m, target: { kind: 'dnat', to: e.hostPort } });
  }
}

function endpointJumps(ctx: NatContext, sp: IRServicePort, chain: string, eps: IRServicePort['endpoints']): void {
  const { natRules, ir } = ctx;
  const comment = (hostPort: string): Match[] => (ir.largeCluster ? [] : [q(`${sp.servicePortName} -> ${hostPort}`)]);
  if (sp.affinity) {
    for (const e of eps) {
      const sep = ctx.names.endpoint(sp, e);
      natRules.push({
        chain,
        matches: [...comment(e.hostPort), { kind: 'recentCheck', name: sep, seconds: sp.affinity.timeoutSeconds }],
        target: jump(sep),
      });
    }
  }
  const n = eps.length;
  for (let i = 0; i < n; i++) {
    const e = eps[i]!;
    // written whole, not pushed onto a fresh list (which grows room for 17)
    let m: Match[];
    if (i < n - 1) {
      const statistic: Match = { kind: 'statistic', n: n - i };
      m = ir.largeCluster ? [statistic] : [q(`${sp.servicePortName} -> ${e.hostPort}`), statistic];
    } else m = comment(e.hostPort);
    natRules.push({ chain, matches: m, target: jump(ctx.names.endpoint(sp, e)) });
  }
}
