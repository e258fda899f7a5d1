// Shard shapes: thousands of services are written the same way with other addresses, so their
// shards are evaluated the same way. A shard's shape is a canonical text of everything the three
// evaluators can observe while refining it — every rule they can reach, every IR service port the
// reference evaluator can look up, and how all the addresses and ports involved relate — with the
// addresses, ports and affinity lists replaced by their first-seen numbers. Two shards of one
// shape are isomorphic: the same questions get the same answers, so they split into the same
// number of classes with corresponding distributions, and one is equivalent iff the other is.
// The check evaluates the first shard of each shape and counts the rest (docs/verifier.md §How).
// A key's shards under the two roots (arriving, local) differ only in their root and source set:
// the rest of the text (the body) is written once per key, and each root's source set enters
// through the address pattern.
//
// What the evaluators can observe, and where each is covered:
// - artifact rules: every chain reachable from the base chains, where a chain with a key index
//   contributes only the rules that can be candidates for the keys the shard's flows carry (the
//   shard's own key, and each DNAT target with the shard's protocol): a rule filed under another
//   key fails its leading destination/port test for every class of the shard (port-only shards
//   exclude every exact destination of their port by construction);
// - IR service ports: the reference evaluator reaches them only through its exact-key tables, by
//   the same keys (frontends, refuse and firewall rules by destination, protocol, port;
//   NodePorts and health checks by protocol and port);
// - addresses: the answers depend only on which combinations of the constants involved (rule
//   sets, IR addresses, the node's local addresses, the shard's own sets) are non-empty — the
//   membership pattern of every elementary piece — not on the numbers themselves;
// - ports the same way; affinity lists by equality; every other value (protocols, interfaces,
//   marks, conntrack sets, probabilities, timeouts, verdicts) literally. An IR endpoint's isLocal
//   is left out: the evaluator only sees it through the local set, which is written.
import { ipOf } from '../../common/ip.ts';
import { affinityListId } from '../../compiler/ir/packet.ts';
import type { IRProgram, IRServicePort } from '../../compiler/ir/types.ts';
import type { Backend } from '../model/program.ts';
import { candidatesFor } from './candidates.ts';
import {
  type CPart,
  type CProgram,
  type CStep,
  type CTest,
  type CVerdict,
  type KeyIndex,
  portCode,
} from './compiled.ts';
import { equals, type IntervalSet } from './intervals.ts';
import { Numbering, pattern } from './shape-pattern.ts';
import type { Shard } from './shards.ts';
import { AFFINITY_BASE, addressAtom, addressAtomOf, DIM, type PacketSpace, protoAtom } from './space.ts';

/** Per-check data the signatures need, built once. */
export interface ShapeContext {
  space: PacketSpace;
  artifacts: readonly { backend: Backend; program: CProgram }[];
  ir: IRProgram | null;
  /** IR service ports by the keys that reach them */
  irByKey: Map<string, IRServicePort[]>;
  irByPort: Map<string, IRServicePort[]>;
  /** each service port's position in the IR (rule order matters between service ports) */
  irOrder: Map<IRServicePort, number>;
  /** how many roots shard the same keys: a key's body is kept until every root's shard used it */
  rootCount: number;
  bodies: Map<string, ShardBody>;
  /** one copy of each body text (isomorphic keys have equal texts; bodies wait for their other roots) */
  texts: Map<string, string>;
}

/**
 * Everything of a shape but its root: the shards of one key under each root (arriving, local)
 * reach the same rules with the same key contexts, and differ only in their source set, which
 * enters the shape through the address pattern alone. Written once per key.
 */
interface ShardBody {
  text: string;
  /** the numbered address sets, for the pattern with each root's source set */
  addresses: IntervalSet[];
  ports: string;
  /** the shard's destination set (the same under every root: roots do not restrict it) */
  dst: IntervalSet;
  /** roots still to come for this key */
  waiting: number;
}

