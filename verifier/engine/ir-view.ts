// The IR's reference evaluator (compiler/ir/evaluate.ts) asks a PacketView; this one answers for a
// packet class, splitting the class when the answer is not uniform. And the constants of an IR
// program, so the packet space is cut wherever the IR's meaning can change.
import { cidrOf, ipValueOf } from '../../common/ip.ts';
import { affinityListId, type KeyTable, type PacketTest, type PacketView } from '../../compiler/ir/packet.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { addAffinity, type Constants } from './constants.ts';
import { fromRanges, type IntervalSet, overlaps, point } from './intervals.ts';
import type { ClassQuery } from './query.ts';
import type { ShardKeys } from './shards.ts';
import {
  AFFINITY_BASE,
  addressAtomOf,
  addressRangeAtoms,
  affinityFreshAtoms,
  affinityKey,
  CT_ATOMS,
  CT_NEW,
  DIM,
  interfaceAtoms,
  markAtoms,
  type PacketSpace,
  PORT_PROTOS,
  protoAtom,
} from './space.ts';

export function collectIRConstants(c: Constants, ir: IRProgram): void {
  const ip = (t: string) => {
    // an address per endpoint and service port (180,000 at 10,000 services): no canonical text
    const v = ipValueOf(t);
    c.addresses.push([v, v]);
  };
  const cidr = (t: string) => {
    const p = cidrOf(t);
    c.addresses.push([p.first, p.last]);
  };
  cidr(ir.family === 'ipv4' ? '127.0.0.0/8' : '::1/128');
  for (const n of ir.nodeIPs) ip(n);
  ip(ir.primaryNodeIP);
  if (ir.nodePorts.kind === 'addresses') for (const a of ir.nodePorts.addresses) ip(a);
  c.markMask |= ir.masqueradeMark;
  const detector = (d: IRProgram['localDetector']) => {
    if (d.kind === 'cidr') cidr(d.cidr);
    if (d.kind === 'interface') c.interfaceNames.add(d.name);
    if (d.kind === 'interfacePrefix') c.interfacePrefixes.add(d.prefix);
  };
  detector(ir.localDetector);
  for (const sp of ir.servicePorts) {
    ip(sp.clusterIP);
    for (const e of sp.externalIPs) ip(e);
    for (const l of sp.loadBalancerIPs) ip(l);
    for (const r of sp.firewall?.sourceRanges ?? []) cidr(r);
    detector(sp.localDetector);
    for (const e of sp.endpoints) {
      ip(e.ip);
      if (sp.affinity) {
        addAffinity(
          c,
          affinityListId(sp.servicePortName, sp.protocol, e.hostPort),
          'saddr',
          sp.affinity.timeoutSeconds,
        );
      }
    }
  }
}

const CT_BY_STATE = new Map<string, IntervalSet>();
for (const state of ['new', 'established', 'related', 'invalid', 'untracked'] as const) {
  CT_BY_STATE.set(state, fromRanges(CT_ATOMS.flatMap((a, i) => (a.state === state ? [[i, i] as const] : []))));
}
const CT_DNAT = fromRanges(CT_ATOMS.flatMap((a, i) => (a.dnat ? [[i, i] as const] : [])));

/** A short unique text per test (a cache key). */
function testKey(t: PacketTest): string {
  switch (t.kind) {
    case 'path':
      return `p${t.path}`;
    case 'protocol':
      return `P${t.protocol}`;
    case 'src':
    case 'dst':
      return `${t.kind}${t.cidr}`;
    case 'sport':
    case 'dport':
      return `${t.kind}${t.port}`;
    case 'inInterface':
      return `i${t.prefix ? '*' : ''}${t.name}`;
    case 'mark':
      return `m${t.mask}/${t.value}`;
    case 'ctState':
      return `c${t.state}`;
    case 'ctDnat':
      return 'D';
    case 'affinityFresh':
      return `a${t.timeoutSeconds} ${t.list}`;
  }
}

/** Per-space caches of the sets a PacketTest stands for. */
const testSets = new WeakMap<PacketSpace, Map<string, { dim: number; set: IntervalSet }>>();

/** The evaluator hands out each distinct question as one frozen object: cache by identity first. */
const byIdentity = new WeakMap<PacketSpace, WeakMap<PacketTest, { dim: number; set: IntervalSet }>>();

