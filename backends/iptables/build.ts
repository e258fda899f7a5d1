// IR -> rule list, following kube-proxy's syncProxyRules templates and write order
// (pkg/proxy/iptables/proxier.go). Only spelling happens here: every decision is in the IR.
import type {
  IREndpoint,
  IRLocalDetector,
  IRNoEndpointVerdict,
  IRProgram,
  IRServicePort,
} from '../../compiler/ir/types.ts';
import { endpointChain, type ServiceChains, serviceChains } from './names.ts';
import type { Match, Rule, RuleSet, Target } from './rules.ts';

export interface BuildOptions {
  /** Add the builtin-chain jumps (INPUT/FORWARD/OUTPUT, PREROUTING/OUTPUT/POSTROUTING). */
  hooks?: boolean;
}

const C = {
  services: 'KUBE-SERVICES',
  external: 'KUBE-EXTERNAL-SERVICES',
  forward: 'KUBE-FORWARD',
  nodePorts: 'KUBE-NODEPORTS',
  proxyFirewall: 'KUBE-PROXY-FIREWALL',
  firewall: 'KUBE-FIREWALL',
  postrouting: 'KUBE-POSTROUTING',
  markMasq: 'KUBE-MARK-MASQ',
} as const;

const q = (text: string): Match => ({ kind: 'comment', text, quoted: true });
const bare = (text: string): Match => ({ kind: 'comment', text, quoted: false });
const jump = (chain: string): Target => ({ kind: 'jump', chain });
const verdictOf = (v: IRNoEndpointVerdict): Target => ({
  kind: 'verdict',
  verdict: v === 'reject' ? 'REJECT' : 'DROP',
});

/** Detector match: IfLocal (`-s CIDR`, `-i IF`, `-i PFX+`) or IfNotLocal (negated). */
function detectorMatch(d: IRLocalDetector, negate: boolean): Match[] {
  switch (d.kind) {
    case 'none':
      return [];
    case 'cidr':
      return [{ kind: 'src', addr: d.cidr, negate }];
    case 'interface':
      return [{ kind: 'in', name: d.name, negate }];
    case 'interfacePrefix':
      return [{ kind: 'in', name: `${d.prefix}+`, negate }];
  }
}

function hookRules(ir: IRProgram, table: 'filter' | 'nat'): Rule[] {
  const withFirewall = ir.family === 'ipv4' && ir.localhostNodePorts;
  const ctNew: Match = { kind: 'ctstate', negate: false, states: 'NEW' };
  const r = (chain: string, matches: Match[], target: string): Rule => ({ chain, matches, target: jump(target) });
  if (table === 'nat') {
    return [
      r('PREROUTING', [q('kubernetes service portals')], C.services),
      r('OUTPUT', [q('kubernetes service portals')], C.services),
      r('POSTROUTING', [q('kubernetes postrouting rules')], C.postrouting),
    ];
  }
  // The order a real node ends up with: kube-proxy's iptablesJumpChains are each inserted at position
  // 1 when missing (proxier.go), so they end up in reverse order.
  const fw = [ctNew, q('kubernetes load balancer firewall')];
  const out: Rule[] = [
    r('INPUT', fw, C.proxyFirewall),
    r('INPUT', [q('kubernetes health check service ports')], C.nodePorts),
    r('INPUT', [ctNew, q('kubernetes externally-visible service portals')], C.external),
  ];
  if (withFirewall) out.push(r('INPUT', [], C.firewall));
  out.push(
    r('FORWARD', fw, C.proxyFirewall),
    r('FORWARD', [q('kubernetes forwarding rules')], C.forward),
    r('FORWARD', [ctNew, q('kubernetes service portals')], C.services),
    r('FORWARD', [ctNew, q('kubernetes externally-visible service portals')], C.external),
    r('OUTPUT', fw, C.proxyFirewall),
    r('OUTPUT', [ctNew, q('kubernetes service portals')], C.services),
  );
  if (withFirewall) out.push(r('OUTPUT', [], C.firewall));
  return out;
}

/** Where rules go as they are built, in kube-proxy's write order (an array, or a renderer's sink). */
export interface Out<T> {
  push(...items: T[]): unknown;
}

export interface RuleSinks {
  filterChains: Out<string>;
  filterRules: Out<Rule>;
  natChains: Out<string>;
  natRules: Out<Rule>;
}

/** The rule list as data (tests, tools). Renderers stream through emitRules instead. */
export function buildRules(ir: IRProgram, options: BuildOptions = {}): RuleSet {
  const sinks = {
    filterChains: [] as string[],
    filterRules: [] as Rule[],
    natChains: [] as string[],
    natRules: [] as Rule[],
  };
  emitRules(ir, options, sinks);
  return {
    family: ir.family,
    tables: [
      { name: 'filter', chains: sinks.filterChains, rules: sinks.filterRules },
      { name: 'nat', chains: sinks.natChains, rules: sinks.natRules },
    ],
  };
}

