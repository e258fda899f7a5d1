// Cut the packet universe into shards by dispatch key before refining: one shard per exact
// frontend (destination, protocol, port), one per port-only key (NodePorts: protocol, port, any
// other destination), and the rest. Shards are disjoint and cover the universe by construction;
// each is refined on its own, which keeps classes small and is the unit of incremental work.
import { type PacketClass, withDim } from './box.ts';
import { type CProgram, type CStep, codePort, codeProto, type KeyIndex } from './compiled.ts';
import { contains, fromRanges, type IntervalSet, point, range, subtract } from './intervals.ts';
import { DIM, PORT_PROTOS, PROTOS } from './space.ts';

export interface ShardKeys {
  /** "dstAtom proto port" */
  exact: Set<string>;
  /** "proto port" */
  port: Set<string>;
}

export const emptyShardKeys = (): ShardKeys => ({ exact: new Set(), port: new Set() });

function addIndex(keys: ShardKeys, index: KeyIndex | null): void {
  if (!index) return;
  for (const [dst, byCode] of index.full) {
    for (const code of byCode.keys()) keys.exact.add(`${dst} ${codeProto(code)} ${codePort(code)}`);
  }
  for (const code of index.portOnly.keys()) keys.port.add(`${codeProto(code)} ${codePort(code)}`);
}

/** Walked dispatches: one compiled lookup is shared by every rule that reads the same map (compile.ts). */
function addSteps(keys: ShardKeys, steps: readonly CStep[], walked: Set<readonly unknown[]>): void {
  for (const s of steps) {
    if (s.kind === 'dispatch') {
      // by its elements: a ported dispatch shares them (and its index) with the map's other ports
      if (walked.has(s.elements)) continue;
      walked.add(s.elements);
      addIndex(keys, s.index);
      for (const e of s.elements) addSteps(keys, e.steps, walked);
    } else if (s.kind === 'numgen') for (const b of s.branches) addSteps(keys, b.steps, walked);
    else if (s.kind === 'test' && s.test.kind === 'member') addIndex(keys, s.test.index);
  }
}

export function collectProgramKeys(keys: ShardKeys, p: CProgram): void {
  const walked = new Set<readonly unknown[]>();
  for (const c of p.chains) {
    addIndex(keys, c.index);
    for (const r of c.rules) addSteps(keys, r.steps, walked);
  }
}

/** What a shard is keyed on (atoms and protocol atoms, as in the packet space). */
export type ShardKey =
  | { kind: 'exact'; dst: number; proto: number; port: number }
  | { kind: 'port'; proto: number; port: number }
  | { kind: 'rest' };

export interface Shard {
  /** what the shard is, for reports: "10.0.0.1 tcp 80", "tcp 30080 (other destinations)", "rest" */
  label: string;
  cls: PacketClass;
  key: ShardKey;
}

export function buildShards(universe: PacketClass, keys: ShardKeys): Shard[] {
  const shards: Shard[] = [];
  // exact keys grouped by (proto, port)
  const exactByPort = new Map<string, number[]>();
  for (const k of keys.exact) {
    const [dst, proto, port] = k.split(' ').map(Number) as [number, number, number];
    const pk = `${proto} ${port}`;
    const l = exactByPort.get(pk) ?? [];
    l.push(dst);
    exactByPort.set(pk, l);
  }
  const allPorts = new Set([...exactByPort.keys(), ...keys.port]);
  const usedPorts = new Map<number, [number, number][]>();
  for (const pk of [...allPorts].sort()) {
    const [proto, port] = pk.split(' ').map(Number) as [number, number];
    const base = withDim(withDim(universe, DIM.proto, point(proto)), DIM.dport, point(port));
    // only destinations the root holds (an arriving IPv6 packet is never for ::1)
    const dsts = (exactByPort.get(pk) ?? []).filter((d) => contains(universe.core[DIM.dst]!, d)).sort((a, b) => a - b);
    for (const d of dsts) {
      shards.push({
        label: `${d} ${pk}`,
        cls: withDim(base, DIM.dst, point(d)),
        key: { kind: 'exact', dst: d, proto, port },
      });
    }
    const rest = subtract(universe.core[DIM.dst]!, fromRanges(dsts.map((d) => [d, d])));
    if (rest.length > 0)
      shards.push({ label: `${pk} other`, cls: withDim(base, DIM.dst, rest), key: { kind: 'port', proto, port } });
    const list = usedPorts.get(proto) ?? [];
    list.push([port, port]);
    usedPorts.set(proto, list);
  }
  for (let proto = 0; proto < PROTOS.length; proto++) {
    const isPortProto = proto >= PORT_PROTOS[0]! && proto <= PORT_PROTOS[1]!;
    const base = withDim(universe, DIM.proto, point(proto));
    if (!isPortProto) {
      shards.push({ label: `${PROTOS[proto]}`, cls: base, key: { kind: 'rest' } });
      continue;
    }
    const free: IntervalSet = subtract(range(0, 65535), fromRanges(usedPorts.get(proto) ?? []));
    if (free.length > 0) {
      shards.push({
        label: `${PROTOS[proto]} other ports`,
        cls: withDim(base, DIM.dport, free),
        key: { kind: 'rest' },
      });
    }
  }
  return shards;
}