function testSet(space: PacketSpace, t: PacketTest): { dim: number; set: IntervalSet } {
  let ids = byIdentity.get(space);
  if (!ids) {
    ids = new WeakMap();
    byIdentity.set(space, ids);
  }
  const known = ids.get(t);
  if (known) return known;
  const r = testSetByKey(space, t);
  ids.set(t, r);
  return r;
}

function testSetByKey(space: PacketSpace, t: PacketTest): { dim: number; set: IntervalSet } {
  let cache = testSets.get(space);
  if (!cache) {
    cache = new Map();
    testSets.set(space, cache);
  }
  const k = testKey(t);
  const hit = cache.get(k);
  if (hit) return hit;
  let r: { dim: number; set: IntervalSet };
  switch (t.kind) {
    case 'path':
      r = { dim: DIM.path, set: point(t.path === 'arriving' ? 0 : 1) };
      break;
    case 'protocol':
      r = { dim: DIM.proto, set: point(protoAtom(t.protocol)) };
      break;
    case 'src':
    case 'dst': {
      const c = cidrOf(t.cidr);
      r = { dim: t.kind === 'src' ? DIM.src : DIM.dst, set: addressRangeAtoms(space.addresses, c.first, c.last) };
      break;
    }
    case 'sport':
    case 'dport':
      r = { dim: t.kind === 'sport' ? DIM.sport : DIM.dport, set: point(t.port) };
      break;
    case 'inInterface':
      r = { dim: DIM.iif, set: fromRanges(interfaceAtoms(space.interfaces, t.name, t.prefix).map((a) => [a, a])) };
      break;
    case 'mark':
      r = { dim: DIM.mark, set: fromRanges(markAtoms(space.marks, t.mask, t.value).map((a) => [a, a])) };
      break;
    case 'ctState':
      r = { dim: DIM.ct, set: CT_BY_STATE.get(t.state)! };
      break;
    case 'ctDnat':
      r = { dim: DIM.ct, set: CT_DNAT };
      break;
    case 'affinityFresh':
      r = affinityFreshQuestion(space, t.list, t.timeoutSeconds);
      break;
  }
  cache.set(k, r);
  return r;
}

/**
 * The question the reference evaluator's affinityFresh test asks of a class: a record of this
 * source in `list` younger than `timeoutSeconds`, as atoms of the list's age dimension. Shapes
 * write it too (shape.ts), so they describe the question the evaluator really asks.
 */
export function affinityFreshQuestion(
  space: PacketSpace,
  list: string,
  timeoutSeconds: number,
): { dim: number; set: IntervalSet } {
  const i = space.affinityIndex.get(affinityKey(list, 'saddr'));
  if (i === undefined) throw new Error(`internal: affinity list ${list} not in the packet space`);
  return { dim: AFFINITY_BASE + i, set: affinityFreshAtoms(space.affinity[i]!, timeoutSeconds) };
}

/** One port's entries in table order, and where a destination's first entry is (services on port 80 are thousands). */
interface PortEntries {
  proto: number;
  port: number;
  list: { atom: number | null; value: unknown }[];
  /** each destination atom's first position in `list` */
  firstByAtom: Map<number, number>;
  /** the first entry without a destination (it matches any), or -1 */
  firstAny: number;
  /** every destination atom of the port */
  atoms: IntervalSet;
}

interface TableIndex {
  /** "proto port" → that port's entries (destination atoms with their value, when the table is keyed on dst) */
  byPort: Map<string, PortEntries>;
  /** every key's port per protocol (to skip a class no key touches) */
  portsByProto: Map<number, IntervalSet>;
}

const tableIndexes = new WeakMap<KeyTable<unknown>, WeakMap<PacketSpace, TableIndex>>();

function tableIndex(space: PacketSpace, table: KeyTable<unknown>): TableIndex {
  let per = tableIndexes.get(table);
  if (!per) {
    per = new WeakMap();
    tableIndexes.set(table, per);
  }
  const hit = per.get(space);
  if (hit) return hit;
  const byPort = new Map<string, PortEntries>();
  const at = (f: string) => table.fields.indexOf(f as never);
  for (const e of table.entries) {
    const proto = protoAtom(e.key[at('protocol')] as never);
    const port = e.key[at('dport')] as number;
    const atom = at('dst') >= 0 ? addressAtomOf(space.addresses, String(e.key[at('dst')])) : null;
    const k = `${proto} ${port}`;
    let forPort = byPort.get(k);
    if (!forPort) {
      forPort = { proto, port, list: [], firstByAtom: new Map(), firstAny: -1, atoms: [] };
      byPort.set(k, forPort);
    }
    const i = forPort.list.push({ atom, value: e.value }) - 1;
    if (atom === null) {
      if (forPort.firstAny < 0) forPort.firstAny = i;
    } else if (!forPort.firstByAtom.has(atom)) forPort.firstByAtom.set(atom, i);
  }
  const portLists = new Map<number, [number, number][]>();
  for (const forPort of byPort.values()) {
    forPort.atoms = fromRanges([...forPort.firstByAtom.keys()].map((a) => [a, a]));
    const l = portLists.get(forPort.proto) ?? [];
    l.push([forPort.port, forPort.port]);
    portLists.set(forPort.proto, l);
  }
  const portsByProto = new Map([...portLists].map(([proto, l]) => [proto, fromRanges(l)] as const));
  const idx = { byPort, portsByProto };
  per.set(space, idx);
  return idx;
}

