// A ruleset compiled against a packet space: the readers' model (verifier/model/program.ts) with
// every constant turned into dimension sets, chains resolved to indices, and lookup indexes built,
// so the evaluator does integer work only.
import type { Backend, BaseChain, Hook, Origin } from '../model/program.ts';
import type { Dyadic } from './dyadic.ts';
import type { FlowState } from './flow.ts';
import type { IntervalSet } from './intervals.ts';

/** One field condition: the packet's value in dimension `dim` lies in `set`. */
export interface CPart {
  dim: number;
  set: IntervalSet;
}

export type CTest =
  | { kind: 'parts'; parts: readonly CPart[] }
  | { kind: 'mark'; mask: number; value: number }
  /** `atoms`: the non-new ct atoms that satisfy the test; for new packets `matchesNew`/`dnat` decide */
  | { kind: 'ct'; atoms: IntervalSet; matchesNew: boolean; dnat: boolean }
  | { kind: 'affinity'; dim: number; set: IntervalSet }
  | { kind: 'member'; elements: readonly (readonly CPart[])[]; index: KeyIndex | null };

export type CVerdict =
  | { kind: 'accept' }
  | { kind: 'drop' }
  | { kind: 'reject'; with: string }
  | { kind: 'return' }
  | { kind: 'jump'; chain: number }
  | { kind: 'goto'; chain: number }
  /** `last`: the state it gave the last flow (shared-steps.ts dnattedState) */
  | { kind: 'dnat'; ip: string; atom: number; port: number | null; last: LastDnat | null }
  | { kind: 'masquerade'; fullyRandom: boolean };

// What a step gave the last flow that met it, kept on the step (shared-steps.ts): the classes of
// a shard meet it one after another with the same state or weight.

/** A DNAT's last incoming state, the port and identity it was taken with, and the state it gave. */
export interface LastDnat {
  from: FlowState;
  port: number | null;
  identity: boolean;
  to: FlowState;
}

/** A MARK step's last incoming state and the state it gave. */
export interface LastMark {
  from: FlowState;
  to: FlowState;
}

/** A flow's weight `w` at a random step, and its weights taken (w·p) and not taken (w·q). */
export interface RandomWeights {
  w: Dyadic;
  taken: Dyadic;
  rest: Dyadic;
}

export type CStep =
  | { kind: 'test'; test: CTest; negate: boolean }
  /** `last`: the weights of the last flow that met the step (shared-steps.ts randomWeights) */
  | { kind: 'random'; p: Dyadic; q: Dyadic; last: RandomWeights | null }
  /**
   * dnatPort: the selected element's steps are one DNAT verdict, taken with this port (model: Step
   * dispatch); `ported`: those verdicts with the port, by element, made when first taken
   * (shared-steps.ts portedDnat)
   */
  | {
      kind: 'dispatch';
      elements: readonly CElement[];
      index: KeyIndex | null;
      dnatPort: number | null;
      ported: (Extract<CVerdict, { kind: 'dnat' }> | undefined)[] | null;
    }
  | { kind: 'numgen'; branches: readonly { w: Dyadic; steps: readonly CStep[] }[]; miss: Dyadic }
  /** mark = (mark & keep) ^ xor — every MARK/meta mark set form is one of these */
  | { kind: 'mark'; keep: number; xor: number; last: LastMark | null }
  /** `list`: the canonical list, and ' by destination' when the record is keyed by the destination */
  | { kind: 'affinityWrite'; list: string }
  | { kind: 'noop' }
  | { kind: 'verdict'; verdict: CVerdict };

export interface CElement {
  parts: readonly CPart[];
  steps: readonly CStep[];
}

/**
 * Candidates by exact key, for long lists of exact matches (KUBE-SERVICES, service-ips, a hairpin
 * set): an item is filed by which of destination, protocol and port its leading conditions pin —
 * `full` (all three: by destination atom, then port code), `portOnly` (protocol and port: by port
 * code), `dstOnly` (the destination without both others: by destination atom), or `general`
 * (neither). A destination of two atoms (127.0.0.0/8: lo's broadcast address is an atom of its own)
 * files the item under both, once each. Keys are numbers, as these lookups run millions of times.
 * Values are ascending item indices; `byPort` and `byDst` regroup the pinned ones for classes that
 * pin less.
 */
