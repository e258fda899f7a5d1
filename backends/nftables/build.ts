// IR -> the objects of one `kube-proxy` table (one IP family). Renders decisions the lowering made;
// decides nothing. The structure follows kube-proxy's nftables mode (names, maps, per-service
// chains) but every packet outcome follows kube-proxy's *iptables* mode, which is what the IR
// describes: docs/nftables.md lists each place where the two structures differ and why.
import type { IREndpoint, IRLocalDetector, IRProgram, IRServicePort } from '../../compiler/ir/types.ts';
import { TextChunks } from './chunks.ts';
import {
  accept,
  and,
  cidrExpr,
  commented as commentedKey,
  concat,
  ct,
  drop,
  type Expr,
  exactIfname,
  type FamilySpelling,
  fib,
  goto,
  isPlain,
  type JsonText,
  jump,
  list,
  mangle,
  masquerade,
  match,
  meta,
  type NftFamily,
  or,
  payload,
  prefix,
  reject,
  ret,
  type Stmt,
  setUpdate,
  spelling,
  str,
  vmap,
  xor,
} from './json.ts';
import { endpointChainName, type ServicePortNames, servicePortBase, servicePortNames } from './names.ts';
import { cascadeThresholds, RANDOM_MASK } from './probability.ts';

export const TABLE = 'kube-proxy';

export interface BaseChainSpec {
  type: 'filter' | 'nat';
  hook: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
  prio: number;
}

export interface ChainDef {
  /**
   * The chain's name as a JSON string literal, computed once: it is written into every rule of the
   * chain. (The name itself is not kept: ~10^5 of them would only add to what the GC has to move.)
   */
  quoted: JsonText;
  base?: BaseChainSpec;
}

/** Where a chain's `add rule` commands are written. */
interface RuleWriter {
  /** The ",\n" separator and the start of every `add rule` command of the chain, up to `"expr":[`. */
  open: string;
  /**
   * The family's rule text, shared by all chains. Every chain's rules are written together, in
   * chain order, so the document lists them chain by chain.
   */
  rules: TextChunks;
}

/** Appends a rule (statements as JSON text) to a chain. */
function addRule(c: RuleWriter, expr: Stmt[], comment?: string): void {
  c.rules.add(c.open);
  for (let i = 0; i < expr.length; i++) {
    if (i > 0) c.rules.add(',');
    c.rules.add(expr[i]!);
  }
  c.rules.add(comment === undefined ? ']}}}' : `],"comment":${str(comment)}}}}`);
}

export interface SetDef {
  kind: 'set' | 'map';
  name: string;
  /** One type name, or the parts of a concatenated type. */
  type: string | string[];
  flags?: 'timeout'[];
  /** Seconds (sets with the timeout flag). */
  timeout?: number;
  /** Elements (JSON text): keys (set) or [key, verdict] pairs (map). */
  elem: JsonText[];
}

export interface FamilyRuleset {
  family: NftFamily;
  chains: ChainDef[];
  sets: SetDef[];
  /** Every `add rule` command, chain by chain in chain order (see ChainDef.rules). */
  rules: TextChunks;
}

// Fixed chain and map names (kube-proxy's where it has one; see docs/nftables.md).
export const C = {
  natPrerouting: 'nat-prerouting',
  natOutput: 'nat-output',
  natPostrouting: 'nat-postrouting',
  filterInput: 'filter-input',
  filterForward: 'filter-forward',
  filterOutput: 'filter-output',
  services: 'services',
  masquerading: 'masquerading',
  markForMasquerade: 'mark-for-masquerade',
  firewallCheck: 'firewall-check',
  healthChecks: 'nodeport-health-checks',
  serviceEndpointsCheck: 'service-endpoints-check',
  externalEndpointsCheck: 'external-endpoints-check',
  forward: 'forward-rules',
  localnet: 'localnet-check',
  rejectChain: 'reject-chain',
} as const;

