// Shard shapes: thousands of services are written the same way with other addresses, so their
// shards are evaluated the same way. A shard's shape is a canonical text of everything the three
// evaluators can observe while refining it — every rule they can reach, every IR service port the
// reference evaluator can look up, and how all the addresses and ports involved relate — with the
// addresses, ports and affinity lists replaced by their first-seen numbers. Two shards of one
// shape are isomorphic: the same questions get the same answers, so they split into the same
// number of classes with corresponding distributions, and one is equivalent iff the other is.
// The check evaluates the first shard of each shape and counts the rest (docs/verifier.md §How).
// Within one check a shape names its body by number: equal numbers for equal bodies only. A body
// is written as numbers, not text (shape-stream.ts): templates of its rules and lines with its
// constants' numbers in their holes (shape-templates.ts); written out, it is the body's text.
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
//   NodePorts by protocol and port); of a health-check node port it asks only whether a packet's
//   port is one, so a context at one writes that fact, not the service port that owns it;
// - addresses: the answers depend only on which combinations of the constants involved (rule
//   sets, IR addresses, the node's local addresses, the shard's own sets) are non-empty — the
//   membership pattern of every elementary piece — not on the numbers themselves;
// - ports the same way; affinity lists by equality, their timeouts as the age atoms they select
//   (each list is its own dimension, cut at its timeouts); every other value (protocols,
//   interfaces, marks, conntrack sets, probabilities, verdicts) literally. An IR endpoint's
//   isLocal is left out: the evaluator only sees it through the local set, which is written;
// - a set of point tuples (nft's hairpin set) without its order (shape-steps.ts).
import { cidrOf } from '../../common/ip.ts';
import { affinityListId } from '../../compiler/ir/packet.ts';
import type { IRProgram, IRServicePort } from '../../compiler/ir/types.ts';
import { type CompiledArtifact, portCode } from './compiled.ts';
import { equals, type IntervalSet } from './intervals.ts';
import { affinityFreshQuestion } from './ir-view.ts';
import { loopbackBroadcastAtoms, loopbackLocalAtoms } from './locality.ts';
import { pattern } from './shape-pattern.ts';
import { type BodyContexts, type KeyContext, programShape } from './shape-program.ts';
import { emitTemplate, expandTokens, type StreamWriter, startBody, streamWriter } from './shape-stream.ts';
import { HOLE, SetTable, TextTable, TokenInterner } from './shape-tables.ts';
import { literalTemplate, TemplateBuilder, type Templates, templateTables } from './shape-templates.ts';
import type { Shard } from './shards.ts';
import { AFFINITY_BASE, addressAtomOf, addressRangeAtoms, DIM, type PacketSpace, protoAtom } from './space.ts';

/** Per-check data the signatures need, built once. */
export interface ShapeContext {
  space: PacketSpace;
  artifacts: readonly CompiledArtifact[];
  ir: IRProgram | null;
  /** IR service ports by the keys that reach them */
  irByKey: Map<number, IRServicePort[]>;
  irByPort: Map<number, IRServicePort[]>;
  /**
   * Health-check node ports (tcp): the reference evaluator only asks whether a packet's port is
   * one (KUBE-NODEPORTS' accept in INPUT); nothing else of the service port that has it.
   */
  irHealthChecks: Set<number>;
  /** each service port's position in the IR (rule order matters between service ports) */
  irOrder: Map<IRServicePort, number>;
  /** how many roots shard the same keys: a key's body is kept until every root's shard used it */
  rootCount: number;
  bodies: Map<string, ShardBody>;
  /** the check's constants, templates and written-out texts */
  templates: Templates;
  writer: StreamWriter;
  /**
   * Each distinct body's number (isomorphic keys write equal tokens): a shape names its body by
   * number, so the tokens are hashed once per key, not again in every shard's shape.
   */
  bodyTokens: TokenInterner;
  /** the loopback block's address sets' ids (the same in every body) */
  loopback: { local: number; broadcast: number };
  portFacts: Map<IRServicePort, PortFacts>;
  programFacts: ProgramFacts | null;
  /** CIDRs' atoms by text */
  cidrs: Map<string, IntervalSet>;
}

/**
 * Everything of a shape but its root: the shards of one key under each root (arriving, local)
 * reach the same rules with the same key contexts, and differ only in their source set, which
 * enters the shape through the address pattern alone. Written once per key.
 */
