// TEST-ONLY: a verbatim copy of the reference evaluator as it was before its per-service-port plans
// (compiler/ir/evaluate.ts at d410ece) and of concreteView then, with one change of meaning made to
// both since: after MASQUERADE, the INPUT of a local packet sees a node address as its source
// (Rewritten.srcInLoopback, docs/ir.md §3.7). The property test
// test/property/ir-evaluate-fast.test.ts runs it side by side with compiler/ir/evaluate.ts: same
// normalized distribution and the same questions in the same order, for random models and packets.
// Never import it outside test/ and bench/; do not optimize it — its worth is being the obvious reading
// of docs/ir.md §3.
import { type CIDRText, type Family, type IPText, loopbackCIDR } from '../../common/ip.ts';
import type { Protocol } from '../../common/kubernetes.ts';
import {
  type Distribution,
  normalizeDistribution,
  type Outcome,
  type Rational,
  rational,
  type Verdict,
} from '../../compiler/ir/outcome.ts';
import {
  type AffinityListId,
  affinityListId,
  type CidrMatcher,
  type CtState,
  hasPorts,
  inCidr,
  type KeyField,
  type KeyTable,
  keyString,
  type Packet,
  type PacketTest,
  type PacketView,
} from '../../compiler/ir/packet.ts';
import { type ProgramTables, tablesOf } from '../../compiler/ir/tables.ts';
import type { IREndpoint, IREndpointSet, IRLocalDetector, IRProgram, IRServicePort } from '../../compiler/ir/types.ts';

/** The outcome distribution of one packet (intended level: exactly 1/N per endpoint). */
export function referenceEvaluate(ir: IRProgram, view: PacketView): Distribution {
  const run = startRun(ir, view);
  const branches = run.isNew ? natStage(run) : [NOT_NATTED];
  return normalizeDistribution(branches.map((b) => ({ outcome: finish(run, b), p: b.p })));
}

/** What the nat stage did to a new connection, with the probability of that choice. */
interface NatBranch {
  p: Rational;
  /** The endpoint DNATed to (null: not DNATed). */
  dnat: IREndpoint | null;
  /** The protocol of the service port that DNATed (null: not DNATed). */
  protocol: Protocol | null;
  /** A nat rule set the masquerade bit. */
  marked: boolean;
  /** Affinity lists written (at most one: the chosen endpoint's). */
  writes: AffinityListId[];
}

const ONE = rational(1);
const NOT_NATTED: NatBranch = { p: ONE, dnat: null, protocol: null, marked: false, writes: [] };

/** One evaluation: the program, the view, and the answers already given (each question is asked once). */
interface Run {
  ir: IRProgram;
  t: ProgramTables;
  ask(test: PacketTest): boolean;
  lookup<T>(table: KeyTable<T>): T | undefined;
  /** ct state new (then nat runs; the ct DNAT status is whatever nat does). */
  isNew: boolean;
  /** generated on the node (nat OUTPUT, filter OUTPUT, nat POSTROUTING, then filter INPUT if LOCAL). */
  isLocalPath: boolean;
  hostLen: number;
  loopback: CIDRText;
}

function startRun(ir: IRProgram, view: PacketView): Run {
  const answers = new Map<string, boolean>();
  const ask = (test: PacketTest): boolean => {
    const k = testKey(test);
    let a = answers.get(k);
    if (a === undefined) answers.set(k, (a = view.test(test)));
    return a;
  };
  const family: Family = ir.family;
  return {
    ir,
    t: tablesOf(ir),
    ask,
    lookup: (table) => view.lookup(table),
    isNew: ask({ kind: 'ctState', state: 'new' }),
    isLocalPath: ask({ kind: 'path', path: 'local' }),
    hostLen: family === 'ipv4' ? 32 : 128,
    loopback: loopbackCIDR(family),
  };
}

function testKey(t: PacketTest): string {
  switch (t.kind) {
    case 'path':
      return `path ${t.path}`;
    case 'protocol':
      return `protocol ${t.protocol}`;
    case 'src':
    case 'dst':
      return `${t.kind} ${t.cidr}`;
    case 'sport':
    case 'dport':
      return `${t.kind} ${t.port}`;
    case 'inInterface':
      return `iif ${t.prefix ? 'prefix' : 'name'} ${t.name}`;
    case 'mark':
      return `mark ${t.mask} ${t.value}`;
    case 'ctState':
      return `ct ${t.state}`;
    case 'ctDnat':
      return 'ct dnat';
    case 'affinityFresh':
      return `affinity ${t.timeoutSeconds} ${t.list}`;
  }
}