export const S = {
  serviceIPs: 'service-ips',
  serviceNodePorts: 'service-nodeports',
  nodePortIPs: 'nodeport-ips',
  firewallIPs: 'firewall-ips',
  noEndpointServices: 'no-endpoint-services',
  noEndpointExternalIPs: 'no-endpoint-external-ips',
  noEndpointNodePorts: 'no-endpoint-nodeports',
  healthCheckNodePorts: 'health-check-nodeports',
} as const;

/**
 * Makes V8 flatten a concatenated string once (reading a character flattens it in place), so the
 * strings written many times — rule heads, chain names, gotos — are copied, not re-walked, by every
 * join that writes them.
 */
function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}

/** Dedupes map keys: the first element for a key wins, as the first matching iptables rule does. */
class MapBuilder {
  private readonly seen = new Set<string>();
  readonly elem: JsonText[] = [];
  add(key: Expr, value: Stmt, comment?: string): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.elem.push(`[${comment === undefined ? key : commentedKey(key, comment)},${value}]`);
  }
}

const refuseVerdict = (v: 'reject' | 'drop'): Stmt => (v === 'reject' ? goto(C.rejectChain) : drop);

export function buildFamily(ir: IRProgram): FamilyRuleset {
  const f = spelling(ir.family);
  const loopback = ir.family === 'ipv4' ? prefix('127.0.0.0', 8) : str('::1');
  const mark = ir.masqueradeMark;
  const ctNew = match('in', ct('state'), str('new'));
  const l4Key = concat(meta('l4proto'), payload('th', 'dport'));
  const fullKey = concat(payload(f.l3, 'daddr'), meta('l4proto'), payload('th', 'dport'));

  const chains: ChainDef[] = [];
  const rules = new TextChunks();
  const out: FamilyOutput = { f, chains, rules, rulePrefix: rulePrefix(f) };
  const chain = (name: string, base?: BaseChainSpec): RuleWriter => addChain(out, name, base);
  const rule = (c: RuleWriter, ...expr: Stmt[]): void => addRule(c, expr);
  const commented = (c: RuleWriter, comment: string, ...expr: Stmt[]): void => addRule(c, expr, comment);

  // ---- base chains: iptables' builtin chains at iptables' priorities, jumps in a node's order
  const natPre = chain(C.natPrerouting, { type: 'nat', hook: 'prerouting', prio: -100 });
  const natOut = chain(C.natOutput, { type: 'nat', hook: 'output', prio: -100 });
  const natPost = chain(C.natPostrouting, { type: 'nat', hook: 'postrouting', prio: 100 });
  const fIn = chain(C.filterInput, { type: 'filter', hook: 'input', prio: 0 });
  const fFwd = chain(C.filterForward, { type: 'filter', hook: 'forward', prio: 0 });
  const fOut = chain(C.filterOutput, { type: 'filter', hook: 'output', prio: 0 });
  const localnetBlock = ir.family === 'ipv4' && ir.localhostNodePorts;

  rule(natPre, jump(C.services));
  rule(natOut, jump(C.services));
  rule(natPost, jump(C.masquerading));
  rule(fIn, ctNew, jump(C.firewallCheck));
  rule(fIn, jump(C.healthChecks));
  rule(fIn, ctNew, jump(C.externalEndpointsCheck));
  if (localnetBlock) rule(fIn, jump(C.localnet));
  rule(fFwd, ctNew, jump(C.firewallCheck));
  rule(fFwd, jump(C.forward));
  rule(fFwd, ctNew, jump(C.serviceEndpointsCheck));
  rule(fFwd, ctNew, jump(C.externalEndpointsCheck));
  rule(fOut, ctNew, jump(C.firewallCheck));
  rule(fOut, ctNew, jump(C.serviceEndpointsCheck));
  if (localnetBlock) rule(fOut, jump(C.localnet));

  // ---- fixed regular chains
  const services = chain(C.services);
  rule(services, vmap(fullKey, `@${S.serviceIPs}`));
  if (ir.nodePorts.kind === 'addresses') {
    rule(
      services,
      match('==', payload(f.l3, 'daddr'), str(`@${S.nodePortIPs}`)),
      vmap(l4Key, `@${S.serviceNodePorts}`),
    );
  } else if (ir.localhostNodePorts) {
    rule(services, match('==', fib('daddr'), str('local')), vmap(l4Key, `@${S.serviceNodePorts}`));
  } else {
    rule(
      services,
      match('==', fib('daddr'), str('local')),
      match('!=', payload(f.l3, 'daddr'), loopback),
      vmap(l4Key, `@${S.serviceNodePorts}`),
    );
  }

  const masq = chain(C.masquerading);
  rule(masq, match('==', and(meta('mark'), String(mark)), '0'), ret);
  rule(masq, mangle(meta('mark'), xor(meta('mark'), String(mark))));
  commented(masq, 'kubernetes service traffic requiring SNAT', masquerade(ir.environment.randomFully));
  rule(chain(C.markForMasquerade), mangle(meta('mark'), or(meta('mark'), String(mark))));

  rule(chain(C.firewallCheck), vmap(fullKey, `@${S.firewallIPs}`));
  rule(chain(C.healthChecks), match('==', payload('tcp', 'dport'), str(`@${S.healthCheckNodePorts}`)), accept);
  rule(chain(C.serviceEndpointsCheck), vmap(fullKey, `@${S.noEndpointServices}`));
  const extCheck = chain(C.externalEndpointsCheck);
  rule(extCheck, vmap(fullKey, `@${S.noEndpointExternalIPs}`));
  rule(extCheck, match('==', fib('daddr'), str('local')), vmap(l4Key, `@${S.noEndpointNodePorts}`));

  const fwd = chain(C.forward);
  if (!ir.environment.conntrackLiberal) rule(fwd, match('in', ct('state'), str('invalid')), drop);
  commented(fwd, 'kubernetes forwarding rules', match('==', and(meta('mark'), String(mark)), String(mark)), accept);
  commented(
    fwd,
    'kubernetes forwarding conntrack rule',
    match('in', ct('state'), list('established', 'related')),
    accept,
  );

  if (localnetBlock) {
    // iptables: -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP.
    // Without a conntrack entry (invalid, untracked) nft cannot read `ct status`, so that case is its own rule.
    const c = chain(C.localnet);
    const lo = [match('==', payload('ip', 'daddr'), loopback), match('!=', payload('ip', 'saddr'), loopback)];
    commented(
      c,
      'block incoming localnet connections',
      ...lo,
      match('in', ct('state'), list('invalid', 'untracked')),
      drop,
    );
    commented(
      c,
      'block incoming localnet connections',
      ...lo,
      ctNew,
      match('==', and(ct('status'), str('dnat')), '0'),
      drop,
    );
  }
  rule(chain(C.rejectChain), reject);

  // ---- per service port
  const serviceIPs = new MapBuilder();
  const serviceNodePorts = new MapBuilder();
  const firewallIPs = new MapBuilder();
  const noEpServices = new MapBuilder();
  const noEpExternal = new MapBuilder();
  const noEpNodePorts = new MapBuilder();
  const healthChecks = new Set<number>();
  const affinitySets: SetDef[] = [];

  for (const sp of ir.servicePorts) {
    const n = servicePortNames(sp);
    const proto = str(sp.protocol);
    const port = String(sp.port);
    const key = (ip: string): Expr => concat(str(ip), proto, port);
    if (sp.internal.kind === 'balance') {
      serviceIPs.add(key(sp.clusterIP), jump(sp.internal.set === 'cluster' ? n.service : n.local));
    } else {
      noEpServices.add(key(sp.clusterIP), refuseVerdict(sp.internal.verdict), sp.servicePortName);
    }
    if (sp.external) {
      const { ext, refuse } = sp.external;
      if (ext) {
        for (const ip of sp.externalIPs) serviceIPs.add(key(ip), jump(n.external));
        for (const ip of sp.loadBalancerIPs) serviceIPs.add(key(ip), jump(sp.firewall ? n.firewall : n.external));
        if (sp.nodePort !== null) serviceNodePorts.add(concat(proto, String(sp.nodePort)), jump(n.external));
      }
      if (refuse) {
        for (const ip of [...sp.externalIPs, ...sp.loadBalancerIPs])
          noEpExternal.add(key(ip), refuseVerdict(refuse), sp.servicePortName);
        if (sp.nodePort !== null)
          noEpNodePorts.add(concat(proto, String(sp.nodePort)), refuseVerdict(refuse), sp.servicePortName);
      }
      if (sp.firewall && ext) for (const ip of sp.loadBalancerIPs) firewallIPs.add(key(ip), drop);
    }
    if (sp.healthCheckNodePort !== null) healthChecks.add(sp.healthCheckNodePort);
    renderServiceChains(sp, n, out, affinitySets);
  }

  const sets: SetDef[] = [
    { kind: 'map', name: S.serviceIPs, type: [f.addrType, 'inet_proto', 'inet_service'], elem: serviceIPs.elem },
    { kind: 'map', name: S.serviceNodePorts, type: ['inet_proto', 'inet_service'], elem: serviceNodePorts.elem },
    { kind: 'map', name: S.firewallIPs, type: [f.addrType, 'inet_proto', 'inet_service'], elem: firewallIPs.elem },
    {
      kind: 'map',
      name: S.noEndpointServices,
      type: [f.addrType, 'inet_proto', 'inet_service'],
      elem: noEpServices.elem,
    },
    {
      kind: 'map',
      name: S.noEndpointExternalIPs,
      type: [f.addrType, 'inet_proto', 'inet_service'],
      elem: noEpExternal.elem,
    },
    { kind: 'map', name: S.noEndpointNodePorts, type: ['inet_proto', 'inet_service'], elem: noEpNodePorts.elem },
    { kind: 'set', name: S.healthCheckNodePorts, type: 'inet_service', elem: [...healthChecks].map(String) },
  ];
  if (ir.nodePorts.kind === 'addresses') {
    sets.push({
      kind: 'set',
      name: S.nodePortIPs,
      type: f.addrType,
      elem: [...new Set<string>(ir.nodePorts.addresses)].map(str),
    });
  }
  sets.push(...affinitySets);
  return { family: f.family, chains, sets, rules };
}