/** A PacketView over a class (throws the ClassQuery's split requests). */
export function classView(q: ClassQuery): PacketView {
  const space = q.space;
  return {
    test(t) {
      if (t.kind === 'sport' || t.kind === 'dport') {
        // a port is only asked of tcp/udp/sctp packets (PacketTest's contract)
        if (!overlaps(q.set(DIM.proto), PORT_PROTOS)) return false;
        if (!q.ask(DIM.proto, PORT_PROTOS)) return false;
      }
      if (t.kind === 'ctDnat' && q.ask(DIM.ct, CT_NEW)) return false;
      const { dim, set } = testSet(space, t);
      return q.ask(dim, set);
    },
    lookup<T>(table: KeyTable<T>): T | undefined {
      if (!table.fields.includes('protocol') || !table.fields.includes('dport')) {
        throw new Error('internal: a KeyTable must be keyed on protocol and dport');
      }
      if (!q.ask(DIM.proto, PORT_PROTOS)) return undefined;
      const idx = tableIndex(space, table as KeyTable<unknown>);
      const proto = q.pinned(DIM.proto);
      const port = q.pinned(DIM.dport);
      if (proto === undefined || port === undefined) {
        // the class spans several protocols or ports: split on the first key inside it
        let touched = false;
        for (const [p, ports] of idx.portsByProto) {
          if (overlaps(q.set(DIM.proto), point(p)) && overlaps(q.set(DIM.dport), ports)) touched = true;
        }
        if (!touched) return undefined;
        for (const { proto: p, port: n, list } of idx.byPort.values()) {
          if (!overlaps(q.set(DIM.proto), point(p)) || !overlaps(q.set(DIM.dport), point(n))) continue;
          if (list.some((e) => e.atom === null || overlaps(q.set(DIM.dst), point(e.atom)))) {
            q.ask(DIM.proto, point(p));
            q.ask(DIM.dport, point(n));
          }
        }
        return undefined;
      }
      const forPort = idx.byPort.get(`${proto} ${port}`);
      if (!forPort) return undefined;
      // the first entry that matches, as a scan in table order would find it: with the destination
      // pinned, its own first entry or the first destination-free one; with a destination none of
      // the entries has, the first destination-free one; otherwise scan (and split)
      const dst = q.pinned(DIM.dst);
      if (dst !== undefined || !overlaps(q.set(DIM.dst), forPort.atoms)) {
        const own = dst === undefined ? -1 : (forPort.firstByAtom.get(dst) ?? -1);
        const first = own < 0 ? forPort.firstAny : forPort.firstAny < 0 ? own : Math.min(own, forPort.firstAny);
        return first < 0 ? undefined : (forPort.list[first]!.value as T);
      }
      for (const e of forPort.list) {
        if (e.atom === null) return e.value as T;
        if (q.ask(DIM.dst, point(e.atom))) return e.value as T;
      }
      return undefined;
    },
  };
}

/** The IR's dispatch keys: frontends (exact) and NodePorts / health-check ports (port only). */
export function collectIRShardKeys(keys: ShardKeys, ir: IRProgram, space: PacketSpace): void {
  const atom = (ip: string) => addressAtomOf(space.addresses, ip);
  for (const sp of ir.servicePorts) {
    const proto = protoAtom(sp.protocol);
    for (const ip of [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs]) {
      keys.exact.add(`${atom(ip)} ${proto} ${sp.port}`);
    }
    if (sp.nodePort !== null) keys.port.add(`${proto} ${sp.nodePort}`);
    if (sp.healthCheckNodePort !== null) keys.port.add(`${protoAtom('tcp')} ${sp.healthCheckNodePort}`);
  }
}