const hostCidr = (r: Run, ip: string): CIDRText => `${ip}/${r.hostLen}` as CIDRText;
/** lo's broadcast address: in the loopback block, not LOCAL (IPv4). */
const LO_BROADCAST = '127.255.255.255';
const srcIs = (r: Run, ip: string): boolean => r.ask({ kind: 'src', cidr: hostCidr(r, ip) });
const dstIs = (r: Run, ip: string): boolean => r.ask({ kind: 'dst', cidr: hostCidr(r, ip) });

/** LOCAL (iptables addrtype LOCAL): a node IP or the loopback block but lo's broadcast address. */
const srcLocal = (r: Run): boolean =>
  (r.ask({ kind: 'src', cidr: r.loopback }) && !(r.ir.family === 'ipv4' && srcIs(r, LO_BROADCAST))) ||
  r.ir.nodeIPs.some((ip) => srcIs(r, ip));
const dstLocal = (r: Run): boolean =>
  (r.ask({ kind: 'dst', cidr: r.loopback }) && !(r.ir.family === 'ipv4' && dstIs(r, LO_BROADCAST))) ||
  r.ir.nodeIPs.some((ip) => dstIs(r, ip));

/** The conntrack state is `s` (new is known from the start). */
const ctIs = (r: Run, s: CtState): boolean =>
  s === 'new' ? r.isNew : !r.isNew && r.ask({ kind: 'ctState', state: s });

/** The detector says "this source is a pod" (interface detectors are false on the local path). */
function isPod(r: Run, d: IRLocalDetector): boolean {
  switch (d.kind) {
    case 'none':
      return false;
    case 'cidr':
      return r.ask({ kind: 'src', cidr: d.cidr });
    case 'interface':
      return r.ask({ kind: 'inInterface', name: d.name, prefix: false });
    case 'interfacePrefix':
      return r.ask({ kind: 'inInterface', name: d.prefix, prefix: true });
  }
}

const invariant = (sp: IRServicePort, what: string): Error =>
  new Error(`IR invariant (compiler/ir/validate.ts): ${sp.servicePortName}/${sp.protocol}: ${what}`);

// ---- nat stage (docs/ir.md §3.1–§3.5) -------------------------------------------------------

function natStage(r: Run): NatBranch[] {
  for (const entry of r.lookup(r.t.frontends) ?? []) {
    const { sp } = entry;
    if (entry.kind === 'cluster') return internal(r, sp);
    const b = entry.kind === 'loadBalancer' && sp.firewall ? firewall(r, sp) : external(r, sp);
    if (b) return b;
  }
  const nodePorts = r.lookup(r.t.nodePorts);
  if (nodePorts && nodePortDestination(r)) {
    for (const sp of nodePorts) {
      const b = external(r, sp);
      if (b) return b;
    }
  }
  return [NOT_NATTED];
}

function internal(r: Run, sp: IRServicePort): NatBranch[] {
  if (sp.internal.kind !== 'balance') throw invariant(sp, 'internal frontend without a balanced set');
  const set = sp.internal.set === 'cluster' ? sp.cluster : sp.local;
  const m = sp.internalMasquerade;
  const masq = m === 'always' || (m === 'ifNotLocal' && !isPod(r, sp.localDetector));
  return balance(r, sp, set, masq);
}

/** EXT (§3.2); null = falls through. */
function external(r: Run, sp: IRServicePort): NatBranch[] | null {
  const ext = sp.external?.ext;
  if (!ext) throw invariant(sp, 'external frontend without external.ext');
  if (ext.policy === 'Cluster') return balance(r, sp, sp.cluster, true);
  if (ext.shortCircuitPods && isPod(r, sp.localDetector)) return balance(r, sp, sp.cluster, false);
  if (srcLocal(r)) return balance(r, sp, sp.cluster, true);
  if (ext.toLocal) return balance(r, sp, sp.local, false);
  return null;
}

/** FW (§3.3); null = falls through. */
function firewall(r: Run, sp: IRServicePort): NatBranch[] | null {
  const fw = sp.firewall!;
  const allowed =
    fw.sourceRanges.some((cidr) => r.ask({ kind: 'src', cidr })) ||
    (fw.allowLoadBalancerIPs && sp.loadBalancerIPs.some((ip) => srcIs(r, ip)));
  return allowed ? external(r, sp) : null;
}

/** §3.4: the destination is one the NodePort dispatch answers on. */
function nodePortDestination(r: Run): boolean {
  const { ir } = r;
  if (ir.nodePorts.kind === 'addresses') return ir.nodePorts.addresses.some((ip) => dstIs(r, ip));
  // addrtype LOCAL, minus ::1 (IPv6) and, without localhost NodePorts, minus 127.0.0.0/8.
  if (r.ask({ kind: 'dst', cidr: r.loopback }))
    return ir.family === 'ipv4' && ir.localhostNodePorts && !dstIs(r, LO_BROADCAST);
  return ir.nodeIPs.some((ip) => dstIs(r, ip));
}

