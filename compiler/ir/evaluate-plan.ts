// What the reference evaluator (evaluate.ts) would otherwise rebuild for every packet, built once
// and memoized per IR object (the IR is immutable once built, as for tables.ts):
// - the questions it asks, interned: one frozen PacketTest per distinct question and program (a
//   view may cache by identity), each with the slot a run keeps its answer in;
// - per service port, its endpoints' questions (hairpin source, affinity record);
// - per endpoint, what the filter hooks and nat POSTROUTING do after a DNAT to it, per path and
//   masquerade bit: after a DNAT they see a destination the IR fixes (docs/ir.md §3.6).
// Nothing here decides semantics: evaluate.ts computes each value the first time it is needed and
// the plan only remembers it. Kept small (a few hundred bytes per endpoint): a plan lives as long
// as its program, and the verifier may touch every service port of a large one.
import { type CIDRText, loopbackBroadcast, loopbackCIDR } from '../../common/ip.ts';
import type { Protocol } from '../../common/kubernetes.ts';
import { type Outcome, type Rational, rational } from './outcome.ts';
import { type AffinityListId, affinityListId, type CtState, type PacketTest } from './packet.ts';
import { type ProgramTables, tablesOf } from './tables.ts';
import type { IREndpoint, IREndpointSet, IRLocalDetector, IRProgram, IRServicePort } from './types.ts';

/**
 * A question of the program: the test (frozen; one object per distinct question) and the last
 * answer, stamped with the id of the run that got it — a run's memo without a map per run. A run
 * trusts only answers stamped with its own id, so a run abandoned by a throwing view, or one
 * nested inside a view, can at worst make another run ask again, never answer it wrongly.
 */
export interface Question {
  readonly test: PacketTest;
  run: number;
  answer: boolean;
}

/** The program's own questions. */
export interface ProgramQuestions {
  ctNew: Question;
  /** ct state = s, for the states other than new */
  ct: Record<Exclude<CtState, 'new'>, Question>;
  pathLocal: Question;
  /** the masquerade bit is set on entry */
  mark: Question;
  srcLoopback: Question;
  dstLoopback: Question;
  /** src / dst = lo's broadcast address, in the loopback block but not LOCAL (IPv4; null for IPv6) */
  srcLoopbackBroadcast: Question | null;
  dstLoopbackBroadcast: Question | null;
  /** src / dst = each node IP, in nodeIPs order */
  srcNode: readonly Question[];
  dstNode: readonly Question[];
  /** dst = each address of `nodePorts.addresses` (empty for allLocal) */
  dstNodePortAddress: readonly Question[];
}

export interface ProgramPlan {
  ir: IRProgram;
  tables: ProgramTables;
  q: ProgramQuestions;
  /** every question so far: address questions by CIDR, the others by testKey (affinity ones: per port plan) */
  interned: { src: Map<string, Question>; dst: Map<string, Question>; other: Map<string, Question> };
  ports: Map<IRServicePort, PortPlan>;
  /** the distinct results of the hooks after a DNAT, by verdict, masquerade and mark */
  tails: Map<string, AfterDnat>;
}

/** What the filter hooks and nat POSTROUTING did to a DNATed packet: the outcome but its DNAT target and affinity writes. */
export type AfterDnat = Readonly<Pick<Outcome, 'verdict' | 'masquerade' | 'mark'>>;

/** A DNAT target of one service port: what a branch choosing it needs. */
export interface EndpointPlan {
  endpoint: IREndpoint;
  /** the service port's protocol: the DNATed packet's */
  protocol: Protocol;
  /** the affinity lists a DNAT to it writes (frozen, sorted, no repeats): its own list with affinity, else none */
  writes: readonly AffinityListId[];
  /** src = the endpoint's address (hairpin) */
  srcIs: Question;
  /** a fresh record in its affinity list (null without affinity) */
  fresh: Question | null;
  /** what the hooks do after a DNAT to it, by slot (path local, masquerade bit); null until first needed */
  after: (AfterDnat | undefined)[] | null;
}

/** A balanced endpoint set: its endpoints in order and the share 1/N each gets. */
export interface SetPlan {
  endpoints: readonly EndpointPlan[];
  share: Rational;
}

export interface PortPlan {
  /** "the detector says pod" (null: the detector never does) */
  pod: Question | null;
  /** src inside each of the firewall's source ranges, in order */
  sourceRanges: readonly Question[];
  /** src = each LB IP, in order */
  srcLoadBalancer: readonly Question[];
  cluster: SetPlan | null;
  local: SetPlan | null;
}

