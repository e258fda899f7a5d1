// THE reference evaluator: what the IR means for one packet, as an exact outcome distribution
// (docs/ir.md §3–§7). It reads the packet only by asking `view.test()` and `view.lookup()`, so the
// verifier can run it unchanged over whole classes of packets (its view splits a class when an
// answer differs inside it); it reads the IR freely. Dispatch goes through the program's key
// tables (tables.ts): the work per packet is a few lookups plus the tests of the service port it
// reaches, never a walk over all service ports. What does not depend on the packet — the
// questions as objects, each endpoint's questions, what the filter hooks do after a DNAT to each
// endpoint for each path and masquerade bit — is kept per program by evaluate-plan.ts; this file
// computes it.
import { type IPText, loopbackBroadcast, loopbackCIDR } from '../../common/ip.ts';
import {
  afterDnat,
  type EndpointPlan,
  type PortPlan,
  type ProgramPlan,
  planOf,
  portPlan,
  type Question,
  type SetPlan,
} from './evaluate-plan.ts';
import {
  type Distribution,
  type KeyedOutcome,
  normalizeKeyed,
  type Outcome,
  outcomeKey,
  type Rational,
  rational,
  type Verdict,
} from './outcome.ts';
import { type CtState, inCidr, type KeyTable, keyString, type PacketView } from './packet.ts';
import type { FrontendEntry, ProgramTables } from './tables.ts';
import type { IRProgram, IRServicePort } from './types.ts';

/** The outcome distribution of one packet (intended level: exactly 1/N per endpoint). */
export function evaluate(ir: IRProgram, view: PacketView): Distribution {
  const run = startRun(planOf(ir), view);
  const branches = run.isNew ? natStage(run) : ONLY_NOT_NATTED;
  const weighted: (KeyedOutcome & { p: Rational })[] = [];
  for (const b of branches) {
    const { outcome, key } = finish(run, b);
    weighted.push({ outcome, key, p: b.p });
  }
  return normalizeKeyed(weighted);
}

/** What the nat stage did to a new connection, with the probability of that choice. */
interface NatBranch {
  p: Rational;
  /**
   * The endpoint DNATed to (null: not DNATed), with what the branch takes from it: the protocol of
   * the service port that DNATed, and the affinity lists written (at most one: the endpoint's).
   */
  dnat: EndpointPlan | null;
  /** A nat rule set the masquerade bit. */
  marked: boolean;
}

const ONE = Object.freeze(rational(1));
const NOT_NATTED: NatBranch = { p: ONE, dnat: null, marked: false };
const ONLY_NOT_NATTED: readonly NatBranch[] = [NOT_NATTED];
const NO_FRONTENDS: readonly FrontendEntry[] = [];

/** One evaluation: the program, the view, and the answers already given (each question is asked once). */
interface Run {
  ir: IRProgram;
  plan: ProgramPlan;
  t: ProgramTables;
  view: PacketView;
  /** This run's stamp on the answers it got (evaluate-plan.ts Question). */
  id: number;
  /** ct state new (then nat runs; the ct DNAT status is whatever nat does). */
  isNew: boolean;
  /** generated on the node (nat OUTPUT, filter OUTPUT, nat POSTROUTING, then filter INPUT if LOCAL). */
  isLocalPath: boolean;
}

let runs = 0;

function startRun(plan: ProgramPlan, view: PacketView): Run {
  const r: Run = { ir: plan.ir, plan, t: plan.tables, view, id: ++runs, isNew: false, isLocalPath: false };
  r.isNew = ask(r, plan.q.ctNew);
  r.isLocalPath = ask(r, plan.q.pathLocal);
  return r;
}

/** The view's answer to a question, asked at most once per run. */
function ask(r: Run, q: Question): boolean {
  if (q.run !== r.id) {
    q.answer = r.view.test(q.test);
    q.run = r.id;
  }
  return q.answer;
}

/** Some question holds (asked in order, up to the first yes). */
function someHolds(r: Run, questions: readonly Question[]): boolean {
  for (const q of questions) if (ask(r, q)) return true;
  return false;
}

