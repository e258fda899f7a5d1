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
// - artifact rules (shape-program.ts): every chain reachable from the base chains, where a chain
//   with a key index contributes only the rules that can be candidates for the keys the shard's
//   flows carry (the shard's own key, and each DNAT target with the shard's protocol): a rule
//   filed under another key fails its leading destination/port test for every class of the shard
//   (port-only shards exclude every exact destination of their port by construction);
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
import type { CProgram } from './compiled.ts';
import { equals, type IntervalSet } from './intervals.ts';
import { Numbering, pattern } from './shape-pattern.ts';
import { type BodyWriter, type KeyContext, programShape } from './shape-program.ts';
import type { Shard } from './shards.ts';
import { addressAtom, addressAtomOf, DIM, type PacketSpace, protoAtom } from './space.ts';

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
  endpointFacts: Map<IRServicePort, EndpointFacts>;
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
  return {
    space,
    artifacts,
    ir,
    irByKey,
    irByPort,
    irOrder,
    rootCount,
    bodies: new Map(),
    texts: new Map(),
    endpointFacts: new Map(),
  };
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

  const w: BodyWriter = { contexts, addContext, addrs, ports, listId };
  if (ctx.ir) out.push(irShape(ctx, ctx.ir, w));
  for (const a of ctx.artifacts) out.push(programShape(a.program, space, w));
  let text = out.join('\n');
  const known = ctx.texts.get(text);
  if (known === undefined) ctx.texts.set(text, text);
  else text = known;
  return { text, addresses: addrs.sets, ports: pattern(ports.sets), dst, waiting: 0 };
}

function irShape(ctx: ShapeContext, ir: IRProgram, w: BodyWriter): string {
  const { space } = ctx;
  const { contexts, addContext, addrs, ports, listId } = w;
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
      const facts = endpointFacts(ctx, sp);
      const atom = (i: number) => addrs.pointId(facts.atoms[i]!);
      lines.push(`ctx ${c} sp ${n}: ${servicePortShape(sp, facts, a, atom, cidr, p, detector, listId)}`);
      for (let i = 0; i < sp.endpoints.length; i++) addContext(facts.atoms[i]!, sp.endpoints[i]!.port);
    }
  }
  lines.push(`order ${ranked()}`);
  return lines.join('\n');
}

/** Per service port, what its endpoints' lines need: their address atoms and affinity lists. */
interface EndpointFacts {
  atoms: number[];
  lists: string[];
}

/** Each service port is reached by many shards' shapes: its endpoints are looked up once. */
function endpointFacts(ctx: ShapeContext, sp: IRServicePort): EndpointFacts {
  let f = ctx.endpointFacts.get(sp);
  if (f === undefined) {
    f = {
      atoms: sp.endpoints.map((e) => addressAtomOf(ctx.space.addresses, e.ip)),
      lists: sp.endpoints.map((e) => affinityListId(sp.servicePortName, sp.protocol, e.hostPort)),
    };
    ctx.endpointFacts.set(sp, f);
  }
  return f;
}

function servicePortShape(
  sp: IRServicePort,
  facts: EndpointFacts,
  a: (ip: string) => number,
  atom: (endpoint: number) => number,
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
    `eps ${eps.map((e, i) => `${atom(i)}:${p(e.port)}/${listId(facts.lists[i]!)}`).join(' ')}`,
    `sets ${set(sp.cluster)} | ${set(sp.local)}`,
  ].join(' ');
}

/** The classes one shard splits into, remembered per shape. */
export type ShapeCache = Map<string, { classes: number; equivalent: boolean }>;