interface ShardBody {
  /** the body's number in ShapeContext.bodyTokens */
  id: number;
  /** the numbered address sets, for the pattern with each root's source set */
  addresses: IntervalSet[];
  ports: string;
  /** the shard's destination set (the same under every root: roots do not restrict it) */
  dst: IntervalSet;
  /** roots still to come for this key */
  waiting: number;
}

/** A destination atom, protocol atom and port as one number (atoms stay far below 2^29). */
const frontendCode = (dst: number, proto: number, port: number): number => dst * 16777216 + portCode(proto, port);

export function shapeContext(
  space: PacketSpace,
  artifacts: readonly CompiledArtifact[],
  ir: IRProgram | null,
  rootCount = 1,
): ShapeContext {
  const irByKey = new Map<number, IRServicePort[]>();
  const irByPort = new Map<number, IRServicePort[]>();
  const irHealthChecks = new Set<number>();
  const add = (m: Map<number, IRServicePort[]>, k: number, sp: IRServicePort) => {
    const l = m.get(k);
    if (!l) m.set(k, [sp]);
    else if (l[l.length - 1] !== sp) l.push(sp);
  };
  for (const sp of ir?.servicePorts ?? []) {
    const proto = protoAtom(sp.protocol);
    for (const ip of [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs]) {
      add(irByKey, frontendCode(addressAtomOf(space.addresses, ip), proto, sp.port), sp);
    }
    if (sp.nodePort !== null) add(irByPort, portCode(proto, sp.nodePort), sp);
    if (sp.healthCheckNodePort !== null) irHealthChecks.add(portCode(protoAtom('tcp'), sp.healthCheckNodePort));
  }
  const irOrder = new Map((ir?.servicePorts ?? []).map((sp, i) => [sp, i]));
  const templates = templateTables(space, new SetTable(), new SetTable(), new TextTable());
  return {
    space,
    artifacts,
    ir,
    irByKey,
    irByPort,
    irHealthChecks,
    irOrder,
    rootCount,
    bodies: new Map(),
    templates,
    writer: streamWriter(templates),
    bodyTokens: new TokenInterner(),
    loopback: {
      local: templates.addrs.of(loopbackLocalAtoms(space)),
      broadcast: templates.addrs.of(loopbackBroadcastAtoms(space)),
    },
    portFacts: new Map(),
    programFacts: null,
    cidrs: new Map(),
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
  return `root ${rootIndex}\nbody ${body.id}\naddresses ${pattern([...body.addresses, src])}\nports ${body.ports}`;
}

/** A shape with its body written out: the same for isomorphic shards of any two contexts (tests). */
export const shapeText = (ctx: ShapeContext, shape: string): string =>
  shape.replace(/^body (\d+)$/m, (_, id: string) => bodyText(ctx, Number(id)));

/** A body's text: its tokens written out (shape-stream.ts). */
export const bodyText = (ctx: ShapeContext, id: number): string =>
  expandTokens(ctx.templates, ctx.writer.texts, ctx.bodyTokens.lists[id]!);

function shardBody(ctx: ShapeContext, key: Exclude<Shard['key'], { kind: 'rest' }>, dst: IntervalSet): ShardBody {
  const { space, writer: w, templates: T } = ctx;
  startBody(w);
  const { tokens } = w;
  // the shard's destination set and the node's local addresses come first; then what the
  // evaluators read of the loopback block whatever the mode: a DNAT target's locality in
  // universal mode, lo's broadcast address routed to input, MASQUERADE's candidate sources
  tokens.push(
    literalTemplate(T, `key ${key.kind} ${key.proto}\ndst \u0000\nlocal \u0000 port \u0000\nlo \u0000 bc \u0000`, [
      HOLE.addr,
      HOLE.addr,
      HOLE.port,
      HOLE.addr,
      HOLE.addr,
    ]),
  );
  tokens.push(w.addrs.of(T.addrs.of(dst)));
  tokens.push(w.addrs.of(T.addrs.ofKept(space.local)));
  tokens.push(w.ports.of(T.ports.point(key.port)));
  tokens.push(w.addrs.of(ctx.loopback.local));
  tokens.push(w.addrs.of(ctx.loopback.broadcast));

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

  const bc: BodyContexts = { contexts, addContext };
  if (ctx.ir) irShape(ctx, ctx.ir, bc);
  for (const a of ctx.artifacts) programShape(a.program, w, bc);
  const id = ctx.bodyTokens.of(tokens);
  const ports = w.ports.order.map((p) => T.ports.sets[p]!);
  return { id, addresses: w.addrs.order.map((a) => T.addrs.sets[a]!), ports: pattern(ports), dst, waiting: 0 };
}

function irShape(ctx: ShapeContext, ir: IRProgram, bc: BodyContexts): void {
  const { contexts, addContext } = bc;
  const { writer: w, templates: T } = ctx;
  const { tokens } = w;
  emitTemplate(w, programFacts(ctx, ir).template);
  const seenLine = literalTemplate(T, '\nctx \u0000 sp \u0000', [HOLE.number, HOLE.number]);
  const newLine = literalTemplate(T, '\nctx \u0000 sp \u0000: ', [HOLE.number, HOLE.number]);
  const healthLine = literalTemplate(T, '\nctx \u0000 hc', [HOLE.number]);
  const seen = new Map<IRServicePort, number>();
  for (let c = 0; c < contexts.length; c++) {
    const k = contexts[c]!;
    const reached = [
      ...(k.dst === undefined ? [] : (ctx.irByKey.get(frontendCode(k.dst, k.proto, k.port)) ?? [])),
      ...(ctx.irByPort.get(portCode(k.proto, k.port)) ?? []),
    ];
    for (const sp of reached) {
      const known = seen.get(sp);
      if (known !== undefined) {
        tokens.push(seenLine);
        tokens.push(c);
        tokens.push(known);
        continue;
      }
      const n = seen.size;
      seen.set(sp, n);
      const facts = portFacts(ctx, sp);
      tokens.push(newLine);
      tokens.push(c);
      tokens.push(n);
      emitTemplate(w, facts.template);
      for (let i = 0; i < sp.endpoints.length; i++) addContext(facts.endpoints[i]!, sp.endpoints[i]!.port);
    }
    if (ctx.irHealthChecks.has(portCode(k.proto, k.port))) {
      tokens.push(healthLine);
      tokens.push(c);
    }
  }
  const ranked = [...seen.keys()]
    .sort((x, y) => ctx.irOrder.get(x)! - ctx.irOrder.get(y)!)
    .map((sp) => seen.get(sp))
    .join(',');
  tokens.push(literalTemplate(T, '\norder \u0000', [HOLE.text]));
  tokens.push(w.texts.of(ranked));
}

/** A local detector: the atoms of its CIDR, or its literal text for the other kinds. */
type Detector = IntervalSet | string;

function detectorOf(ctx: ShapeContext, d: IRProgram['localDetector']): Detector {
  if (d.kind === 'cidr') return cidrAtoms(ctx, d.cidr);
  return d.kind === 'none' ? 'none' : `${d.kind} ${JSON.stringify(d)}`;
}

/** A CIDR's atoms, one set per text (most service ports name the same few: the pod CIDR, a detector). */
function cidrAtoms(ctx: ShapeContext, text: string): IntervalSet {
  let atoms = ctx.cidrs.get(text);
  if (atoms === undefined) {
    const c = cidrOf(text);
    ctx.cidrs.set(text, (atoms = addressRangeAtoms(ctx.space.addresses, c.first, c.last)));
  }
  return atoms;
}

/** The program's own lines, made once per check: its settings, detector, node addresses and NodePorts. */
interface ProgramFacts {
  /** the place of its template */
  template: number;
}

function programFacts(ctx: ShapeContext, ir: IRProgram): ProgramFacts {
  if (ctx.programFacts !== null) return ctx.programFacts;
  const atom = (ip: string) => addressAtomOf(ctx.space.addresses, ip);
  const b = new TemplateBuilder(ctx.templates);
  const a = (ip: string) => b.addrPoint(atom(ip));
  const detector = detectorOf(ctx, ir.localDetector);
  const text = [
    '',
    `ir ${ir.family} mark ${ir.masqueradeMark} all ${ir.masqueradeAll} lhnp ${ir.localhostNodePorts}`,
    `env ${ir.environment.nfacct} ${ir.environment.randomFully} ${ir.environment.conntrackLiberal}`,
    `det ${detectorText(b, detector)} nodes ${ir.nodeIPs.map(a).join(',')} primary ${a(ir.primaryNodeIP)}`,
    `np ${ir.nodePorts.kind === 'addresses' ? ir.nodePorts.addresses.map(a).join(',') : 'all'}`,
  ].join('\n');
  ctx.programFacts = { template: builtTemplate(b, text, 'the IR') };
  return ctx.programFacts;
}

/** A detector in a template: its CIDR's atoms as a hole, or its literal text. */
const detectorText = (b: TemplateBuilder, d: Detector): string => (typeof d === 'string' ? d : `cidr ${b.addrSet(d)}`);

/** The template of a text written with `b` (an IR line's literals are names and numbers, never U+0000). */
function builtTemplate(b: TemplateBuilder, text: string, what: string): number {
  const t = b.finish(text);
  if (t < 0) throw new Error(`internal error: the shape of ${what} holds U+0000`);
  return t;
}

/**
 * Per service port, made once: its endpoints' atoms (the key contexts its DNATs add) and its
 * line's template, every address, port and affinity list a hole. A service port is reached by
 * many shards' shapes.
 */
interface PortFacts {
  endpoints: number[];
  /** the place of its line's template */
  template: number;
}

function portFacts(ctx: ShapeContext, sp: IRServicePort): PortFacts {
  let f = ctx.portFacts.get(sp);
  if (f !== undefined) return f;
  const space = ctx.space;
  const atom = (ip: string) => addressAtomOf(space.addresses, ip);
  const index = new Map(sp.endpoints.map((e, i) => [e.hostPort, i]));
  const set = (s: IRServicePort['cluster']) => (s ? s.endpoints.map((e) => index.get(e.hostPort)).join(',') : '-');
  const lists = sp.endpoints.map((e) => affinityListId(sp.servicePortName, sp.protocol, e.hostPort));
  const endpoints = sp.endpoints.map((e) => atom(e.ip));
  const b = new TemplateBuilder(ctx.templates);
  const a = (ip: string) => b.addrPoint(atom(ip));
  const firewall = sp.firewall;
  // the constants are numbered in this order (left to right)
  const text = [
    sp.protocol,
    b.portPoint(sp.port),
    a(sp.clusterIP),
    `x ${sp.externalIPs.map(a).join(',')}`,
    `lb ${sp.loadBalancerIPs.map(a).join(',')}`,
    `np ${sp.nodePort === null ? '-' : b.portPoint(sp.nodePort)} hc ${sp.healthCheckNodePort === null ? '-' : b.portPoint(sp.healthCheckNodePort)}`,
    `${sp.internalTrafficPolicy} ${sp.externalTrafficPolicy} det ${detectorText(b, detectorOf(ctx, sp.localDetector))}`,
    `aff ${sp.affinity ? freshAtoms(space, lists, sp.affinity.timeoutSeconds) : '-'} has ${sp.hasEndpoints}`,
    `int ${JSON.stringify(sp.internal)} ${sp.internalMasquerade} ext ${JSON.stringify(sp.external)}`,
    `fw ${firewall ? `${firewall.sourceRanges.map((r) => b.addrSet(cidrAtoms(ctx, r))).join(',')} ${firewall.allowLoadBalancerIPs}` : '-'}`,
    `eps ${sp.endpoints.map((e, i) => `${b.addrPoint(endpoints[i]!)}:${b.portPoint(e.port)}/${b.list(lists[i]!)}`).join(' ')}`,
    `sets ${set(sp.cluster)} | ${set(sp.local)}`,
  ].join(' ');
  f = { endpoints, template: builtTemplate(b, text, `service port ${sp.servicePortName}`) };
  ctx.portFacts.set(sp, f);
  return f;
}

/**
 * What the reference evaluator observes of a service port's affinity timeout: per endpoint list,
 * the age atoms its question asks for (affinityFreshQuestion, ir-view.ts) out of how many. Not the
 * seconds: lists cut at 600 and at 10,800 seconds answer every question alike, and the artifacts'
 * age tests are written as atoms too (shape-steps.ts).
 */
function freshAtoms(space: PacketSpace, lists: readonly string[], timeoutSeconds: number): string {
  return lists
    .map((id) => {
      const q = affinityFreshQuestion(space, id, timeoutSeconds);
      return `${q.set.join('-')}/${space.affinity[q.dim - AFFINITY_BASE]!.cuts.length}`;
    })
    .join(',');
}

/** The classes one shard splits into, remembered per shape. */
export type ShapeCache = Map<string, { classes: number; equivalent: boolean }>;