/** LOCAL (iptables addrtype LOCAL): a node IP or the loopback block but lo's broadcast address. */
const srcLocal = (r: Run): boolean =>
  (ask(r, r.plan.q.srcLoopback) && !askSome(r, r.plan.q.srcLoopbackBroadcast)) || someHolds(r, r.plan.q.srcNode);
const dstLocal = (r: Run): boolean =>
  (ask(r, r.plan.q.dstLoopback) && !askSome(r, r.plan.q.dstLoopbackBroadcast)) || someHolds(r, r.plan.q.dstNode);

/** A question that may not exist for the family (null: it does not hold). */
const askSome = (r: Run, q: Question | null): boolean => q !== null && ask(r, q);

/** The conntrack state is `s` (new is known from the start). */
const ctIs = (r: Run, s: CtState): boolean => (s === 'new' ? r.isNew : !r.isNew && ask(r, r.plan.q.ct[s]));

/**
 * The detector says "this source is a pod": `cidr` — src in it; `interface(Prefix)` — arrived on
 * that interface (false on the local path); `none` — never (evaluate-plan.ts podQuestion).
 */
const isPod = (r: Run, pp: PortPlan): boolean => pp.pod !== null && ask(r, pp.pod);

const invariant = (sp: IRServicePort, what: string): Error =>
  new Error(`IR invariant (compiler/ir/validate.ts): ${sp.servicePortName}/${sp.protocol}: ${what}`);

// ---- nat stage (docs/ir.md §3.1–§3.5) -------------------------------------------------------

function natStage(r: Run): readonly NatBranch[] {
  for (const entry of r.view.lookup(r.t.frontends) ?? NO_FRONTENDS) {
    const { sp } = entry;
    if (entry.kind === 'cluster') return internal(r, sp);
    const b = entry.kind === 'loadBalancer' && sp.firewall ? firewall(r, sp) : external(r, sp);
    if (b) return b;
  }
  const nodePorts = r.view.lookup(r.t.nodePorts);
  if (nodePorts && nodePortDestination(r)) {
    for (const sp of nodePorts) {
      const b = external(r, sp);
      if (b) return b;
    }
  }
  return ONLY_NOT_NATTED;
}

function internal(r: Run, sp: IRServicePort): readonly NatBranch[] {
  if (sp.internal.kind !== 'balance') throw invariant(sp, 'internal frontend without a balanced set');
  const pp = portPlan(r.plan, sp);
  const set = sp.internal.set === 'cluster' ? pp.cluster : pp.local;
  const m = sp.internalMasquerade;
  const masq = m === 'always' || (m === 'ifNotLocal' && !isPod(r, pp));
  return balance(r, sp, set, masq);
}

/** EXT (§3.2); null = falls through. */
function external(r: Run, sp: IRServicePort): readonly NatBranch[] | null {
  const ext = sp.external?.ext;
  if (!ext) throw invariant(sp, 'external frontend without external.ext');
  const pp = portPlan(r.plan, sp);
  if (ext.policy === 'Cluster') return balance(r, sp, pp.cluster, true);
  if (ext.shortCircuitPods && isPod(r, pp)) return balance(r, sp, pp.cluster, false);
  if (srcLocal(r)) return balance(r, sp, pp.cluster, true);
  if (ext.toLocal) return balance(r, sp, pp.local, false);
  return null;
}

/** FW (§3.3): src in a source range, or (allowLoadBalancerIPs) equal to an LB IP; null = falls through. */
function firewall(r: Run, sp: IRServicePort): readonly NatBranch[] | null {
  const fw = sp.firewall!;
  const pp = portPlan(r.plan, sp);
  const allowed = someHolds(r, pp.sourceRanges) || (fw.allowLoadBalancerIPs && someHolds(r, pp.srcLoadBalancer));
  return allowed ? external(r, sp) : null;
}