/** §3.5: balance over a set (affinity first), hairpin masquerade, DNAT. */
function balance(r: Run, sp: IRServicePort, set: IREndpointSet | null, masq: boolean): NatBranch[] {
  const eps = set?.endpoints ?? [];
  if (eps.length === 0) throw invariant(sp, 'balancing over a missing or empty endpoint set');
  const list = (e: IREndpoint) => affinityListId(sp.servicePortName, sp.protocol, e.hostPort);
  const to = (e: IREndpoint, p: Rational): NatBranch => ({
    p,
    dnat: e,
    protocol: sp.protocol,
    marked: masq || srcIs(r, e.ip),
    writes: sp.affinity ? [list(e)] : [],
  });
  if (sp.affinity) {
    const timeoutSeconds = sp.affinity.timeoutSeconds;
    for (const e of eps) if (r.ask({ kind: 'affinityFresh', list: list(e), timeoutSeconds })) return [to(e, ONE)];
  }
  const p = rational(1, eps.length);
  return eps.map((e) => to(e, p));
}

// ---- after nat: filter hooks and nat POSTROUTING (docs/ir.md §3.6, §4) ----------------------

/** The packet as the filter hooks see it: DNAT replaced its destination address, port (and fixed its protocol). */
interface Rewritten {
  srcInLoopback(): boolean;
  dstIn(cidr: CIDRText): boolean;
  dstLocal(): boolean;
  /** routed to input: LOCAL, or lo's broadcast address */
  dstDelivered(): boolean;
  lookup<T>(table: KeyTable<T>): T | undefined;
}

function rewritten(r: Run, b: NatBranch): Rewritten {
  const ep = b.dnat;
  if (!ep) {
    return {
      srcInLoopback: () => r.ask({ kind: 'src', cidr: r.loopback }),
      dstIn: (cidr) => r.ask({ kind: 'dst', cidr }),
      dstLocal: () => dstLocal(r),
      dstDelivered: () => dstLocal(r) || (r.ir.family === 'ipv4' && dstIs(r, LO_BROADCAST)),
      lookup: (table) => r.lookup(table),
    };
  }
  const value = (f: string): string | number => (f === 'dst' ? ep.ip : f === 'protocol' ? b.protocol! : ep.port);
  return {
    srcInLoopback: () => r.ask({ kind: 'src', cidr: r.loopback }),
    dstIn: (cidr) => inCidr(cidr, ep.ip),
    dstLocal: () => isLocalAddress(r.ir, ep.ip),
    dstDelivered: () => isLocalAddress(r.ir, ep.ip) || ep.ip === LO_BROADCAST,
    lookup: (table) => table.index.get(keyString(table.fields.map(value))),
  };
}

/** LOCAL for a known address (a DNAT target). */
function isLocalAddress(ir: IRProgram, ip: IPText | string): boolean {
  return (inCidr(loopbackCIDR(ir.family), ip) && ip !== LO_BROADCAST) || ir.nodeIPs.includes(ip as IPText);
}

type FilterHook = 'input' | 'forward' | 'output';
type HookResult = 'accept' | 'drop' | 'reject' | null;

function finish(r: Run, b: NatBranch): Outcome {
  const { ir } = r;
  let pkt = rewritten(r, b);
  let cleared = false;
  let initialBit: boolean | undefined;
  /** The masquerade bit now: set by nat, else as the packet arrived; cleared by POSTROUTING. */
  const bit = (): boolean => {
    if (cleared) return false;
    if (b.marked) return true;
    initialBit ??= r.ask({ kind: 'mark', mask: ir.masqueradeMark, value: ir.masqueradeMark });
    return initialBit;
  };
  const finalLocal = pkt.dstDelivered();
  const hooks: (FilterHook | 'postrouting')[] = r.isLocalPath
    ? finalLocal
      ? ['output', 'postrouting', 'input']
      : ['output', 'postrouting']
    : finalLocal
      ? ['input']
      : ['forward', 'postrouting'];
  let masquerade: Outcome['masquerade'] = 'none';
  const outcome = (verdict: Verdict): Outcome => ({
    verdict,
    dnat: b.dnat ? { ip: b.dnat.ip, port: b.dnat.port } : null,
    masquerade,
    mark: bit() ? ir.masqueradeMark : 0,
    affinityWrites: [...new Set(b.writes)].sort(),
  });
  for (const hook of hooks) {
    if (hook === 'postrouting') {
      // nat POSTROUTING runs for the first packet only: a marked packet has the bit cleared and is masqueraded.
      if (r.isNew && bit()) {
        cleared = true;
        masquerade = ir.environment.randomFully ? 'masquerade-fully-random' : 'masquerade';
        // seen by INPUT, when a local packet comes back through lo: a node address, never loopback
        pkt = { ...pkt, srcInLoopback: () => false };
      }
      continue;
    }
    const v = filterHook(r, hook, pkt, b, bit);
    if (v === 'drop' || v === 'reject') return outcome(v);
  }
  return outcome('accept');
}

