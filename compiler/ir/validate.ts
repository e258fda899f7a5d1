// The IR's invariants: every fact about an IRProgram that the backends (and the reference
// evaluator) rely on without checking it — address spelling and family, sorted unique endpoints,
// sets consistent with the decisions, unique dispatch keys, a single-bit mark, port ranges. A
// violation is data, not a throw: lowering never produces one (test/property/ir.test.ts checks it
// over random models), and a tool given an IR from elsewhere can report them all at once.
import {
  cidrContains,
  type IPText,
  joinHostPort,
  loopbackCIDR,
  parseCIDRStrict,
  parseIPStrict,
} from '../../common/ip.ts';
import { inCidr } from './packet.ts';
import { frontendText } from './tables.ts';
import { IR_VERSION, type IREndpoint, type IRLocalDetector, type IRProgram, type IRServicePort } from './types.ts';

export interface IRViolation {
  /** Stable short code, e.g. `endpoint-order`. */
  code: string;
  /** The service port concerned (`ns/name:port/tcp`), or null for a program-level fact. */
  where: string | null;
  message: string;
}

type Report = (code: string, message: string) => void;

/** Every invariant violation of `ir` (empty when the backends may render it). */
export function validateIR(ir: IRProgram): IRViolation[] {
  const out: IRViolation[] = [];
  const at =
    (where: string | null): Report =>
    (code, message) =>
      out.push({ code, where, message });
  validateProgram(ir, at(null));
  ir.servicePorts.forEach((sp, i) => {
    validateServicePort(ir, sp, at(`${sp.servicePortName}/${sp.protocol}`));
    const prev = ir.servicePorts[i - 1];
    if (prev && compareKey(prev, sp) >= 0)
      at(`${sp.servicePortName}/${sp.protocol}`)(
        'service-port-order',
        'not after the previous one (servicePortName, then protocol, unique)',
      );
  });
  validateDispatch(ir, at(null));
  return out;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const compareKey = (a: IRServicePort, b: IRServicePort): number =>
  cmp(a.servicePortName, b.servicePortName) || cmp(a.protocol, b.protocol);

const isPort = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 65535;

function checkAddress(ir: IRProgram, report: Report, what: string, text: string): void {
  const r = parseIPStrict(text);
  if (!r.ok || r.value.text !== text) report('address', `${what} ${JSON.stringify(text)} is not a canonical address`);
  else if (r.value.family !== ir.family) report('family', `${what} ${text} is not ${ir.family}`);
}

function checkCidr(ir: IRProgram, report: Report, what: string, text: string): void {
  const r = parseCIDRStrict(text);
  if (!r.ok || r.value.text !== text) report('address', `${what} ${JSON.stringify(text)} is not a canonical CIDR`);
  else if (r.value.family !== ir.family) report('family', `${what} ${text} is not ${ir.family}`);
}

/** An interface name the rules can carry: no leading '-' (`-i -j` reads as an option). */
const IFNAME = /^[A-Za-z0-9_.@][A-Za-z0-9_.@-]*$/;

function checkDetector(ir: IRProgram, report: Report, d: IRLocalDetector): void {
  switch (d.kind) {
    case 'none':
      return;
    case 'cidr':
      checkCidr(ir, report, 'detector CIDR', d.cidr);
      return;
    case 'interface':
      // iptables `-i NAME` and nft `iifname "NAME"`: 1–15 bytes (IFNAMSIZ with the NUL).
      if (!IFNAME.test(d.name) || d.name.length > 15) report('detector', `interface name ${JSON.stringify(d.name)}`);
      return;
    case 'interfacePrefix':
      // iptables spells it `-i PREFIX+`, and the whole word must fit in 15 bytes.
      if (!IFNAME.test(d.prefix) || d.prefix.length > 14)
        report(
          'detector',
          `interface prefix ${JSON.stringify(d.prefix)} (1–14 characters: iptables writes it with a '+')`,
        );
      return;
  }
}

/** In the family's loopback block (false for text that is no address: that is reported elsewhere). */
function isLoopbackAddress(ir: IRProgram, ip: string): boolean {
  const r = parseIPStrict(ip);
  return r.ok && r.value.family === ir.family && inCidr(loopbackCIDR(ir.family), r.value.text);
}
const loopbackAddress = (ir: IRProgram): IPText => (ir.family === 'ipv4' ? '127.0.0.1' : '::1') as IPText;

function validateProgram(ir: IRProgram, report: Report): void {
  if (ir.version !== IR_VERSION) report('version', `version ${ir.version}, expected ${IR_VERSION}`);
  if (ir.family !== 'ipv4' && ir.family !== 'ipv6') {
    report('family', `unknown family ${JSON.stringify(ir.family)}`);
    return;
  }
  const seen = new Set<string>();
  for (const ip of ir.nodeIPs) {
    checkAddress(ir, report, 'node IP', ip);
    if (seen.has(ip)) report('node-ips', `node IP ${ip} listed twice`);
    seen.add(ip);
    if (isLoopbackAddress(ir, ip)) report('node-ips', `node IP ${ip} is a loopback address`);
  }
  const primary = ir.nodeIPs[0] ?? loopbackAddress(ir);
  if (ir.primaryNodeIP !== primary) report('primary-node-ip', `primaryNodeIP ${ir.primaryNodeIP}, expected ${primary}`);
  const m = ir.masqueradeMark;
  // The rules test `mark & M == M` (iptables --mark M/M, FORWARD) and `mark & M == 0` (POSTROUTING):
  // the same bit only when M has exactly one.
  if (!Number.isInteger(m) || m <= 0 || m > 0x80000000 || (m & (m - 1)) !== 0)
    report('masquerade-mark', `masqueradeMark ${m} is not a single bit of a u32`);
  checkDetector(ir, report, ir.localDetector);
  if (ir.localhostNodePorts && ir.family !== 'ipv4') report('localhost-nodeports', 'localhost NodePorts on IPv6');
  if (ir.nodePorts.kind === 'addresses') {
    const listed = new Set<string>();
    for (const ip of ir.nodePorts.addresses) {
      checkAddress(ir, report, 'NodePort address', ip);
      if (listed.has(ip)) report('nodeport-addresses', `NodePort address ${ip} listed twice`);
      listed.add(ip);
      const loop = ip === loopbackAddress(ir);
      if (!loop && !ir.nodeIPs.includes(ip)) report('nodeport-addresses', `NodePort address ${ip} is not a node IP`);
      if (loop && !ir.localhostNodePorts) report('nodeport-addresses', `${ip} without localhost NodePorts`);
    }
  }
  if (!Number.isInteger(ir.totalEndpoints) || ir.totalEndpoints < 0)
    report('large-cluster', `totalEndpoints ${ir.totalEndpoints}`);
  if (ir.largeCluster !== ir.totalEndpoints > 1000)
    report('large-cluster', `largeCluster ${ir.largeCluster} with ${ir.totalEndpoints} endpoints`);
  if (ir.node === null && ir.servicePorts.some((sp) => sp.endpoints.some((e) => e.isLocal)))
    report('endpoint-local', 'an endpoint is local but the program has no node');
}

function validateEndpoints(ir: IRProgram, sp: IRServicePort, report: Report): void {
  const sortedUnique = (list: IREndpoint[], what: string) => {
    for (let i = 1; i < list.length; i++)
      if (!(list[i - 1]!.hostPort < list[i]!.hostPort))
        report('endpoint-order', `${what}: ${list[i]!.hostPort} not after ${list[i - 1]!.hostPort} (sorted, unique)`);
  };
  const byHostPort = new Map<string, IREndpoint>();
  for (const e of sp.endpoints) {
    checkAddress(ir, report, 'endpoint', e.ip);
    if (!isPort(e.port)) report('port', `endpoint ${e.ip} port ${e.port}`);
    if (e.hostPort !== joinHostPort(e.ip, e.port)) report('endpoint-host-port', `hostPort ${e.hostPort} of ${e.ip}`);
    byHostPort.set(e.hostPort, e);
  }
  sortedUnique(sp.endpoints, 'endpoints');
  const members = new Set<string>();
  for (const [name, set] of [
    ['cluster', sp.cluster],
    ['local', sp.local],
  ] as const) {
    if (!set) continue;
    if (set.endpoints.length === 0) report('endpoint-sets', `${name} set is empty (it must be null then)`);
    sortedUnique(set.endpoints, `${name} set`);
    for (const e of set.endpoints) {
      members.add(e.hostPort);
      const same = byHostPort.get(e.hostPort);
      if (!same || same.ip !== e.ip || same.port !== e.port || same.isLocal !== e.isLocal)
        report('endpoint-sets', `${name} set member ${e.hostPort} is not one of the endpoints`);
      if (name === 'local' && !e.isLocal) report('endpoint-sets', `local set member ${e.hostPort} is not local`);
    }
  }
  if (members.size !== byHostPort.size)
    report('endpoint-sets', 'endpoints is not the union of the cluster and local sets');
}

function validateServicePort(ir: IRProgram, sp: IRServicePort, report: Report): void {
  const expectedName = sp.portName === '' ? `${sp.namespace}/${sp.name}` : `${sp.namespace}/${sp.name}:${sp.portName}`;
  if (sp.servicePortName !== expectedName) report('identity', `servicePortName should be ${expectedName}`);
  if (!['tcp', 'udp', 'sctp'].includes(sp.protocol)) report('protocol', `protocol ${JSON.stringify(sp.protocol)}`);
  checkAddress(ir, report, 'cluster IP', sp.clusterIP);
  if (isLoopbackAddress(ir, sp.clusterIP) || ir.nodeIPs.includes(sp.clusterIP))
    report('cluster-ip-local', `cluster IP ${sp.clusterIP} is a LOCAL address`);
  for (const ip of sp.externalIPs) checkAddress(ir, report, 'external IP', ip);
  for (const ip of sp.loadBalancerIPs) checkAddress(ir, report, 'load-balancer IP', ip);
  if (!isPort(sp.port)) report('port', `port ${sp.port}`);
  if (sp.nodePort !== null && !isPort(sp.nodePort)) report('port', `nodePort ${sp.nodePort}`);
  if (sp.healthCheckNodePort !== null) {
    if (!isPort(sp.healthCheckNodePort)) report('port', `healthCheckNodePort ${sp.healthCheckNodePort}`);
    if (sp.externalTrafficPolicy !== 'Local') report('health-check', 'healthCheckNodePort without eTP=Local');
  }
  if (sp.affinity) {
    const t = sp.affinity.timeoutSeconds;
    if (!Number.isInteger(t) || t < 1 || t > 86400) report('affinity', `timeoutSeconds ${t} (1–86400)`);
  }
  checkDetector(ir, report, sp.localDetector);
  validateEndpoints(ir, sp, report);
  validateDecisions(ir, sp, report);
}

function validateDecisions(ir: IRProgram, sp: IRServicePort, report: Report): void {
  const has = sp.hasEndpoints;
  if ((sp.cluster || sp.local) && !has) report('has-endpoints', 'an endpoint set without hasEndpoints');
  const detector = sp.localDetector.kind !== 'none';

  const internal = sp.internal;
  if (internal.kind === 'balance') {
    const set = internal.set === 'cluster' ? sp.cluster : sp.local;
    if (!set) report('internal', `balances over the ${internal.set} set, which is null`);
    if ((internal.set === 'local') !== (sp.internalTrafficPolicy === 'Local'))
      report('internal', `balances over ${internal.set} with iTP=${sp.internalTrafficPolicy}`);
    if (sp.internalMasquerade === 'ifNotLocal' && !detector)
      report('internal-masquerade', 'ifNotLocal without a detector');
  } else {
    if ((internal.verdict === 'reject') === has)
      report('internal', `refuse ${internal.verdict} with hasEndpoints ${has}`);
    if (internal.verdict === 'drop' && (sp.internalTrafficPolicy !== 'Local' || sp.local))
      report('internal', 'drop without iTP=Local and an empty local set');
    if (sp.internalMasquerade !== 'never') report('internal-masquerade', `${sp.internalMasquerade} without balancing`);
  }

  const accessible = sp.nodePort !== null || sp.externalIPs.length > 0 || sp.loadBalancerIPs.length > 0;
  const external = sp.external;
  if ((external !== null) !== accessible)
    report(
      'external',
      `external is ${external ? 'set' : 'null'} but the port is${accessible ? '' : ' not'} externally accessible`,
    );
  if (external) {
    const ext = external.ext;
    if ((ext !== null) !== has) report('external', `external.ext is ${ext ? 'set' : 'null'} with hasEndpoints ${has}`);
    if (ext && !sp.cluster) report('external', 'external.ext needs the cluster set');
    if (ext?.policy === 'Cluster' && sp.externalTrafficPolicy !== 'Cluster')
      report('external', 'policy Cluster with eTP=Local');
    if (ext?.policy === 'Local') {
      if (sp.externalTrafficPolicy !== 'Local') report('external', 'policy Local with eTP=Cluster');
      if (ext.shortCircuitPods !== detector)
        report('external', `shortCircuitPods ${ext.shortCircuitPods} with detector ${sp.localDetector.kind}`);
      if (ext.toLocal !== (sp.local !== null))
        report('external', `toLocal ${ext.toLocal} with local set ${sp.local ? 'set' : 'null'}`);
    }
    const served = has && (sp.externalTrafficPolicy === 'Cluster' || sp.local !== null);
    const refuse = external.refuse;
    if ((refuse === null) !== served)
      report('external', `refuse ${refuse} but external traffic is${served ? '' : ' not'} served`);
    if (refuse !== null && (refuse === 'reject') === has)
      report('external', `refuse ${refuse} with hasEndpoints ${has}`);
  }

  const fw = sp.firewall;
  if (fw) {
    if (!has || sp.loadBalancerIPs.length === 0 || fw.sourceRanges.length === 0)
      report('firewall', 'firewall needs endpoints, load-balancer IPs and source ranges');
    for (const c of fw.sourceRanges) checkCidr(ir, report, 'source range', c);
    const primary = parseIPStrict(ir.primaryNodeIP);
    const allow =
      primary.ok &&
      fw.sourceRanges.some((c) => {
        const r = parseCIDRStrict(c);
        return r.ok && cidrContains(r.value, primary.value);
      });
    if (fw.allowLoadBalancerIPs !== allow) report('firewall', `allowLoadBalancerIPs should be ${allow}`);
  }
}

/** Dispatch keys: what the nft maps (one value per key) and iptables' first-match order both need. */
function validateDispatch(ir: IRProgram, report: Report): void {
  const frontends = new Map<string, string>();
  const nodePorts = new Map<string, string>();
  for (const sp of ir.servicePorts) {
    const owner = `${sp.servicePortName}/${sp.protocol}`;
    const claim = (ip: string, what: string) => {
      const key = frontendText(ip, sp.protocol, sp.port);
      const prev = frontends.get(key);
      // The same address repeated in one list of one service port behaves like a single rule.
      if (prev !== undefined && prev !== `${owner} ${what}`)
        report('frontend-unique', `${key} is a frontend of ${prev} and of ${owner} ${what}`);
      frontends.set(key, `${owner} ${what}`);
    };
    claim(sp.clusterIP, 'cluster IP');
    for (const ip of sp.externalIPs) claim(ip, 'external IP');
    for (const ip of sp.loadBalancerIPs) claim(ip, 'load-balancer IP');
    if (sp.nodePort !== null) {
      const key = `${sp.protocol}/${sp.nodePort}`;
      const prev = nodePorts.get(key);
      if (prev !== undefined) report('nodeport-unique', `NodePort ${key} of ${prev} and of ${owner}`);
      else nodePorts.set(key, owner);
    }
  }
  // KUBE-EXTERNAL-SERVICES interleaves address and NodePort refuse rules by service port; the nft
  // backend checks all addresses first. They disagree only when a LOCAL external or LB address of
  // a later port uses an earlier port's NodePort number with a different verdict.
  const npRefuse = new Map<string, { index: number; verdict: string; owner: string }>();
  ir.servicePorts.forEach((sp, index) => {
    const refuse = sp.external?.refuse;
    if (refuse && sp.nodePort !== null)
      npRefuse.set(`${sp.protocol}/${sp.nodePort}`, { index, verdict: refuse, owner: sp.servicePortName });
  });
  ir.servicePorts.forEach((sp, index) => {
    const refuse = sp.external?.refuse;
    if (!refuse) return;
    const earlier = npRefuse.get(`${sp.protocol}/${sp.port}`);
    if (!earlier || earlier.index >= index || earlier.verdict === refuse) return;
    for (const ip of [...sp.externalIPs, ...sp.loadBalancerIPs]) {
      if (ir.nodeIPs.includes(ip) || isLoopbackAddress(ir, ip))
        report(
          'refuse-order',
          `${frontendText(ip, sp.protocol, sp.port)} is refused (${refuse}) and is also ${earlier.owner}'s NodePort (${earlier.verdict})`,
        );
    }
  });
}
