// IR -> the ruleset of one `kube-proxy` table (one IP family), as plain data (ruleset.ts). Renders
// decisions the lowering made; decides nothing. Names and maps follow kube-proxy's nftables mode
// where that changes no outcome, but every packet outcome follows kube-proxy's *iptables* mode,
// which is what the IR describes; the layout is built for loading fast: dispatch, balancing, DNAT
// targets and hairpin masquerade are map and set lookups, not per-service or per-endpoint rules.
// docs/nftables.md §1 describes every chain, map, set and rule shape written here.
import type { IRProgram } from '../../compiler/ir/types.ts';
import { Balancers } from './balance.ts';
import { detectorMatch } from './detector.ts';
import {
  accept,
  and,
  concat,
  ct,
  drop,
  type Expr,
  fib,
  jump,
  mangle,
  markForMasquerade,
  masquerade,
  match,
  meta,
  payload,
  prefix,
  reject,
  ret,
  type Stmt,
  setRef,
  spelling,
  vmap,
  xor,
} from './json.ts';
import { type BaseChainSpec, type Chain, ElementList, type FamilyRuleset, type NamedSet } from './ruleset.ts';
import { type ServicePortContext, servicePort } from './service-port.ts';

// Fixed chain and map names (kube-proxy's where it has one; see docs/nftables.md §1).
export const CHAINS = {
  natPrerouting: 'nat-prerouting',
  natOutput: 'nat-output',
  natInput: 'nat-input',
  natPostrouting: 'nat-postrouting',
  filterInput: 'filter-input',
  filterForward: 'filter-forward',
  filterOutput: 'filter-output',
  services: 'services',
  masquerading: 'masquerading',
  firewallCheck: 'firewall-check',
  healthChecks: 'nodeport-health-checks',
  serviceEndpointsCheck: 'service-endpoints-check',
  externalEndpointsCheck: 'external-endpoints-check',
  forward: 'forward-rules',
  localnet: 'localnet-check',
  rejectChain: 'reject-chain',
} as const;

export const SETS = {
  serviceIPs: 'service-ips',
  serviceNodePorts: 'service-nodeports',
  nodePortIPs: 'nodeport-ips',
  firewallIPs: 'firewall-ips',
  noEndpointServices: 'no-endpoint-services',
  noEndpointExternalIPs: 'no-endpoint-external-ips',
  noEndpointNodePorts: 'no-endpoint-nodeports',
  healthCheckNodePorts: 'health-check-nodeports',
  clusterIPsMasquerade: 'cluster-ips-masquerade',
  externalIPsMasquerade: 'external-ips-masquerade',
  nodePortsMasquerade: 'nodeports-masquerade',
  hairpin: 'hairpin',
} as const;

