// The engine's partition of the whole packet space for one artifact (every class with its
// distribution), and the class holding a given packet — for property tests against the plain
// concrete interpreter. The space is built as `verify` builds it: from the artifact's constants
// and, when given, the IR's (atoms, shard keys), with the given locality.

import type { Family } from '../../common/ip.ts';
import type { Rational } from '../../compiler/ir/outcome.ts';
import type { Packet } from '../../compiler/ir/packet.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { dimSet, type PacketClass } from '../../verifier/engine/box.ts';
import type { Locality } from '../../verifier/engine/build-space.ts';
import { keyedArtifact } from '../../verifier/engine/compare.ts';
import { explore } from '../../verifier/engine/explore.ts';
import { contains } from '../../verifier/engine/intervals.ts';
import { collectIRShardKeys } from '../../verifier/engine/ir-view.ts';
import { evaluateProgram } from '../../verifier/engine/netfilter-eval.ts';
import { artifactDistribution } from '../../verifier/engine/observe.ts';
import { type ArtifactInput, prepare, rootsByState } from '../../verifier/engine/setup.ts';
import { buildShards, collectProgramKeys, emptyShardKeys } from '../../verifier/engine/shards.ts';
import { CORE_DIMS, type PacketSpace } from '../../verifier/engine/space.ts';
import { packetClass } from '../../verifier/engine/witness.ts';

export interface Partition {
  space: PacketSpace;
  roots: PacketClass[];
  cells: { cls: PacketClass; dist: ReadonlyMap<string, Rational> }[];
}

export interface PartitionOptions {
  /** default ipv4 */
  family?: Family;
  /** the IR whose constants and frontends also shape the space (as in a three-way check) */
  ir?: IRProgram | null;
}

export function partition(
  artifact: ArtifactInput,
  locality: Locality,
  markMask: number,
  options: PartitionOptions = {},
): Partition {
  const ir = options.ir ?? null;
  const { space, compiled, roots } = prepare(options.family ?? 'ipv4', ir, [artifact], locality);
  const keys = emptyShardKeys();
  collectProgramKeys(keys, compiled[0]!.program);
  if (ir) collectIRShardKeys(keys, ir, space);
  const { fresh, other } = rootsByState(space, roots);
  const cells: Partition['cells'] = [];
  for (const start of [...fresh.flatMap((r) => buildShards(r, keys).map((s) => s.cls)), ...other]) {
    for (const cell of explore(space, start, (q) =>
      artifactDistribution(q, evaluateProgram(compiled[0]!.program, q, { trace: false }), markMask, false),
    )) {
      cells.push({ cls: cell.cls, dist: keyedArtifact(cell.value) });
    }
  }
  return { space, roots, cells };
}

/** The cells holding the packet (exactly one must). */
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