/**
 * Build every rule once, handing each to the sinks as soon as it exists: at 100,000 endpoints,
 * rendering rules as they stream (instead of keeping ~1M match objects alive) halves the time.
 */
export function emitRules(ir: IRProgram, options: BuildOptions, sinks: RuleSinks): void {
  const { filterChains, filterRules, natChains, natRules } = sinks;
  filterChains.push(C.services, C.external, C.forward, C.nodePorts, C.proxyFirewall);
  natChains.push(C.services, C.nodePorts, C.postrouting, C.markMasq);
  if (options.hooks) {
    filterRules.push(...hookRules(ir, 'filter'));
    natRules.push(...hookRules(ir, 'nat'));
  }
  const mark = ir.masqueradeMark;

  natRules.push(
    {
      chain: C.postrouting,
      matches: [{ kind: 'mark', negate: true, value: mark }],
      target: { kind: 'verdict', verdict: 'RETURN' },
    },
    { chain: C.postrouting, matches: [], target: { kind: 'mark', op: 'xor', value: mark } },
    {
      chain: C.postrouting,
      matches: [q('kubernetes service traffic requiring SNAT')],
      target: { kind: 'masquerade', randomFully: ir.environment.randomFully },
    },
    { chain: C.markMasq, matches: [], target: { kind: 'mark', op: 'or', value: mark } },
  );
  if (ir.family === 'ipv4' && ir.localhostNodePorts) {
    filterChains.push(C.firewall);
    filterRules.push({
      chain: C.firewall,
      matches: [
        q('block incoming localnet connections'),
        { kind: 'dst', addr: '127.0.0.0/8', negate: false },
        { kind: 'src', addr: '127.0.0.0/8', negate: true },
        { kind: 'ctstate', negate: true, states: 'RELATED,ESTABLISHED,DNAT' },
      ],
      target: { kind: 'verdict', verdict: 'DROP' },
    });
  }

  let sepCache = new Map<string, string>();
  let sepOwner: IRServicePort | null = null;
  const sepName = (sp: IRServicePort, e: IREndpoint): string => {
    if (sepOwner !== sp) {
      sepOwner = sp;
      sepCache = new Map();
    }
    let n = sepCache.get(e.hostPort);
    if (n === undefined) sepCache.set(e.hostPort, (n = endpointChain(sp, e)));
    return n;
  };
  const ctx: ServiceContext = { ir, filterRules, natRules, natChains, sepName };
  for (const sp of ir.servicePorts) buildServicePort(ctx, sp);

  // NodePort tail rule(s): always last in nat KUBE-SERVICES.
  const tail = q('kubernetes service nodeports; NOTE: this must be the last rule in this chain');
  if (ir.nodePorts.kind === 'allLocal') {
    const m: Match[] = [tail, { kind: 'addrtype', dir: 'dst' }];
    if (ir.family === 'ipv6') m.push({ kind: 'dst', addr: '::1/128', negate: true });
    else if (!ir.localhostNodePorts) m.push({ kind: 'dst', addr: '127.0.0.0/8', negate: true });
    natRules.push({ chain: C.services, matches: m, target: jump(C.nodePorts) });
  } else {
    for (const addr of ir.nodePorts.addresses) {
      natRules.push({
        chain: C.services,
        matches: [tail, { kind: 'dst', addr, negate: false }],
        target: jump(C.nodePorts),
      });
    }
  }

  if (!ir.environment.conntrackLiberal) {
    const m: Match[] = [{ kind: 'ctstate', negate: false, states: 'INVALID' }];
    if (ir.environment.nfacct) m.push({ kind: 'nfacct', name: 'ct_state_invalid_dropped_pkts' });
    filterRules.push({ chain: C.forward, matches: m, target: { kind: 'verdict', verdict: 'DROP' } });
  }
  filterRules.push(
    {
      chain: C.forward,
      matches: [q('kubernetes forwarding rules'), { kind: 'mark', negate: false, value: mark }],
      target: { kind: 'verdict', verdict: 'ACCEPT' },
    },
    {
      chain: C.forward,
      matches: [
        q('kubernetes forwarding conntrack rule'),
        { kind: 'ctstate', negate: false, states: 'RELATED,ESTABLISHED' },
      ],
      target: { kind: 'verdict', verdict: 'ACCEPT' },
    },
  );
}

interface ServiceContext {
  ir: IRProgram;
  filterRules: Out<Rule>;
  natRules: Out<Rule>;
  natChains: Out<string>;
  /** KUBE-SEP chain of an endpoint of the current service port (hashed once per endpoint). */
  sepName(sp: IRServicePort, e: IREndpoint): string;
}