export function shapeContext(
  space: PacketSpace,
  artifacts: readonly { backend: Backend; program: CProgram }[],
  ir: IRProgram | null,
  rootCount = 1,
): ShapeContext {
  const irByKey = new Map<string, IRServicePort[]>();
  const irByPort = new Map<string, IRServicePort[]>();
  const add = (m: Map<string, IRServicePort[]>, k: string, sp: IRServicePort) => {
    const l = m.get(k);
    if (!l) m.set(k, [sp]);
    else if (l[l.length - 1] !== sp) l.push(sp);
  };
  for (const sp of ir?.servicePorts ?? []) {
    const proto = protoAtom(sp.protocol);
    for (const ip of [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs]) {
      add(irByKey, `${addressAtomOf(space.addresses, ip)} ${proto} ${sp.port}`, sp);
    }
    if (sp.nodePort !== null) add(irByPort, `${proto} ${sp.nodePort}`, sp);
    if (sp.healthCheckNodePort !== null) add(irByPort, `${protoAtom('tcp')} ${sp.healthCheckNodePort}`, sp);
  }
  const irOrder = new Map((ir?.servicePorts ?? []).map((sp, i) => [sp, i]));
  return { space, artifacts, ir, irByKey, irByPort, irOrder, rootCount, bodies: new Map(), texts: new Map() };
}

const itemLists = new Map<number, number[]>();
function allItems(count: number): number[] {
  let l = itemLists.get(count);
  if (!l) itemLists.set(count, (l = Array.from({ length: count }, (_, i) => i)));
  return l;
}

interface KeyContext {
  dst: number | undefined;
  proto: number;
  port: number;
}

/** The shape of one shard; null when it is not cached (the rest shards, or no key). */
export function shardShape(ctx: ShapeContext, shard: Shard, rootIndex: number): string | null {
  const key = shard.key;
  if (key.kind === 'rest') return null;
  const id = key.kind === 'exact' ? `${key.dst} ${key.proto} ${key.port}` : `port ${key.proto} ${key.port}`;
  const dst = shard.cls.core[DIM.dst]!;
  let body = ctx.bodies.get(id);
  if (body !== undefined && equals(body.dst, dst)) {
    if (--body.waiting === 0) ctx.bodies.delete(id);
  } else {
    body = shardBody(ctx, key, dst);
    if (ctx.rootCount > 1) {
      body.waiting = ctx.rootCount - 1;
      ctx.bodies.set(id, body);
    }
  }
  // the source set is compared with every numbered address set through the pattern
  const src = shard.cls.core[DIM.src]!;
  return `root ${rootIndex}\n${body.text}\naddresses ${pattern([...body.addresses, src])}\nports ${body.ports}`;
}

function shardBody(ctx: ShapeContext, key: Exclude<Shard['key'], { kind: 'rest' }>, dst: IntervalSet): ShardBody {
  const { space } = ctx;
  const addrs = new Numbering();
  const ports = new Numbering();
  const lists = new Map<string, number>();
  const listId = (id: string) => {
    let i = lists.get(id);
    if (i === undefined) lists.set(id, (i = lists.size));
    return i;
  };
  const out: string[] = [`key ${key.kind} ${key.proto}`];
  // the shard's destination set and the node's local addresses come first
  out.push(`dst ${addrs.id(dst)}`);
  out.push(`local ${addrs.id(space.local)} port ${ports.pointId(key.port)}`);

  const contexts: KeyContext[] = [
    { dst: key.kind === 'exact' ? key.dst : undefined, proto: key.proto, port: key.port },
  ];
  // a context as one number (an atom, or -1 for the open destination of a port-only shard, and a port)
  const contextKey = (dst: number | undefined, port: number) => (dst ?? -1) * 65536 + port;
  const contextKeys = new Set([contextKey(contexts[0]!.dst, key.port)]);
  const addContext = (dst: number, port: number) => {
    const k = contextKey(dst, port);
    if (contextKeys.has(k)) return false;
    contextKeys.add(k);
    contexts.push({ dst, proto: key.proto, port });
    return true;
  };

  if (ctx.ir) out.push(irShape(ctx, ctx.ir, contexts, addContext, addrs, ports, listId));
  for (const a of ctx.artifacts) out.push(programShape(a.program, space, contexts, addContext, addrs, ports, listId));
  let text = out.join('\n');
  const known = ctx.texts.get(text);
  if (known === undefined) ctx.texts.set(text, text);
  else text = known;
  return { text, addresses: addrs.sets, ports: pattern(ports.sets), dst, waiting: 0 };
}

type AddContext = (dst: number, port: number) => boolean;

