// ClusterModel -> .ksvc AST, for `ksvc import`: the formatter prints it, and the checker reads it
// back into the same model (test/unit/kube-roundtrip.test.ts). Spans are dummies; there are no
// comments. Choices that keep the round trip exact:
//  - one port line per service port and cluster IP (port-major, primary family first);
//  - a port whose endpoints all use one number N (and whose targetPort is a number) says
//    `-> endpoints:N`; otherwise it names its target (`-> endpoints:http`) and every endpoint that
//    serves the port says `ports http=N` — the checker resolves named targets per endpoint;
//  - endpoint conditions are written with the fewest words that resolve to the same three booleans
//    (compiler/check/conditions.ts);
//  - a port no endpoint serves while others are served names a target no endpoint defines;
//  - an address with different node, zone, hints or conditions per port is listed once per set of facts,
//    each entry with the named ports it serves.
// Every model a front end produces can be written this way; `not-representable` remains only for
// the case where no free port name is left.
import { appendAll } from '../../common/append.ts';
import type { Diagnostic } from '../../common/diagnostics.ts';
import { ianaServiceName } from '../../common/name-validation.ts';
import type { Span } from '../../common/source.ts';
import type {
  AddressLit,
  CidrLit,
  ClusterSetting,
  EndpointCondition,
  EndpointEntry,
  FileNode,
  Located,
  MasqFromOutside,
  NodeBlock,
  NumberLit,
  PortLine,
  ServiceAttribute,
  ServiceBlock,
  ServiceItem,
} from '../../grammar/ast.ts';
import {
  type ClusterModel,
  defaultClusterSettings,
  type EndpointConditions,
  type EndpointModel,
  type LocalDetectorSpec,
  type NodeModel,
  type ServiceModel,
} from '../model.ts';
import { kubeCodes } from './codes.ts';

const POS = { line: 1, column: 1, offset: 0 };
const SPAN: Span = { start: POS, end: POS };
const loc = <T>(value: T): Located<T> => ({ value, span: SPAN });
const num = (value: number): NumberLit => ({ value, text: String(value), span: SPAN });
const addr = (text: string): AddressLit => ({ kind: 'Address', text, span: SPAN });
const cidr = (text: string): CidrLit => ({ kind: 'Cidr', text, span: SPAN });

export interface ToAstResult {
  file: FileNode;
  /** Errors for what .ksvc cannot express (the file is then not to be printed). */
  diagnostics: Diagnostic[];
}

export function modelToAst(model: ClusterModel): ToAstResult {
  const diags: Diagnostic[] = [];
  const blocks: FileNode['blocks'] = [];
  const settings = clusterSettings(model);
  if (settings.length > 0) blocks.push({ kind: 'Cluster', span: SPAN, settings });
  for (const n of model.nodes) blocks.push(nodeBlock(n));
  for (const s of model.services) blocks.push(serviceBlock(s, diags));
  return { file: { kind: 'File', span: SPAN, blocks, comments: [] }, diagnostics: diags };
}

function detectorItems(d: LocalDetectorSpec): MasqFromOutside[] {
  const item = (detector: MasqFromOutside['detector']): MasqFromOutside => ({
    kind: 'MasqFromOutside',
    span: SPAN,
    detector,
  });
  switch (d.mode) {
    case 'None':
      return [];
    case 'ClusterCIDR':
      return d.cidrs.map((c) => item({ kind: 'Cidr', cidr: cidr(c) }));
    case 'NodeCIDR':
      return [item({ kind: 'NodePodCIDR', span: SPAN })];
    case 'BridgeInterface':
      return [item({ kind: 'BridgeInterface', name: loc(d.interfaceName) })];
    case 'InterfaceNamePrefix':
      return [item({ kind: 'InterfaceNamePrefix', prefix: loc(d.prefix) })];
  }
}