function buildServicePort(ctx: ServiceContext, sp: IRServicePort): void {
  const { ir, filterRules, natRules, natChains } = ctx;
  const name = sp.servicePortName;
  const ch: ServiceChains = serviceChains(sp);
  const proto: Match = { kind: 'proto', proto: sp.protocol };
  const to = (addr: string, port: number): Match[] => [
    proto,
    { kind: 'dst', addr, negate: false },
    { kind: 'dport', port },
  ];
  const refuseComment = (v: IRNoEndpointVerdict) =>
    q(v === 'reject' ? `${name} has no endpoints` : `${name} has no local endpoints`);
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
  } else {
    filterRules.push({
      chain: 'KUBE-SERVICES',
      matches: [refuseComment(sp.internal.verdict), ...to(sp.clusterIP, sp.port)],
      target: verdictOf(sp.internal.verdict),
    });
  }
  // (b) external IPs
  for (const eip of sp.externalIPs) {
    if (hasEndpoints)
      natRules.push({
        chain: 'KUBE-SERVICES',
        matches: [q(`${name} external IP`), ...to(eip, sp.port)],
        target: jump(ch.ext),
      });
    if (ext?.refuse)
      filterRules.push({
        chain: 'KUBE-EXTERNAL-SERVICES',
        matches: [refuseComment(ext.refuse), ...to(eip, sp.port)],
        target: verdictOf(ext.refuse),
      });
  }
  // (c) load-balancer IPs
  for (const lbip of sp.loadBalancerIPs) {
    if (hasEndpoints)
      natRules.push({
        chain: 'KUBE-SERVICES',
        matches: [q(`${name} loadbalancer IP`), ...to(lbip, sp.port)],
        target: jump(lbTarget),
      });
    if (sp.firewall) {
      filterRules.push({
        chain: 'KUBE-PROXY-FIREWALL',
        matches: [q(`${name} traffic not accepted by ${ch.fw}`), ...to(lbip, sp.port)],
        target: { kind: 'verdict', verdict: 'DROP' },
      });
    }
  }
  // (d)
  if (ext?.refuse) {
    for (const lbip of sp.loadBalancerIPs) {
      filterRules.push({
        chain: 'KUBE-EXTERNAL-SERVICES',
        matches: [refuseComment(ext.refuse), ...to(lbip, sp.port)],
        target: verdictOf(ext.refuse),
      });
    }
  }
  // (e) NodePort
  if (sp.nodePort !== null) {
    if (hasEndpoints) {
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
    if (ext?.refuse) {
      filterRules.push({
        chain: 'KUBE-EXTERNAL-SERVICES',
        matches: [
          refuseComment(ext.refuse),
          { kind: 'addrtype', dir: 'dst' },
          proto,
          { kind: 'dport', port: sp.nodePort },
        ],
        target: verdictOf(ext.refuse),
      });
    }
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
  // (g) internal masquerade
  if (sp.internal.kind === 'balance' && sp.internalMasquerade !== 'never') {
    const m: Match[] = [q(`${name} cluster IP`), ...to(sp.clusterIP, sp.port)];
    if (sp.internalMasquerade === 'ifNotLocal') m.push(...detectorMatch(sp.localDetector, true));
    natRules.push({ chain: internalChain, matches: m, target: jump('KUBE-MARK-MASQ') });
  }
  // (h) EXT chain
  if (ext?.ext) {
    natChains.push(ch.ext);
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
    natChains.push(ch.fw);
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
  if (sp.cluster) {
    natChains.push(ch.svc);
    endpointJumps(ctx, sp, ch.svc, sp.cluster.endpoints);
  }
  if (sp.local) {
    natChains.push(ch.svl);
    endpointJumps(ctx, sp, ch.svl, sp.local.endpoints);
  }
  // (l) SEP chains
  const comment = ir.largeCluster ? [] : [bare(name)];
  for (const e of sp.endpoints) {
    const sep = ctx.sepName(sp, e);
    natChains.push(sep);
    natRules.push({
      chain: sep,
      matches: [...comment, { kind: 'src', addr: e.ip, negate: false }],
      target: jump('KUBE-MARK-MASQ'),
    });
    const m: Match[] = [...comment];
    if (sp.affinity) m.push({ kind: 'recentSet', name: sep });
    m.push(proto);
    natRules.push({ chain: sep, matches: m, target: { kind: 'dnat', to: e.hostPort } });
  }
}

function endpointJumps(ctx: ServiceContext, sp: IRServicePort, chain: string, eps: IRServicePort['endpoints']): void {
  const { natRules, ir } = ctx;
  const comment = (hostPort: string): Match[] => (ir.largeCluster ? [] : [q(`${sp.servicePortName} -> ${hostPort}`)]);
  if (sp.affinity) {
    for (const e of eps) {
      const sep = ctx.sepName(sp, e);
      natRules.push({
        chain,
        matches: [...comment(e.hostPort), { kind: 'recentCheck', name: sep, seconds: sp.affinity.timeoutSeconds }],
        target: jump(sep),
      });
    }
  }
  const n = eps.length;
  eps.forEach((e, i) => {
    const m = comment(e.hostPort);
    if (i < n - 1) m.push({ kind: 'statistic', n: n - i });
    natRules.push({ chain, matches: m, target: jump(ctx.sepName(sp, e)) });
  });
}