export function buildFamily(ir: IRProgram): FamilyRuleset {
  const f = spelling(ir.family);
  const loopback: Expr = ir.family === 'ipv4' ? prefix('127.0.0.0', 8) : '::1';
  const mark = ir.masqueradeMark;
  const markMasq = markForMasquerade(mark);
  const ctNew = match('in', ct('state'), 'new');
  const l4Key = concat(meta('l4proto'), payload('th', 'dport'));
  const fullKey = concat(payload(f.l3, 'daddr'), meta('l4proto'), payload('th', 'dport'));
  const hairpin = match('==', concat(payload(f.l3, 'saddr'), payload(f.l3, 'daddr')), setRef(SETS.hairpin));
  const dnatted = match('in', ct('status'), 'dnat');

  const chains: Chain[] = [];
  const chain = (name: string, base?: BaseChainSpec): Chain => {
    const c: Chain = base ? { name, base, rules: [] } : { name, rules: [] };
    chains.push(c);
    return c;
  };
  const rule = (c: Chain, ...expr: Stmt[]): void => void c.rules.push({ expr });
  const commented = (c: Chain, comment: string, ...expr: Stmt[]): void => void c.rules.push({ expr, comment });

  // ---- base chains: iptables' builtin chains at iptables' priorities, jumps in a node's order
  const natPre = chain(CHAINS.natPrerouting, { type: 'nat', hook: 'prerouting', prio: -100 });
  const natOut = chain(CHAINS.natOutput, { type: 'nat', hook: 'output', prio: -100 });
  const natIn = chain(CHAINS.natInput, { type: 'nat', hook: 'input', prio: 100 });
  const natPost = chain(CHAINS.natPostrouting, { type: 'nat', hook: 'postrouting', prio: 100 });
  const fIn = chain(CHAINS.filterInput, { type: 'filter', hook: 'input', prio: 0 });
  const fFwd = chain(CHAINS.filterForward, { type: 'filter', hook: 'forward', prio: 0 });
  const fOut = chain(CHAINS.filterOutput, { type: 'filter', hook: 'output', prio: 0 });
  const localnetBlock = ir.family === 'ipv4' && ir.localhostNodePorts;

  rule(natPre, jump(CHAINS.services));
  rule(natOut, jump(CHAINS.services));
  // Hairpin (the client is the endpoint it was DNATed to): iptables marks it in the endpoint's
  // KUBE-SEP chain; here the first packet is marked after DNAT, on whichever of the two nat hooks
  // it reaches next (postrouting, or input when the endpoint is local) — docs/nftables.md §1.6.
  commented(natIn, 'hairpin traffic to a local endpoint', dnatted, hairpin, markMasq);
  commented(natPost, 'hairpin traffic', dnatted, hairpin, markMasq);
  rule(natPost, jump(CHAINS.masquerading));
  rule(fIn, ctNew, jump(CHAINS.firewallCheck));
  rule(fIn, jump(CHAINS.healthChecks));
  rule(fIn, ctNew, jump(CHAINS.externalEndpointsCheck));
  if (localnetBlock) rule(fIn, jump(CHAINS.localnet));
  rule(fFwd, ctNew, jump(CHAINS.firewallCheck));
  rule(fFwd, jump(CHAINS.forward));
  rule(fFwd, ctNew, jump(CHAINS.serviceEndpointsCheck));
  rule(fFwd, ctNew, jump(CHAINS.externalEndpointsCheck));
  rule(fOut, ctNew, jump(CHAINS.firewallCheck));
  rule(fOut, ctNew, jump(CHAINS.serviceEndpointsCheck));
  if (localnetBlock) rule(fOut, jump(CHAINS.localnet));

  // ---- per service port: dispatch elements, masquerade sets, chains, balancing
  const balancers = new Balancers(f);
  const ctx: ServicePortContext = {
    f,
    mark,
    balancers,
    chains: [],
    affinitySets: [],
    serviceIPs: new ElementList(SETS.serviceIPs),
    serviceNodePorts: new ElementList(SETS.serviceNodePorts),
    firewallIPs: new ElementList(SETS.firewallIPs),
    noEndpointServices: new ElementList(SETS.noEndpointServices),
    noEndpointExternalIPs: new ElementList(SETS.noEndpointExternalIPs),
    noEndpointNodePorts: new ElementList(SETS.noEndpointNodePorts),
    clusterIPsMasquerade: new Map(),
    externalIPsMasquerade: new ElementList(SETS.externalIPsMasquerade),
    nodePortsMasquerade: new ElementList(SETS.nodePortsMasquerade),
    healthCheckNodePorts: new Set(),
    hairpin: new Set(),
    lastDetector: null,
  };
  for (const sp of ir.servicePorts) servicePort(ctx, sp);

  // ---- services: masquerade marks (set lookups), then the dispatch maps
  const services = chain(CHAINS.services);
  const masqSets: NamedSet[] = [];
  let n = 0;
  for (const group of ctx.clusterIPsMasquerade.values()) {
    const name = n++ === 0 ? SETS.clusterIPsMasquerade : `${SETS.clusterIPsMasquerade}-${n}`;
    masqSets.push(keySet(name, [f.addrType, 'inet_proto', 'inet_service'], group.list.elements));
    const inSet = match('==', fullKey, setRef(name));
    rule(services, ...(group.detector ? [inSet, detectorMatch(group.detector, f, false)] : [inSet]), markMasq);
  }
  const extMasq = ctx.externalIPsMasquerade.elements;
  if (extMasq.length > 0) {
    masqSets.push(keySet(SETS.externalIPsMasquerade, [f.addrType, 'inet_proto', 'inet_service'], extMasq));
    rule(services, match('==', fullKey, setRef(SETS.externalIPsMasquerade)), markMasq);
  }
  rule(services, vmap(fullKey, SETS.serviceIPs));
  // NodePort dispatch (iptables: the last rule of KUBE-SERVICES), with the same guard for its mark.
  const nodePortGuard: Stmt[] =
    ir.nodePorts.kind === 'addresses'
      ? [match('==', payload(f.l3, 'daddr'), setRef(SETS.nodePortIPs))]
      : ir.localhostNodePorts
        ? [match('==', fib('daddr'), 'local')]
        : [match('==', fib('daddr'), 'local'), match('!=', payload(f.l3, 'daddr'), loopback)];
  const npMasq = ctx.nodePortsMasquerade.elements;
  if (npMasq.length > 0) {
    masqSets.push(keySet(SETS.nodePortsMasquerade, ['inet_proto', 'inet_service'], npMasq));
    rule(services, ...nodePortGuard, match('==', l4Key, setRef(SETS.nodePortsMasquerade)), markMasq);
  }
  rule(services, ...nodePortGuard, vmap(l4Key, SETS.serviceNodePorts));

  // ---- fixed regular chains
  const masq = chain(CHAINS.masquerading);
  rule(masq, match('==', and(meta('mark'), mark), 0), ret);
  rule(masq, mangle(meta('mark'), xor(meta('mark'), mark)));
  commented(masq, 'kubernetes service traffic requiring SNAT', masquerade(ir.environment.randomFully));

  rule(chain(CHAINS.firewallCheck), vmap(fullKey, SETS.firewallIPs));
  rule(chain(CHAINS.healthChecks), match('==', payload('tcp', 'dport'), setRef(SETS.healthCheckNodePorts)), accept);
  rule(chain(CHAINS.serviceEndpointsCheck), vmap(fullKey, SETS.noEndpointServices));
  const extCheck = chain(CHAINS.externalEndpointsCheck);
  rule(extCheck, vmap(fullKey, SETS.noEndpointExternalIPs));
  rule(extCheck, match('==', fib('daddr'), 'local'), vmap(l4Key, SETS.noEndpointNodePorts));

  const fwd = chain(CHAINS.forward);
  if (!ir.environment.conntrackLiberal) rule(fwd, match('in', ct('state'), 'invalid'), drop);
  commented(fwd, 'kubernetes forwarding rules', match('==', and(meta('mark'), mark), mark), accept);
  commented(fwd, 'kubernetes forwarding conntrack rule', match('in', ct('state'), ['established', 'related']), accept);
  // iptables accepts a hairpin connection's first packet here by its mark, set before FORWARD;
  // here the mark comes later (nat-postrouting), so the same packets are accepted by their test.
  // After the conntrack rule: an established packet is accepted there either way, and does not
  // pay the set lookup (nor split the verifier's classes of established packets by address pair).
  commented(fwd, 'kubernetes forwarding rules (hairpin)', dnatted, hairpin, accept);

  if (localnetBlock) {
    // iptables: -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP.
    // Without a conntrack entry (invalid, untracked) nft cannot read `ct status`, so that case is its own rule.
    const c = chain(CHAINS.localnet);
    const lo = [match('==', payload('ip', 'daddr'), loopback), match('!=', payload('ip', 'saddr'), loopback)];
    const why = 'block incoming localnet connections';
    commented(c, why, ...lo, match('in', ct('state'), ['invalid', 'untracked']), drop);
    commented(c, why, ...lo, ctNew, match('==', and(ct('status'), 'dnat'), 0), drop);
  }
  rule(chain(CHAINS.rejectChain), reject);
  for (const c of ctx.chains) chains.push(c);
  for (const c of balancers.chains()) chains.push(c);

  const addrKey = [f.addrType, 'inet_proto', 'inet_service'];
  const sets: NamedSet[] = [
    verdictMap(SETS.serviceIPs, addrKey, ctx.serviceIPs),
    verdictMap(SETS.serviceNodePorts, ['inet_proto', 'inet_service'], ctx.serviceNodePorts),
    verdictMap(SETS.firewallIPs, addrKey, ctx.firewallIPs),
    verdictMap(SETS.noEndpointServices, addrKey, ctx.noEndpointServices),
    verdictMap(SETS.noEndpointExternalIPs, addrKey, ctx.noEndpointExternalIPs),
    verdictMap(SETS.noEndpointNodePorts, ['inet_proto', 'inet_service'], ctx.noEndpointNodePorts),
    keySet(
      SETS.healthCheckNodePorts,
      'inet_service',
      [...ctx.healthCheckNodePorts].map((key) => ({ key })),
    ),
  ];
  if (ir.nodePorts.kind === 'addresses') {
    const addresses = [...new Set<string>(ir.nodePorts.addresses)].map((key) => ({ key }));
    sets.push(keySet(SETS.nodePortIPs, f.addrType, addresses));
  }
  // loops, not spreads: at 150,000 endpoints the lists hold more than a call takes arguments
  for (const m of masqSets) sets.push(m);
  sets.push(
    keySet(
      SETS.hairpin,
      [f.addrType, f.addrType],
      [...ctx.hairpin].map((ip) => ({ key: [ip, ip] })),
    ),
  );
  for (const m of balancers.maps()) sets.push(m);
  for (const a of ctx.affinitySets) sets.push(a);
  return { family: f.family, chains, sets };
}

const verdictMap = (name: string, type: string[], list: ElementList): NamedSet => ({
  kind: 'map',
  name,
  type,
  map: 'verdict',
  elements: list.elements,
});

const keySet = (name: string, type: string | string[], elements: NamedSet['elements']): NamedSet => ({
  kind: 'set',
  name,
  type,
  elements,
});
