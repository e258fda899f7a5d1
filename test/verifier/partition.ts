// The engine's partition of the whole packet space for one artifact (every class with its
// distribution), and the class holding a given packet — for property tests against the plain
// concrete interpreter.

import type { Rational } from '../../compiler/ir/outcome.ts';
import type { Packet } from '../../compiler/ir/packet.ts';
import { dimSet, type PacketClass } from '../../verifier/engine/box.ts';
import type { Locality } from '../../verifier/engine/build-space.ts';
import { keyedArtifact } from '../../verifier/engine/compare.ts';
import { explore } from '../../verifier/engine/explore.ts';
import { contains } from '../../verifier/engine/intervals.ts';
import { evaluateProgram } from '../../verifier/engine/netfilter-eval.ts';
import { artifactDistribution } from '../../verifier/engine/observe.ts';
import { type ArtifactInput, prepare } from '../../verifier/engine/setup.ts';
import { buildShards, collectProgramKeys, emptyShardKeys } from '../../verifier/engine/shards.ts';
import { CORE_DIMS, type PacketSpace } from '../../verifier/engine/space.ts';
import { packetClass } from '../../verifier/engine/witness.ts';

export interface Partition {
  space: PacketSpace;
  roots: PacketClass[];
  cells: { cls: PacketClass; dist: ReadonlyMap<string, Rational> }[];
}

export function partition(artifact: ArtifactInput, locality: Locality, markMask: number): Partition {
  const { space, compiled, roots } = prepare('ipv4', null, [artifact], locality);
  const keys = emptyShardKeys();
  collectProgramKeys(keys, compiled[0]!.program);
  const cells: Partition['cells'] = [];
  for (const shard of roots.flatMap((r) => buildShards(r, keys))) {
    for (const cell of explore(space, shard.cls, (q) =>
      artifactDistribution(q, evaluateProgram(compiled[0]!.program, q, { trace: false }), markMask, false),
    )) {
      cells.push({ cls: cell.cls, dist: keyedArtifact(cell.value) });
    }
  }
  return { space, roots, cells };
}

/** The cell holding the packet (exactly one must). */
export function cellOf(p: Partition, pk: Packet): Partition['cells'][number][] {
  const point = packetClass(p.space, p.roots[0]!, pk);
  return p.cells.filter((c) => {
    for (let d = 0; d < CORE_DIMS; d++) {
      const v = point.core[d]![0]!;
      if (!contains(c.cls.core[d]!, v)) return false;
    }
    for (const [dim, set] of c.cls.affinity) {
      if (!contains(set, dimSet(p.space, point, dim)[0]!)) return false;
    }
    return true;
  });
}
