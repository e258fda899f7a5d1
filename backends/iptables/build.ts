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
 * The chain names of each service port (hashed once, kept for both passes of a streaming render).
 * Endpoint objects are not assumed to be unique to a service port: names are kept per service port
 * and endpoint hostPort.
 */
export interface ChainNames {
  service(sp: IRServicePort): ServiceChains;
  /** KUBE-SEP chain of an endpoint of `sp`. */
  endpoint(sp: IRServicePort, e: IREndpoint): string;
}

export function chainNames(): ChainNames {
  const services = new Map<IRServicePort, ServiceChains>();
  const endpoints = new Map<IRServicePort, Map<string, string>>();
  return {
    service(sp) {
      let ch = services.get(sp);
      if (ch === undefined) services.set(sp, (ch = serviceChains(sp)));
      return ch;
    },
    endpoint(sp, e) {
      let bySp = endpoints.get(sp);
      if (bySp === undefined) endpoints.set(sp, (bySp = new Map()));
      let n = bySp.get(e.hostPort);
      if (n === undefined) bySp.set(e.hostPort, (n = endpointChain(sp, e)));
      return n;
    },
  };
}

/**
 * Build every rule once, handing each to the sinks as soon as it exists: at 100,000 endpoints,
 * rendering rules as they stream (instead of keeping ~1M match objects alive) halves the time.
 * The filter table and every chain name come first, then the nat rules (each sink receives what
 * kube-proxy writes, in its order): a renderer that must write the nat chain list before the nat
 * rules calls the two halves itself (restore.ts).
 */
export function emitRules(ir: IRProgram, options: BuildOptions, sinks: RuleSinks): void {
  const names = chainNames();
  emitFilterAndChains(ir, options, sinks, names);
  for (const _ of emitNatRules(ir, options, sinks.natRules, names));
}

/** Filter chains and rules, and the nat chain list (everything but the nat rules). */
export function emitFilterAndChains(
  ir: IRProgram,
  options: BuildOptions,
  sinks: Omit<RuleSinks, 'natRules'>,
  names: ChainNames,
): void {
  const { filterChains, filterRules, natChains } = sinks;
  filterChains.push(C.services, C.external, C.forward, C.nodePorts, C.proxyFirewall);
  natChains.push(C.services, C.nodePorts, C.postrouting, C.markMasq);
  if (options.hooks) filterRules.push(...hookRules(ir, 'filter'));
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
  for (const sp of ir.servicePorts) {
    const ch = names.service(sp);
    servicePortFilterRules(filterRules, sp, ch);
    servicePortNatChains(natChains, sp, ch, names);
  }
  const mark = ir.masqueradeMark;
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

/**
 * The nat rules, in order; the generator pauses after each service port, so that a renderer can
 * write what is done before the next one is built.
 */
export function* emitNatRules(
  ir: IRProgram,
  options: BuildOptions,
  natRules: Out<Rule>,
  names: ChainNames,
): Generator<void> {
  if (options.hooks) natRules.push(...hookRules(ir, 'nat'));
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
  const ctx: NatContext = { ir, natRules, names };
  for (const sp of ir.servicePorts) {
    servicePortNatRules(ctx, sp, names.service(sp));
    yield;
  }

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
}

interface NatContext {
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
function servicePortFilterRules(filterRules: Out<Rule>, sp: IRServicePort, ch: ServiceChains): void {
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
function servicePortNatChains(natChains: Out<string>, sp: IRServicePort, ch: ServiceChains, names: ChainNames): void {
  if (sp.external?.ext) natChains.push(ch.ext);
  if (sp.firewall) natChains.push(ch.fw);
  if (sp.cluster) natChains.push(ch.svc);
  if (sp.local) natChains.push(ch.svl);
  for (const e of sp.endpoints) natChains.push(names.endpoint(sp, e));
}

function servicePortNatRules(ctx: NatContext, sp: IRServicePort, ch: ServiceChains): void {
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
  const comment = ir.largeCluster ? [] : [bare(name)];
  for (const e of sp.endpoints) {
    const sep = ctx.names.endpoint(sp, e);
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
  eps.forEach((e, i) => {
    const m = comment(e.hostPort);
    if (i < n - 1) m.push({ kind: 'statistic', n: n - i });
    natRules.push({ chain, matches: m, target: jump(ctx.names.endpoint(sp, e)) });
  });
}