function irShape(
  ctx: ShapeContext,
  ir: IRProgram,
  contexts: KeyContext[],
  addContext: AddContext,
  addrs: Numbering,
  ports: Numbering,
  listId: (id: string) => number,
): string {
  const { space } = ctx;
  const a = (ip: string) => addrs.pointId(addressAtomOf(space.addresses, ip));
  const cidr = (text: string) => {
    const [ip, len] = text.split('/') as [string, string];
    const v = ipOf(ip).value;
    const bits = BigInt(space.family === 'ipv4' ? 32 : 128);
    const last = v + (1n << (bits - BigInt(Number(len)))) - 1n;
    return addrs.id([addressAtom(space.addresses, v), addressAtom(space.addresses, last)]);
  };
  const p = (n: number) => ports.pointId(n);
  const detector = (d: IRProgram['localDetector']) =>
    d.kind === 'cidr' ? `cidr ${cidr(d.cidr)}` : d.kind === 'none' ? 'none' : `${d.kind} ${JSON.stringify(d)}`;
  const lines: string[] = [
    `ir ${ir.family} mark ${ir.masqueradeMark} all ${ir.masqueradeAll} lhnp ${ir.localhostNodePorts}`,
    `env ${ir.environment.nfacct} ${ir.environment.randomFully} ${ir.environment.conntrackLiberal}`,
    `det ${detector(ir.localDetector)} nodes ${ir.nodeIPs.map(a).join(',')} primary ${a(ir.primaryNodeIP)}`,
    `np ${ir.nodePorts.kind === 'addresses' ? ir.nodePorts.addresses.map(a).join(',') : 'all'}`,
  ];
  const seen = new Map<IRServicePort, number>();
  const ranked = () =>
    [...seen.keys()]
      .sort((x, y) => ctx.irOrder.get(x)! - ctx.irOrder.get(y)!)
      .map((sp) => seen.get(sp))
      .join(',');
  for (let c = 0; c < contexts.length; c++) {
    const k = contexts[c]!;
    const reached = [
      ...(k.dst === undefined ? [] : (ctx.irByKey.get(`${k.dst} ${k.proto} ${k.port}`) ?? [])),
      ...(ctx.irByPort.get(`${k.proto} ${k.port}`) ?? []),
    ];
    for (const sp of reached) {
      if (seen.has(sp)) {
        lines.push(`ctx ${c} sp ${seen.get(sp)}`);
        continue;
      }
      const n = seen.size;
      seen.set(sp, n);
      lines.push(`ctx ${c} sp ${n}: ${servicePortShape(sp, a, cidr, p, detector, listId)}`);
      for (const e of sp.endpoints) addContext(addressAtomOf(space.addresses, e.ip), e.port);
    }
  }
  lines.push(`order ${ranked()}`);
  return lines.join('\n');
}

function servicePortShape(
  sp: IRServicePort,
  a: (ip: string) => number,
  cidr: (text: string) => number,
  p: (n: number) => number,
  detector: (d: IRProgram['localDetector']) => string,
  listId: (id: string) => number,
): string {
  const eps = sp.endpoints;
  const index = new Map(eps.map((e, i) => [e.hostPort, i]));
  const set = (s: IRServicePort['cluster']) => (s ? s.endpoints.map((e) => index.get(e.hostPort)).join(',') : '-');
  return [
    sp.protocol,
    p(sp.port),
    a(sp.clusterIP),
    `x ${sp.externalIPs.map(a).join(',')}`,
    `lb ${sp.loadBalancerIPs.map(a).join(',')}`,
    `np ${sp.nodePort === null ? '-' : p(sp.nodePort)} hc ${sp.healthCheckNodePort === null ? '-' : p(sp.healthCheckNodePort)}`,
    `${sp.internalTrafficPolicy} ${sp.externalTrafficPolicy} det ${detector(sp.localDetector)}`,
    `aff ${sp.affinity?.timeoutSeconds ?? '-'} has ${sp.hasEndpoints}`,
    `int ${JSON.stringify(sp.internal)} ${sp.internalMasquerade} ext ${JSON.stringify(sp.external)}`,
    `fw ${sp.firewall ? `${sp.firewall.sourceRanges.map(cidr).join(',')} ${sp.firewall.allowLoadBalancerIPs}` : '-'}`,
    `eps ${eps.map((e) => `${a(e.ip)}:${p(e.port)}/${listId(affinityListId(sp.servicePortName, sp.protocol, e.hostPort))}`).join(' ')}`,
    `sets ${set(sp.cluster)} | ${set(sp.local)}`,
  ].join(' ');
}