/** A spelling of a question; two questions are the same iff their keys are. */
export function testKey(t: PacketTest): string {
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

function intern(plan: Pick<ProgramPlan, 'interned'>, t: PacketTest): Question {
  const { src, dst, other } = plan.interned;
  const [map, k] = t.kind === 'src' ? [src, t.cidr] : t.kind === 'dst' ? [dst, t.cidr] : [other, testKey(t)];
  let q = map.get(k);
  if (!q) map.set(k, (q = question(t)));
  return q;
}

const question = (t: PacketTest): Question => ({ test: Object.freeze(t), run: 0, answer: false });

const memo = new WeakMap<IRProgram, ProgramPlan>();

/** The plan of a program (built on first use; the program must not change afterwards). */
export function planOf(ir: IRProgram): ProgramPlan {
  let plan = memo.get(ir);
  if (!plan) memo.set(ir, (plan = buildPlan(ir)));
  return plan;
}

const hostCidr = (ir: IRProgram, ip: string): CIDRText => `${ip}/${ir.family === 'ipv4' ? 32 : 128}` as CIDRText;

function buildPlan(ir: IRProgram): ProgramPlan {
  const p = { interned: { src: new Map(), dst: new Map(), other: new Map() } };
  const q = (t: PacketTest) => intern(p, t);
  const loopback = loopbackCIDR(ir.family);
  const broadcast = loopbackBroadcast(ir.family);
  const ct = (state: CtState) => q({ kind: 'ctState', state });
  const questions: ProgramQuestions = {
    ctNew: ct('new'),
    ct: { established: ct('established'), related: ct('related'), invalid: ct('invalid'), untracked: ct('untracked') },
    pathLocal: q({ kind: 'path', path: 'local' }),
    mark: q({ kind: 'mark', mask: ir.masqueradeMark, value: ir.masqueradeMark }),
    srcLoopback: q({ kind: 'src', cidr: loopback }),
    dstLoopback: q({ kind: 'dst', cidr: loopback }),
    srcLoopbackBroadcast: broadcast === null ? null : q({ kind: 'src', cidr: hostCidr(ir, broadcast) }),
    dstLoopbackBroadcast: broadcast === null ? null : q({ kind: 'dst', cidr: hostCidr(ir, broadcast) }),
    srcNode: ir.nodeIPs.map((ip) => q({ kind: 'src', cidr: hostCidr(ir, ip) })),
    dstNode: ir.nodeIPs.map((ip) => q({ kind: 'dst', cidr: hostCidr(ir, ip) })),
    dstNodePortAddress:
      ir.nodePorts.kind === 'addresses'
        ? ir.nodePorts.addresses.map((ip) => q({ kind: 'dst', cidr: hostCidr(ir, ip) }))
        : [],
  };
  return { ir, tables: tablesOf(ir), q: questions, interned: p.interned, ports: new Map(), tails: new Map() };
}

/** The plan of one of the program's service ports (built on first use). */
export function portPlan(plan: ProgramPlan, sp: IRServicePort): PortPlan {
  let pp = plan.ports.get(sp);
  if (!pp) plan.ports.set(sp, (pp = buildPortPlan(plan, sp)));
  return pp;
}

function podQuestion(plan: ProgramPlan, d: IRLocalDetector): Question | null {
  switch (d.kind) {
    case 'none':
      return null;
    case 'cidr':
      return intern(plan, { kind: 'src', cidr: d.cidr });
    case 'interface':
      return intern(plan, { kind: 'inInterface', name: d.name, prefix: false });
    case 'interfacePrefix':
      return intern(plan, { kind: 'inInterface', name: d.prefix, prefix: true });
  }
}

const NO_WRITES: readonly AffinityListId[] = Object.freeze([]);

function buildPortPlan(plan: ProgramPlan, sp: IRServicePort): PortPlan {
  const { ir } = plan;
  const plans = new Map<IREndpoint, EndpointPlan>();
  // One balance per run: affinity questions can only repeat inside a port (endpoints sharing a list).
  const freshByList = new Map<AffinityListId, Question>();
  const endpointPlan = (e: IREndpoint): EndpointPlan => {
    let ep = plans.get(e);
    if (ep) return ep;
    let fresh: Question | null = null;
    let writes = NO_WRITES;
    if (sp.affinity) {
      const list = affinityListId(sp.servicePortName, sp.protocol, e.hostPort);
      fresh = freshByList.get(list) ?? null;
      if (!fresh) {
        fresh = question({ kind: 'affinityFresh', list, timeoutSeconds: sp.affinity.timeoutSeconds });
        freshByList.set(list, fresh);
      }
      writes = Object.freeze([list]);
    }
    ep = {
      endpoint: e,
      protocol: sp.protocol,
      writes,
      srcIs: intern(plan, { kind: 'src', cidr: hostCidr(ir, e.ip) }),
      fresh,
      after: null,
    };
    plans.set(e, ep);
    return ep;
  };
  const set = (s: IREndpointSet | null): SetPlan | null =>
    s && s.endpoints.length > 0
      ? { endpoints: s.endpoints.map(endpointPlan), share: Object.freeze(rational(1, s.endpoints.length)) }
      : null;
  return {
    pod: podQuestion(plan, sp.localDetector),
    sourceRanges: (sp.firewall?.sourceRanges ?? []).map((cidr) => intern(plan, { kind: 'src', cidr })),
    srcLoadBalancer: sp.loadBalancerIPs.map((ip) => intern(plan, { kind: 'src', cidr: hostCidr(ir, ip) })),
    cluster: set(sp.cluster),
    local: set(sp.local),
  };
}

/**
 * What the hooks do after a DNAT to `ep` of a new connection on this path with this masquerade
 * bit: from `compute()` (the full outcome) the first time, then remembered; equal results are
 * one object per program.
 */
export function afterDnat(
  plan: ProgramPlan,
  ep: EndpointPlan,
  pathLocal: boolean,
  bit: boolean,
  compute: () => Outcome,
): AfterDnat {
  const slot = (pathLocal ? 2 : 0) + (bit ? 1 : 0);
  ep.after ??= [undefined, undefined, undefined, undefined];
  let after = ep.after[slot];
  if (!after) {
    const { verdict, masquerade, mark } = compute();
    const k = `${verdict} ${masquerade} ${mark}`;
    after = plan.tails.get(k);
    if (!after) plan.tails.set(k, (after = Object.freeze({ verdict, masquerade, mark })));
    ep.after[slot] = after;
  }
  return after;
}
