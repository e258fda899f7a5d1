// Everything a check or an explanation needs before evaluating: the packet space built from the
// constants of every participant, the compiled rulesets, and the root classes (the packets that
// reach the hooks: an arriving packet has an input interface — for IPv6 any source but ::1 —, a
// locally generated one has none; either may carry any source, assumption `martians`).
import type { Family } from '../../common/ip.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import type { Backend, NetfilterProgram } from '../model/program.ts';
import { exclude, type PacketClass, restrict, universe, withDim } from './box.ts';
import { buildSpace, type Locality } from './build-space.ts';
import { compileProgram } from './compile.ts';
import type { CompiledArtifact } from './compiled.ts';
import { type Constants, collectConstants, emptyConstants } from './constants.ts';
import { newInterner } from './intern.ts';
import { point, subtract } from './intervals.ts';
import { collectIRConstants } from './ir-view.ts';
import { loopbackLocalAtoms } from './locality.ts';
import { CT_NEW, DIM, domainOf, type PacketSpace } from './space.ts';

export interface ArtifactInput {
  backend: Backend;
  /**
   * What a report calls this artifact (its comparisons, distributions and traces): its backend
   * (the default) when each backend occurs once; a diff names two of one backend 'old' and 'new'.
   */
  name?: string;
  program: NetfilterProgram;
  /** the canonical identity of an affinity list as this artifact names it */
  canonicalList: (name: string) => string;
}

export interface Setup {
  space: PacketSpace;
  compiled: CompiledArtifact[];
  roots: PacketClass[];
}

/**
 * The space from every participant's constants, then each artifact compiled against it. With
 * `consume`, `artifacts` must be a mutable array the caller gives away: each artifact is taken out
 * of it as it is compiled (it is empty on return), and each model's chains out of the model as they
 * are compiled (compile.ts), so a caller that holds the readers' models nowhere else lets each one
 * go while it compiles, not after. That lowers the peak of `verify`, where both models and both
 * compiled rulesets were live at once (docs/benchmarks.md, seventh and twentieth rounds). With
 * `lazy`, each chain is compiled when an evaluation first reaches it (compile.ts): for explaining
 * one packet, not for a check, which reaches them all.
 */
export function prepare(
  family: Family,
  ir: IRProgram | null,
  artifacts: readonly ArtifactInput[],
  locality: Locality,
  extra?: (c: Constants) => void,
  options: { consume?: boolean; lazy?: boolean } = {},
): Setup {
  // a report tells the artifacts apart by name (comparisons, distributions, traces)
  const names = artifacts.map((a) => a.name ?? a.backend);
  if (new Set(names).size !== names.length) throw new Error(`prepare: two artifacts named alike (${names.join(', ')})`);
  const space = spaceOf(family, ir, artifacts, locality, extra);
  const intern = newInterner();
  const consume = options.consume ?? false;
  const compile = (a: ArtifactInput): CompiledArtifact => ({
    backend: a.backend,
    name: a.name ?? a.backend,
    program: compileProgram(a.program, {
      space,
      canonicalList: a.canonicalList,
      intern,
      consume,
      lazy: options.lazy ?? false,
    }),
  });
  const compiled: Setup['compiled'] = [];
  if (consume) {
    const given = artifacts as ArtifactInput[];
    while (given.length > 0) compiled.push(compile(given.shift()!));
  } else for (const a of artifacts) compiled.push(compile(a));
  return { space, compiled, roots: rootClasses(space) };
}

/**
 * The space from every participant's constants. Its own function, so that the constants (every
 * address range of every rule) are garbage once the space is built, not kept by prepare's frame
 * while the models compile.
 */
function spaceOf(
  family: Family,
  ir: IRProgram | null,
  artifacts: readonly ArtifactInput[],
  locality: Locality,
  extra?: (c: Constants) => void,
): PacketSpace {
  const constants = emptyConstants();
  for (const a of artifacts) collectConstants(constants, a.program, a.canonicalList);
  if (ir) collectIRConstants(constants, ir);
  extra?.(constants);
  return buildSpace(family, constants, locality);
}

/**
 * The roots split by conntrack state: new connections (sharded by dispatch key: only they reach
 * the nat dispatch) and every other state (one class each way in: nat never runs for them, and
 * the filter rules they meet are few).
 */
export function rootsByState(
  space: PacketSpace,
  roots: readonly PacketClass[],
): { fresh: PacketClass[]; other: PacketClass[] } {
  const fresh: PacketClass[] = [];
  const other: PacketClass[] = [];
  for (const r of roots) {
    const n = restrict(space, r, DIM.ct, CT_NEW);
    const o = exclude(space, r, DIM.ct, CT_NEW);
    if (n) fresh.push(n);
    if (o) other.push(o);
  }
  return { fresh, other };
}

/** The two paths in: arriving on an interface (the destination as routing lets it reach the hooks), and generated on the node. */
function pathRoots(space: PacketSpace): { arriving: PacketClass; local: PacketClass } {
  const all = universe(space);
  // IPv6 drops a packet for ::1 that arrives on an interface before netfilter sees it (measured);
  // IPv4's 127.0.0.0/8 passes with route_localnet (assumption route-localnet)
  const arrivingDst =
    space.family === 'ipv6' ? subtract(domainOf(space, DIM.dst), loopbackLocalAtoms(space)) : domainOf(space, DIM.dst);
  const arriving = withDim(
    withDim(withDim(all, DIM.path, point(0)), DIM.iif, subtract(domainOf(space, DIM.iif), point(0))),
    DIM.dst,
    arrivingDst,
  );
  return { arriving, local: withDim(withDim(all, DIM.path, point(1)), DIM.iif, point(0)) };
}

/**
 * The packets a proof covers: every packet that reaches the hooks, whatever its source. An IPv4
 * packet arriving from a local source (a martian, spoofed) passes nat PREROUTING before routing
 * drops it, and an affinity record it writes there stays and steers the next connections from
 * that address; a packet generated on the node may carry a source that is not the node's (a raw
 * socket, IP_FREEBIND) and goes out as the rules send it. Only an IPv6 packet from ::1 arriving on
 * an interface is left out: the kernel drops it before netfilter (measured).
 */
export function rootClasses(space: PacketSpace): PacketClass[] {
  const { arriving, local } = pathRoots(space);
  if (space.family === 'ipv4') return [arriving, local];
  return [withDim(arriving, DIM.src, subtract(domainOf(space, DIM.src), loopbackLocalAtoms(space))), local];
}

/**
 * The mark bits an outcome reports: every bit a ruleset or the IR tests or changes — the bits the
 * packet space splits on (docs/verifier.md `owned-mark-bits`). The same with a model as without
 * one, so a ruleset that changes a bit beside the masquerade bit is reported either way.
 */
export const observedMarkMask = (space: PacketSpace): number =>
  space.marks.bits.reduce((m, b) => (m | (1 << b)) >>> 0, 0);