/** What the per-service-port renderer writes into: the family's chain list and rule text. */
interface FamilyOutput {
  f: FamilySpelling;
  chains: ChainDef[];
  rules: TextChunks;
  /** `,\n{"add":{"rule":{"family":…,"table":…,"chain":` — every rule command up to its chain name. */
  rulePrefix: string;
}

const rulePrefix = (f: FamilySpelling): string =>
  flat(`,\n{"add":{"rule":{"family":"${f.family}","table":"${TABLE}","chain":`);

/** Declares a chain (quoting its name with str) and returns where its rules go. */
function addChain(out: FamilyOutput, name: string, base?: BaseChainSpec): RuleWriter {
  const quoted = str(name);
  out.chains.push(base ? { quoted, base } : { quoted });
  return { open: flat(`${out.rulePrefix}${quoted},"expr":[`), rules: out.rules };
}

function detectorMatch(d: IRLocalDetector, f: FamilySpelling, local: boolean): Stmt {
  const op = local ? '==' : '!=';
  switch (d.kind) {
    case 'cidr':
      return match(op, payload(f.l3, 'saddr'), cidrExpr(d.cidr));
    case 'interface':
      return match(op, meta('iifname'), str(exactIfname(d.name)));
    case 'interfacePrefix':
      return match(op, meta('iifname'), str(`${exactIfname(d.prefix)}*`));
    case 'none':
      throw new Error('IR invariant: a detector match was requested but the detector is none');
  }
}