/** §3.4: the destination is one the NodePort dispatch answers on. */
function nodePortDestination(r: Run): boolean {
  const { ir, plan } = r;
  if (ir.nodePorts.kind === 'addresses') return someHolds(r, plan.q.dstNodePortAddress);
  // addrtype LOCAL, minus ::1 (IPv6) and, without localhost NodePorts, minus 127.0.0.0/8; lo's
  // broadcast address is not LOCAL.
  if (ask(r, plan.q.dstLoopback))
    return ir.family === 'ipv4' && ir.localhostNodePorts && !askSome(r, plan.q.dstLoopbackBroadcast);
  return someHolds(r, plan.q.dstNode);
}

/**
 * §3.5: balance over a set (affinity first: the first endpoint with a fresh record), hairpin
 * masquerade (src = the endpoint), DNAT. Every branch's hairpin question is asked here, before
 * any branch is finished.
 */
function balance(r: Run, sp: IRServicePort, set: SetPlan | null, masq: boolean): readonly NatBranch[] {
  if (!set) throw invariant(sp, 'balancing over a missing or empty endpoint set');
  const to = (e: EndpointPlan, p: Rational): NatBranch => ({ p, dnat: e, marked: masq || ask(r, e.srcIs) });
  if (sp.affinity) for (const e of set.endpoints) if (ask(r, e.fresh!)) return [to(e, ONE)];
  return set.endpoints.map((e) => to(e, set.share));
}

// ---- after nat: filter hooks and nat POSTROUTING (docs/ir.md §3.6, §4) ----------------------

/**
 * The outcome of a branch. After a DNAT the hooks see the endpoint's address, port and protocol,
 * and the packet is new: of the packet only the path and the masquerade bit still matter (the bit
 * is asked iff no nat rule set it, as finishOutcome would). So what the hooks do is computed once
 * per endpoint, path and bit, by finishOutcome without a view (evaluate-plan.ts afterDnat).
 */
function finish(r: Run, b: NatBranch): KeyedOutcome {
  const ep = b.dnat;
  let o: Outcome;
  if (!ep) o = finishOutcome(r, b, () => ask(r, r.plan.q.mark));
  else {
    const bit = b.marked || ask(r, r.plan.q.mark);
    const after = afterDnat(r.plan, ep, r.isLocalPath, bit, () => finishOutcome(noQuestionsRun(r), b, () => bit));
    const { ip, port } = ep.endpoint;
    o = {
      verdict: after.verdict,
      dnat: { ip, port },
      masquerade: after.masquerade,
      mark: after.mark,
      affinityWrites: ep.writes,
    };
  }
  return { outcome: o, key: outcomeKey(o) };
}

/** A run of a DNATed new packet that may not ask the view anything (the bit is given). */
function noQuestionsRun(r: Run): Run {
  const view: PacketView = {
    test(t) {
      throw new Error(`internal: a DNATed packet's outcome asked ${JSON.stringify(t)}`);
    },
    lookup() {
      throw new Error("internal: a DNATed packet's outcome looked a table up in the view");
    },
  };
  return { ...r, view, id: ++runs, isNew: true };
}

/**
 * The packet as the filter hooks see it: DNAT replaced its destination address, port (and fixed its
 * protocol); MASQUERADE, for the INPUT of a local packet back through lo, its source (masqueraded).
 */
interface Rewritten {
  srcInLoopback(): boolean;
  dstInLoopback(): boolean;
  dstLocal(): boolean;
  /** routed to this node's input: LOCAL, or lo's broadcast address (not LOCAL, delivered locally) */
  dstDelivered(): boolean;
  lookup<T>(table: KeyTable<T>): T | undefined;
}