/** One filter hook's kube-proxy chains in order; `accept` ends the hook, not the packet's way. */
function filterHook(r: Run, hook: FilterHook, pkt: Rewritten, b: NatBranch, bit: () => boolean): HookResult {
  const { t, isNew, ir } = r;
  const localnet = ir.family === 'ipv4' && ir.localhostNodePorts;
  if (isNew && pkt.lookup(t.firewallDrop) !== undefined) return 'drop'; // KUBE-PROXY-FIREWALL
  switch (hook) {
    case 'input':
      if (pkt.lookup(t.healthChecks) !== undefined) return 'accept'; // KUBE-NODEPORTS
      if (isNew) {
        const v = externalRefuse(r, pkt);
        if (v) return v;
      }
      return localnet && localnetDrop(r, pkt, b) ? 'drop' : null;
    case 'forward': {
      // KUBE-FORWARD
      if (!ir.environment.conntrackLiberal && ctIs(r, 'invalid')) return 'drop';
      if (bit()) return 'accept';
      if (ctIs(r, 'established') || ctIs(r, 'related')) return 'accept';
      if (!isNew) return null;
      return pkt.lookup(t.serviceRefuse)?.verdict ?? externalRefuse(r, pkt);
    }
    case 'output':
      if (isNew) {
        const v = pkt.lookup(t.serviceRefuse)?.verdict;
        if (v) return v;
      }
      return localnet && localnetDrop(r, pkt, b) ? 'drop' : null;
  }
}

/** KUBE-EXTERNAL-SERVICES: address rules and NodePort rules, in kube-proxy's rule order. */
function externalRefuse(r: Run, pkt: Rewritten): 'drop' | 'reject' | null {
  const byAddress = pkt.lookup(r.t.externalRefuse);
  const byNodePort = pkt.lookup(r.t.nodePortRefuse);
  if (byAddress && (!byNodePort || byAddress.order < byNodePort.order)) return byAddress.verdict;
  if (byNodePort && pkt.dstLocal()) return byNodePort.verdict;
  return byAddress?.verdict ?? null;
}

/**
 * KUBE-FIREWALL: `-d 127.0.0.0/8 ! -s 127.0.0.0/8 ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`.
 * A new connection has the DNAT status iff nat DNATed it; invalid and untracked packets have no
 * conntrack entry, hence no status.
 */
function localnetDrop(r: Run, pkt: Rewritten, b: NatBranch): boolean {
  if (r.isNew && b.dnat) return false;
  if (!pkt.dstIn(r.loopback) || pkt.srcInLoopback()) return false;
  return r.isNew || !(ctIs(r, 'established') || ctIs(r, 'related'));
}

// ---- concreteView as it was (compiler/ir/packet.ts at d410ece) -------------------------------

/** A view that answers from one concrete packet (addresses compared by `matcher`, default inCidr). */
export function referenceConcreteView(p: Packet, matcher: CidrMatcher = inCidr): PacketView {
  const fieldValue = (f: KeyField): string | number => (f === 'dst' ? p.dst : f === 'protocol' ? p.protocol : p.dport);
  return {
    test(t) {
      switch (t.kind) {
        case 'path':
          return p.path === t.path;
        case 'protocol':
          return p.protocol === t.protocol;
        case 'src':
          return matcher(t.cidr, p.src);
        case 'dst':
          return matcher(t.cidr, p.dst);
        case 'sport':
          return hasPorts(p.protocol) && p.sport === t.port;
        case 'dport':
          return hasPorts(p.protocol) && p.dport === t.port;
        case 'inInterface':
          return p.inInterface !== null && (t.prefix ? p.inInterface.startsWith(t.name) : p.inInterface === t.name);
        case 'mark':
          return (p.mark & t.mask) >>> 0 === t.value >>> 0;
        case 'ctState':
          return p.ct.state === t.state;
        case 'ctDnat':
          return p.ct.dnat;
        case 'affinityFresh': {
          const age = p.affinityAges[t.list];
          return age !== undefined && age < t.timeoutSeconds;
        }
      }
    },
    lookup(table) {
      if (table.fields.includes('dport') && !hasPorts(p.protocol)) return undefined;
      return table.index.get(keyString(table.fields.map(fieldValue)));
    },
  };
}