function clusterSettings(model: ClusterModel): ClusterSetting[] {
  const s = model.settings;
  const def = defaultClusterSettings();
  const out: ClusterSetting[] = [...detectorItems(s.localDetector)];
  if (s.masqueradeAll) out.push({ kind: 'MasqAll', span: SPAN });
  if (s.masqueradeBit !== def.masqueradeBit) out.push({ kind: 'MasqBit', span: SPAN, bit: num(s.masqueradeBit) });
  if (s.nodePortAddresses === 'primary') out.push({ kind: 'NodePortAddresses', span: SPAN, cidrs: [], primary: true });
  else if (s.nodePortAddresses !== null)
    out.push({ kind: 'NodePortAddresses', span: SPAN, cidrs: s.nodePortAddresses.map(cidr), primary: false });
  if (s.nodePortRange.min !== def.nodePortRange.min || s.nodePortRange.max !== def.nodePortRange.max) {
    out.push({ kind: 'NodePortRange', span: SPAN, min: num(s.nodePortRange.min), max: num(s.nodePortRange.max) });
  }
  if (s.localhostNodePorts !== def.localhostNodePorts)
    out.push({ kind: 'LocalhostNodePorts', span: SPAN, enabled: loc(s.localhostNodePorts) });
  return out;
}

function nodeBlock(n: NodeModel): NodeBlock {
  const statements: NodeBlock['statements'] = [];
  if (n.addresses.length > 0) statements.push({ kind: 'NodeAddress', span: SPAN, addresses: n.addresses.map(addr) });
  if (n.podCIDRs.length > 0) statements.push({ kind: 'NodePodCIDRs', span: SPAN, cidrs: n.podCIDRs.map(cidr) });
  if (n.zone !== undefined) statements.push({ kind: 'NodeZone', span: SPAN, zone: loc(n.zone) });
  return { kind: 'Node', span: SPAN, name: loc(n.name), statements };
}

/** The condition words that resolve to exactly these booleans (every combination has some). */
export function conditionWords(c: EndpointConditions): EndpointCondition[] {
  if (c.ready) {
    const words: EndpointCondition[] = [];
    if (c.terminating) words.push('ready', 'terminating');
    if (!c.serving) words.push(...(c.terminating ? [] : (['ready'] as const)), 'not-serving');
    return words;
  }
  if (c.terminating) return c.serving ? ['terminating'] : ['terminating', 'not-serving'];
  return c.serving ? ['not-ready', 'serving'] : ['not-ready'];
}

const where = (o: { origin?: { file: string; span: Span | null; path?: string } }) => {
  const w: { file: string; span: Span | null; path?: string } = {
    file: o.origin?.file ?? '',
    span: o.origin?.span ?? null,
  };
  if (o.origin?.path !== undefined) w.path = o.origin.path;
  return w;
};