function rewritten(r: Run, b: NatBranch): Rewritten {
  const ep = b.dnat;
  if (!ep) {
    return {
      srcInLoopback: () => ask(r, r.plan.q.srcLoopback),
      dstInLoopback: () => ask(r, r.plan.q.dstLoopback),
      dstLocal: () => dstLocal(r),
      dstDelivered: () => dstLocal(r) || askSome(r, r.plan.q.dstLoopbackBroadcast),
      lookup: (table) => r.view.lookup(table),
    };
  }
  const { ip, port } = ep.endpoint;
  const value = (f: string): string | number => (f === 'dst' ? ip : f === 'protocol' ? ep.protocol : port);
  return {
    srcInLoopback: () => ask(r, r.plan.q.srcLoopback),
    dstInLoopback: () => inCidr(loopbackCIDR(r.ir.family), ip),
    dstLocal: () => isLocalAddress(r.ir, ip),
    dstDelivered: () => isLocalAddress(r.ir, ip) || ip === loopbackBroadcast(r.ir.family),
    lookup: (table) => table.index.get(keyString(table.fields.map(value))),
  };
}

/** After MASQUERADE: the source is an address of the node that routing picks, never loopback (§3.7). */
const masqueraded = (pkt: Rewritten): Rewritten => ({ ...pkt, srcInLoopback: () => false });

/** LOCAL for a known address (a DNAT target). */
export function isLocalAddress(ir: IRProgram, ip: IPText | string): boolean {
  return (
    (inCidr(loopbackCIDR(ir.family), ip) && ip !== loopbackBroadcast(ir.family)) || ir.nodeIPs.includes(ip as IPText)
  );
}

/** §3.4 for a known destination: whether the NodePort dispatch answers on it (nodePortDestination). */
export function answersNodePorts(ir: IRProgram, ip: IPText | string): boolean {
  if (ir.nodePorts.kind === 'addresses') return ir.nodePorts.addresses.includes(ip as IPText);
  if (inCidr(loopbackCIDR(ir.family), ip))
    return ir.family === 'ipv4' && ir.localhostNodePorts && ip !== loopbackBroadcast(ir.family);
  return ir.nodeIPs.includes(ip as IPText);
}

type FilterHook = 'input' | 'forward' | 'output';
type HookResult = 'accept' | 'drop' | 'reject' | null;

/** The hooks after nat, by path and whether the final destination is LOCAL (§3.0). */
type Hooks = readonly (FilterHook | 'postrouting')[];
const LOCAL_TO_LOCAL: Hooks = ['output', 'postrouting', 'input'];
const LOCAL_OUT: Hooks = ['output', 'postrouting'];
const ARRIVING_IN: Hooks = ['input'];
const ARRIVING_FORWARD: Hooks = ['forward', 'postrouting'];

/** `initialBit()`: whether the masquerade bit was set on entry (asked only when needed). */
function finishOutcome(r: Run, b: NatBranch, initialBit: () => boolean): Outcome {
  const { ir } = r;
  let pkt = rewritten(r, b);
  let cleared = false;
  /** The masquerade bit now: set by nat, else as the packet arrived; cleared by POSTROUTING. */
  const bit = (): boolean => !cleared && (b.marked || initialBit());
  const finalLocal = pkt.dstDelivered();
  const hooks = r.isLocalPath ? (finalLocal ? LOCAL_TO_LOCAL : LOCAL_OUT) : finalLocal ? ARRIVING_IN : ARRIVING_FORWARD;
  let masquerade: Outcome['masquerade'] = 'none';
  const outcome = (verdict: Verdict): Outcome => ({
    verdict,
    dnat: b.dnat ? { ip: b.dnat.endpoint.ip, port: b.dnat.endpoint.port } : null,
    masquerade,
    mark: bit() ? ir.masqueradeMark : 0,
    affinityWrites: b.dnat ? [...b.dnat.writes] : [], // sorted, no repeats (evaluate-plan.ts)
  });
  for (const hook of hooks) {
    if (hook === 'postrouting') {
      // nat POSTROUTING runs for the first packet only: a marked packet has the bit cleared and is masqueraded.
      if (r.isNew && bit()) {
        cleared = true;
        masquerade = ir.environment.randomFully ? 'masquerade-fully-random' : 'masquerade';
        pkt = masqueraded(pkt); // seen by INPUT, when a local packet comes back through lo
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
  if (!pkt.dstInLoopback() || pkt.srcInLoopback()) return false;
  return r.isNew || !(ctIs(r, 'established') || ctIs(r, 'related'));
}