function programShape(
  program: CProgram,
  space: PacketSpace,
  contexts: KeyContext[],
  addContext: AddContext,
  addrs: Numbering,
  ports: Numbering,
  listId: (id: string) => number,
): string {
  const chainIds = new Map<number, number>();
  const rulesByChain = new Map<number, Set<number>>();
  const queue: number[] = [];
  const reachChain = (c: number): number => {
    let id = chainIds.get(c);
    if (id === undefined) {
      id = chainIds.size;
      chainIds.set(c, id);
      rulesByChain.set(c, new Set());
      queue.push(c);
    }
    return id;
  };
  /** The items an index can offer the contexts from `from` on (for a new context, or a new chain). */
  const itemsFor = (index: KeyIndex | null, count: number, from: number): Iterable<number> => {
    if (!index) return from === 0 ? allItems(count) : [];
    const out = new Set<number>();
    for (let c = from; c < contexts.length; c++) {
      const k = contexts[c]!;
      if (k.dst === undefined) {
        // a port-only shard excludes every exact destination filed for its port (shards.ts), so
        // the `full` items of that port never match in it: only port-only, destination-only and
        // general items can
        for (const list of [index.portOnly.get(portCode(k.proto, k.port)), index.allDstOnly, index.general])
          for (const i of list ?? []) out.add(i);
      } else for (const i of candidatesFor(index, k.proto, k.port, k.dst)) out.add(i);
    }
    return out;
  };
  const candidateItems = (index: KeyIndex | null, count: number): number[] =>
    [...itemsFor(index, count, 0)].sort((x, y) => x - y);
  // Reach every chain, rule and dispatch element, to a fixpoint: a DNAT target adds a key context,
  // which can reach more items of every index already visited. Each chain and dispatch remembers
  // how many contexts it has been offered, so each (index, context) pair is looked up once.
  const hooks: string[] = [];
  for (const [hook, bases] of Object.entries(program.hooks)) {
    for (const b of bases) hooks.push(`${hook} ${b.type} ${b.priority} ${b.policy} ${reachChain(b.chain)}`);
  }
  type Dispatch = Extract<CStep, { kind: 'dispatch' }>;
  const dispatches = new Map<Dispatch, { offered: number; seen: Set<number> }>();
  const offered = new Map<number, number>();
  /** `dnatPort`: the port a ported dispatch gives its elements' DNATs (compiled.ts). */
  const reachSteps = (steps: readonly CStep[], dnatPort: number | null = null) => {
    for (const s of steps) {
      if (s.kind === 'verdict') {
        if (s.verdict.kind === 'jump' || s.verdict.kind === 'goto') reachChain(s.verdict.chain);
        if (s.verdict.kind === 'dnat') addContext(s.verdict.atom, dnatPort ?? s.verdict.port ?? contexts[0]!.port);
      } else if (s.kind === 'dispatch') {
        if (!dispatches.has(s)) dispatches.set(s, { offered: 0, seen: new Set() });
      } else if (s.kind === 'numgen') for (const b of s.branches) reachSteps(b.steps);
    }
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const c of [...chainIds.keys()]) {
      const from = offered.get(c) ?? 0;
      if (from === contexts.length) continue;
      offered.set(c, contexts.length);
      changed = true;
      const chain = program.chains[c]!;
      const rules = rulesByChain.get(c)!;
      for (const r of itemsFor(chain.index, chain.rules.length, from)) {
        if (rules.has(r)) continue;
        rules.add(r);
        reachSteps(chain.rules[r]!.steps);
      }
    }
    for (const [d, state] of [...dispatches]) {
      if (state.offered === contexts.length) continue;
      const from = state.offered;
      state.offered = contexts.length;
      changed = true;
      for (const i of itemsFor(d.index, d.elements.length, from)) {
        if (state.seen.has(i)) continue;
        state.seen.add(i);
        reachSteps(d.elements[i]!.steps, d.dnatPort);
      }
    }
  }
  // write them in first-reached order
  const partText = (p: CPart): string => {
    switch (p.dim) {
      case DIM.src:
      case DIM.dst:
        return `${p.dim}a${addrs.id(p.set)}`;
      case DIM.sport:
      case DIM.dport:
        return `${p.dim}p${ports.id(p.set)}`;
      default:
        return `${p.dim}=${p.set.join(',')}`;
    }
  };
  const testText = (t: CTest, contextsNow: typeof contexts): string => {
    switch (t.kind) {
      case 'parts':
        return t.parts.map(partText).join('&');
      case 'mark':
        return `mark ${t.mask} ${t.value}`;
      case 'ct':
        return `ct ${t.atoms.join(',')} ${t.matchesNew} ${t.dnat}`;
      case 'affinity':
        return `aff ${listId(space.affinity[t.dim - AFFINITY_BASE]!.id)} ${t.set.join(',')}`;
      case 'member': {
        const items = t.index
          ? [...new Set(contextsNow.flatMap((k) => candidatesFor(t.index!, k.proto, k.port, k.dst)))].sort(
              (x, y) => x - y,
            )
          : t.elements.map((_, i) => i);
        return `member ${items.map((i) => t.elements[i]!.map(partText).join('&')).join('|')}`;
      }
    }
  };
  const verdictText = (v: CVerdict): string => {
    switch (v.kind) {
      case 'jump':
      case 'goto':
        return `${v.kind} ${chainIds.get(v.chain)}`;
      case 'dnat':
        return `dnat ${addrs.pointId(v.atom)} ${v.port === null ? '-' : ports.pointId(v.port)}`;
      case 'masquerade':
        return `masq ${v.fullyRandom}`;
      case 'reject':
        return `reject ${v.with}`;
      default:
        return v.kind;
    }
  };
  const stepText = (s: CStep, dnatOnly: boolean): string => {
    switch (s.kind) {
      case 'test':
        return `${s.negate ? '!' : ''}(${testText(s.test, dnatOnly ? dnatContexts() : contexts)})`;
      case 'random':
        return `rand ${s.p.n}/${s.p.s}`;
      case 'numgen':
        return `numgen[${s.branches.map((b) => `${b.w.n}/${b.w.s}:${stepsText(b.steps)}`).join('|')}] miss ${s.miss.n}/${s.miss.s}`;
      case 'dispatch': {
        const items = candidateItems(s.index, s.elements.length);
        const port = s.dnatPort === null ? '' : ` port ${ports.pointId(s.dnatPort)}`;
        return `dispatch[${items.map((i) => `${s.elements[i]!.parts.map(partText).join('&')}:${stepsText(s.elements[i]!.steps)}`).join('|')}]${port}`;
      }
      case 'mark':
        return `mark ${s.keep} ${s.xor}`;
      case 'affinityWrite':
        return `write ${listId(s.list)}`;
      case 'noop':
        return '';
      case 'verdict':
        return verdictText(s.verdict);
    }
  };
  // Shards are all new packets; after a passing `ct status dnat` test (not true of new packets
  // unless DNAT happened) the destination is a DNAT target, which is one of the contexts with a
  // destination: a lookup there cannot see the open destination of a port-only shard.
  const dnatContexts = () => contexts.filter((k) => k.dst !== undefined);
  const stepsText = (steps: readonly CStep[]): string => {
    let dnatOnly = false;
    const out: string[] = [];
    for (const st of steps) {
      out.push(stepText(st, dnatOnly));
      if (st.kind === 'test' && st.test.kind === 'ct' && !st.negate && !st.test.matchesNew && st.test.dnat) {
        dnatOnly = true;
      }
    }
    return out.join(';');
  };

  const lines = [`program ${program.backend}`, ...hooks];
  for (const c of queue) {
    const chain = program.chains[c]!;
    const rules = [...rulesByChain.get(c)!].sort((x, y) => x - y);
    lines.push(`chain ${chainIds.get(c)} ${rules.map((r) => stepsText(chain.rules[r]!.steps)).join(' / ')}`);
  }
  return lines.join('\n');
}

/** The classes one shard splits into, remembered per shape. */
export type ShapeCache = Map<string, { classes: number; equivalent: boolean }>;
