// IR -> rule list, following kube-proxy's syncProxyRules templates and write order
// (pkg/proxy/iptables/proxier.go). Only spelling happens here: every decision is in the IR.
import type { IRProgram } from '../../compiler/ir/types.ts';
import { jump, q } from './matches.ts';
import { type ChainNames, chainNames } from './names.ts';
import type { Match, Out, Rule, RuleSet } from './rules.ts';
import { type NatContext, servicePortFilterRules, servicePortNatChains, servicePortNatRules } from './service-port.ts';

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