// Constant statement texts, built once (the per-endpoint path runs ~10^5 times at scale).
const MARK_MASQ = jump(C.markForMasquerade);
const RANDOM_BITS = and(meta('random'), String(RANDOM_MASK));
const FIB_SADDR_LOCAL = match('==', fib('saddr'), str('local'));
/** Closes `ip saddr "<endpoint>"` and jumps to mark-for-masquerade, ending the rule. */
const HAIRPIN_CLOSE = `"}},${MARK_MASQ}]}}}`;
/** `{"goto":{"target":` <quoted chain name> GOTO_CLOSE_RULE: a goto that ends its rule. */
const GOTO_OPEN = '{"goto":{"target":';
const GOTO_CLOSE_RULE = '}}]}}}';
const gotoQuoted = (quoted: JsonText): Stmt => `${GOTO_OPEN}${quoted}}}`;
const thresholdCache = new Map<number, string[]>();
/**
 * `meta random & 0x7fffffff < T,` (with the separator of the statement that follows) for the N-1
 * conditional rules of an N-endpoint cascade.
 */
function randomMatches(n: number): string[] {
  let v = thresholdCache.get(n);
  if (!v) thresholdCache.set(n, (v = cascadeThresholds(n).map((t) => `${match('<', RANDOM_BITS, String(t))},`)));
  return v;
}
const portCloseCache = new Map<number, string>();
/** `","port":<port>}}]}}}`: closes a dnat statement's address, gives its port and ends the rule. */
function dnatPortClose(port: number): string {
  let v = portCloseCache.get(port);
  if (v === undefined) portCloseCache.set(port, (v = `","port":${port}}}]}}}`));
  return v;
}