export interface KeyIndex {
  /** destination atom → port code → items */
  full: ReadonlyMap<number, ReadonlyMap<number, readonly number[]>>;
  /** port code → items */
  portOnly: ReadonlyMap<number, readonly number[]>;
  /** per protocol atom, the ports of its full and port-only items (a class on other ports meets none of them) */
  portsByProto: ReadonlyMap<number, IntervalSet>;
  dstOnly: ReadonlyMap<number, readonly number[]>;
  general: readonly number[];
  /** full ∪ portOnly items, by port code */
  byPort: ReadonlyMap<number, readonly number[]>;
  /** full ∪ dstOnly items, by destination atom */
  byDst: ReadonlyMap<number, readonly number[]>;
  /** every portOnly item, every dstOnly item (ascending) */
  allPortOnly: readonly number[];
  allDstOnly: readonly number[];
  count: number;
  /**
   * One bit per destination atom filed in `full` or `dstOnly`, and per port code filed in
   * `portOnly`: most lookups are for a key no item is filed under (a DNAT target's address and
   * port), and a bit answers that without probing a map of thousands of entries. null for an
   * index of few keys (a bitmap sized by the largest atom would cost more than it saves).
   */
  dstBits: Uint8Array | null;
  portOnlyBits: Uint8Array | null;
}

/** Whether bit `i` of `bits` may be set: true without a bitmap, false past its end. */
export const mayHave = (bits: Uint8Array | null, i: number): boolean =>
  bits === null || ((bits[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;

/** Below this many keys an index keeps no bitmap: its maps are small and cheap to probe. */
const BITMAP_FROM = 256;

/**
 * A bitmap with a bit set for each key of the maps; null while they hold fewer than BITMAP_FROM
 * keys together (counted before any key is read: most indexes are a short chain's).
 */
export function bitsOf(...maps: readonly ReadonlyMap<number, unknown>[]): Uint8Array | null {
  if (maps.reduce((n, m) => n + m.size, 0) < BITMAP_FROM) return null;
  let max = -1;
  for (const m of maps) for (const k of m.keys()) if (k > max) max = k;
  const bits = new Uint8Array((max >> 3) + 1);
  for (const m of maps) for (const k of m.keys()) bits[k >> 3]! |= 1 << (k & 7);
  return bits;
}

/** A protocol atom and a port as one number, the key of `portOnly` and `byPort`. */
export const portCode = (proto: number, port: number): number => proto * 65536 + port;
export const codeProto = (code: number): number => Math.floor(code / 65536);
export const codePort = (code: number): number => code % 65536;

export interface CRule {
  origin: Origin;
  steps: readonly CStep[];
}

export interface CChain {
  name: string;
  rules: readonly CRule[];
  index: KeyIndex | null;
}

export interface CBaseChain extends Omit<BaseChain, 'chain'> {
  chain: number;
}

export interface CProgram {
  backend: Backend;
  chains: readonly CChain[];
  /** base chains per hook, in the order the kernel calls them (priority, then declaration) */
  hooks: Readonly<Record<Hook, readonly CBaseChain[]>>;
}

/** A ruleset compiled against a check's packet space, with the name reports give it (ArtifactInput.name). */
export interface CompiledArtifact {
  backend: Backend;
  name: string;
  program: CProgram;
}

export const BY_DESTINATION = ' by destination';

/**
 * What an affinity write records, as an outcome shows it: the list, and whose address keys the
 * record (iptables `recent --set --rdest`: the destination's). A record of the other address is
 * another record: affinity that held breaks (measured).
 */
export const writtenList = (list: string, key: 'saddr' | 'daddr'): string =>
  key === 'saddr' ? list : `${list}${BY_DESTINATION}`;