function serviceBlock(s: ServiceModel, diags: Diagnostic[]): ServiceBlock {
  const svcName = `${s.namespace}/${s.name}`;
  const unrepresentable = (o: { origin?: { file: string; span: Span | null; path?: string } }, why: string) =>
    diags.push(kubeCodes['not-representable'](where(o), svcName, why));

  // Target of each port: a number, or a name resolved through the endpoints' named ports.
  const named: Map<string, number>[] = s.endpoints.map(() => new Map());
  /** Target names of ports without endpoints: no endpoint may define them. */
  const unserved = new Set<string>();
  const targets: (number | string)[] = s.ports.map((p, i) => {
    const served = s.endpoints.filter((e) => e.ports[p.name] !== undefined);
    const numbers = new Set(served.map((e) => e.ports[p.name]!));
    if (s.endpoints.length === 0) return p.targetPort;
    if (typeof p.targetPort === 'number' && served.length === s.endpoints.length && numbers.size === 1)
      return [...numbers][0]!;
    const candidates = [
      typeof p.targetPort === 'string' ? p.targetPort : null,
      p.name,
      `port-${i + 1}`,
      `target-${i + 1}`,
    ];
    for (const cand of candidates) {
      if (cand === null || cand === '' || ianaServiceName(cand) !== null || unserved.has(cand)) continue;
      const fits = s.endpoints.every((e, j) => {
        const have = named[j]!.get(cand);
        const want = e.ports[p.name];
        return have === undefined || have === want;
      });
      if (!fits) continue;
      if (served.length === 0) unserved.add(cand);
      s.endpoints.forEach((e, j) => {
        if (e.ports[p.name] !== undefined) named[j]!.set(cand, e.ports[p.name]!);
      });
      return cand;
    }
    unrepresentable(p, 'no port name is free to name its endpoint ports');
    return p.targetPort;
  });

  const attrs: ServiceAttribute[] = [];
  if (s.externalTrafficPolicy === 'Local')
    attrs.push({ kind: 'ExternalTrafficPolicy', span: SPAN, policy: loc('Local') });
  if (s.internalTrafficPolicy === 'Local')
    attrs.push({ kind: 'InternalTrafficPolicy', span: SPAN, policy: loc('Local') });
  if (s.sessionAffinity.type === 'ClientIP') {
    const t = s.sessionAffinity.timeoutSeconds;
    attrs.push({
      kind: 'SessionAffinity',
      span: SPAN,
      affinity: loc('ClientIP'),
      timeout: t === 10800 ? null : num(t),
    });
  }
  if (s.localDetectorOverride) attrs.push(...detectorItems(s.localDetectorOverride));

  const lines: PortLine[] = [];
  s.ports.forEach((p, i) => {
    for (const ip of s.clusterIPs) {
      const t = targets[i]!;
      lines.push({
        kind: 'Port',
        span: SPAN,
        name: p.name === '' ? null : loc(p.name),
        type: loc(s.type),
        clusterIP: addr(ip),
        bracketed: ip.includes(':'),
        port: num(p.port),
        protocol: loc(p.protocol),
        nodePort: p.nodePort === null ? null : num(p.nodePort),
        targetPort: typeof t === 'number' ? num(t) : loc(t),
        clauses: [],
      });
    }
  });
  // One port line: the attributes read as its clauses (as in the spec's examples); several: statements.
  const items: ServiceItem[] = [];
  if (lines.length === 1) lines[0]!.clauses = attrs;
  appendAll(items, lines);
  if (lines.length !== 1) items.push(...attrs);
  if (s.externalIPs.length > 0) items.push({ kind: 'ExternalIPs', span: SPAN, addresses: s.externalIPs.map(addr) });
  if (s.loadBalancerIngress.length > 0)
    items.push({ kind: 'LoadBalancerIngress', span: SPAN, addresses: s.loadBalancerIngress.map(addr) });
  if (s.loadBalancerSourceRanges.length > 0)
    items.push({ kind: 'LoadBalancerSourceRanges', span: SPAN, cidrs: s.loadBalancerSourceRanges.map(cidr) });
  if (s.healthCheckNodePort !== null)
    items.push({ kind: 'HealthCheckNodePort', span: SPAN, port: num(s.healthCheckNodePort) });

  // One address may serve a port at one number once (the import merges repeated ip:port pairs;
  // two numbers are two entries, which the language takes).
  for (const p of s.ports) {
    const seen = new Set<string>();
    for (const e of s.endpoints) {
      const port = e.ports[p.name];
      if (port === undefined) continue;
      const key = `${e.address} ${port}`;
      if (seen.has(key)) unrepresentable(e, `endpoint ${e.address} serves port '${p.name}' at ${port} twice`);
      seen.add(key);
    }
  }
  const entries: EndpointEntry[] = [];
  s.endpoints.forEach((e: EndpointModel, j) => {
    const words = conditionWords(e.conditions);
    entries.push({
      span: SPAN,
      address: addr(e.address),
      node: e.nodeName === null ? null : loc(e.nodeName),
      zone: e.zone === null ? null : loc(e.zone),
      forZones: (e.zoneHints ?? []).map(loc),
      forNodes: (e.nodeHints ?? []).map(loc),
      conditions: words.map(loc),
      ports: [...named[j]!].map(([name, port]) => ({ span: SPAN, name: loc(name), port: num(port) })),
    });
  });
  if (entries.length > 0) items.push({ kind: 'Endpoints', span: SPAN, endpoints: entries });
  return { kind: 'Service', span: SPAN, namespace: loc(s.namespace), name: loc(s.name), items };
}