/**
 * The affinity set's key for one endpoint: `saddr . <endpoint ip> . <endpoint port>`, the endpoint
 * part written as `saddr & 0 | ip` and `th dport & 0 | port` — constants typed by the expression
 * they mask (nft 1.0.6 cannot type a bare constant inside a concatenation), which the kernel
 * computes as one bitwise step each: (reg & 0) ^ constant. One set per service port, partitioned by
 * endpoint, holds exactly the records of iptables' per-endpoint `recent` lists (docs/nftables.md §1.5).
 */
function affinityKey(f: FamilySpelling, ep: IREndpoint): Expr {
  const saddr = payload(f.l3, 'saddr');
  return concat(
    saddr,
    or(and(saddr, str(f.l3 === 'ip' ? '0.0.0.0' : '::')), str(ep.ip)),
    or(and(payload('th', 'dport'), '0'), String(ep.port)),
  );
}

/**
 * The chains of one service port. This is the hot path (every endpoint passes through it, ~10^5 times
 * at scale), so per endpoint it allocates only the chain name and its quoted form, and writes rules
 * as a few pieces of constant text around them instead of building each statement.
 */
function renderServiceChains(sp: IRServicePort, n: ServicePortNames, out: FamilyOutput, affinitySets: SetDef[]): void {
  const { f, rules: r, rulePrefix } = out;
  const chain = (name: string): RuleWriter => addChain(out, name);
  const rule = (c: RuleWriter, ...expr: Stmt[]): void => addRule(c, expr);
  const saddr = payload(f.l3, 'saddr');

  // Endpoint chain names, in sp.endpoints order. The service port's base name is checked once: when
  // it needs no JSON escaping, neither does any endpoint name built from it (the rest is a hash, an
  // IP text, a port and '...'), so those are quoted by concatenation.
  const serviceBase = servicePortBase(sp);
  const plain = isPlain(serviceBase);
  const eps = sp.endpoints;
  const epQuoted: JsonText[] = new Array(eps.length);
  for (let i = 0; i < eps.length; i++) {
    const name = endpointChainName(serviceBase, eps[i]!);
    epQuoted[i] = flat(plain ? `"${name}"` : str(name));
  }
  /** Index in sp.endpoints of each endpoint of a set (the set is usually sp.endpoints itself). */
  let byHostPort: Map<string, number> | undefined;
  const indexOf = (set: IREndpoint[], i: number): number => {
    if (set === eps) return i;
    byHostPort ??= new Map(eps.map((e, j) => [e.hostPort, j]));
    const j = byHostPort.get(set[i]!.hostPort);
    if (j === undefined)
      throw new Error(
        `IR invariant: endpoint ${set[i]!.hostPort} of ${sp.servicePortName} is not in its endpoints list`,
      );
    return j;
  };

  if (sp.affinity && eps.length > 0) {
    affinitySets.push({
      kind: 'set',
      name: n.affinity,
      type: [f.addrType, f.addrType, 'inet_service'],
      flags: ['timeout'],
      timeout: sp.affinity.timeoutSeconds,
      elem: [],
    });
  }

  // external-… (KUBE-EXT)
  const ext = sp.external?.ext;
  if (ext) {
    const c = chain(n.external);
    if (ext.policy === 'Cluster') {
      addRule(c, [MARK_MASQ], `masquerade traffic for ${sp.servicePortName} external destinations`);
      rule(c, goto(n.service));
    } else {
      if (ext.shortCircuitPods) rule(c, detectorMatch(sp.localDetector, f, true), goto(n.service));
      rule(c, FIB_SADDR_LOCAL, MARK_MASQ);
      rule(c, FIB_SADDR_LOCAL, goto(n.service));
      if (ext.toLocal) rule(c, goto(n.local));
    }
  }
  // firewall-… (KUBE-FW): allowed sources continue to external-…, the rest falls through.
  if (sp.firewall && ext) {
    const c = chain(n.firewall);
    for (const cidr of sp.firewall.sourceRanges) rule(c, match('==', saddr, cidrExpr(cidr)), goto(n.external));
    if (sp.firewall.allowLoadBalancerIPs) {
      for (const ip of sp.loadBalancerIPs) rule(c, match('==', saddr, str(ip)), goto(n.external));
    }
  }
  // service-… / local-… (KUBE-SVC / KUBE-SVL)
  for (const [which, set] of [
    ['cluster', sp.cluster],
    ['local', sp.local],
  ] as const) {
    if (!set) continue;
    const c = chain(which === 'cluster' ? n.service : n.local);
    if (sp.internal.kind === 'balance' && sp.internal.set === which && sp.internalMasquerade !== 'never') {
      const expr: Stmt[] = [
        match('==', payload(f.l3, 'daddr'), str(sp.clusterIP)),
        match('==', payload(sp.protocol, 'dport'), String(sp.port)),
      ];
      if (sp.internalMasquerade === 'ifNotLocal') expr.push(detectorMatch(sp.localDetector, f, false));
      expr.push(MARK_MASQ);
      rule(c, ...expr);
    }
    const members = set.endpoints;
    if (sp.affinity) {
      const inSet = str(`@${n.affinity}`);
      for (let i = 0; i < members.length; i++) {
        rule(c, match('==', affinityKey(f, members[i]!), inSet), gotoQuoted(epQuoted[indexOf(members, i)]!));
      }
    }
    // [random draw,] goto endpoint-…
    const draws = randomMatches(members.length);
    for (let i = 0; i < members.length; i++) {
      r.add(c.open);
      if (i < draws.length) r.add(draws[i]!);
      r.add(GOTO_OPEN);
      r.add(epQuoted[indexOf(members, i)]!);
      r.add(GOTO_CLOSE_RULE);
    }
  }
  // endpoint-… (KUBE-SEP): `<l3> saddr <ip> jump mark-for-masquerade`, [affinity update,] dnat.
  const exprHairpin = flat(`,"expr":[{"match":{"op":"==","left":${saddr},"right":"`);
  const exprDnat = flat(`,"expr":[${match('==', meta('l4proto'), str(sp.protocol))},{"dnat":{"addr":"`);
  for (let i = 0; i < eps.length; i++) {
    const ep = eps[i]!;
    const quoted = epQuoted[i]!;
    out.chains.push({ quoted });
    r.add(rulePrefix);
    r.add(quoted);
    r.add(exprHairpin);
    r.add(ep.ip);
    r.add(HAIRPIN_CLOSE);
    if (sp.affinity)
      addRule({ open: `${rulePrefix}${quoted},"expr":[`, rules: r }, [setUpdate(affinityKey(f, ep), n.affinity)]);
    r.add(rulePrefix);
    r.add(quoted);
    r.add(exprDnat);
    r.add(ep.ip);
    r.add(dnatPortClose(ep.port));
  }
}
