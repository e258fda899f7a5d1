// The constants a ruleset tests: they decide where the packet space is cut into atoms.
import { ipValueOf, ipv4Number } from '../../common/ip.ts';
import type { KeyPart, NetfilterProgram, Step, Test } from '../model/program.ts';
import { markBitsOf } from '../model/steps.ts';

export interface Constants {
  addresses: (readonly [bigint, bigint])[];
  interfaceNames: Set<string>;
  interfacePrefixes: Set<string>;
  /** mark bits tested or changed */
  markMask: number;
  /**
   * Some write sets the whole mark (`--set-mark`, `meta mark set V`): it clears every bit no rule
   * otherwise touches (space.ts markBitsOfSpace).
   */
  clearsOtherMarkBits: boolean;
  /** canonical affinity list → key → timeouts */
  affinity: Map<string, { key: 'saddr' | 'daddr'; timeouts: Set<number> }>;
}

export const emptyConstants = (): Constants => ({
  addresses: [],
  // lo: the input interface of a locally generated packet delivered to the node itself
  interfaceNames: new Set(['lo']),
  interfacePrefixes: new Set(),
  markMask: 0,
  clearsOtherMarkBits: false,
  affinity: new Map(),
});

export function addAffinity(c: Constants, list: string, key: 'saddr' | 'daddr', timeout: number | null): void {
  const k = `${key} ${list}`;
  let e = c.affinity.get(k);
  if (!e) {
    e = { key, timeouts: new Set() };
    c.affinity.set(k, e);
  }
  if (timeout !== null) e.timeouts.add(timeout);
}

/**
 * What one program's walk has already added: a reader shares one dispatch step among every rule
 * that reads the same map the same way (ksvc's DNAT maps: thousands of elements, read by hundreds
 * of rules), and one parsed range list among many rules; their constants are the same each time.
 */
type Walked = Set<readonly unknown[]>;

/**
 * One program's walk: what it has walked, and its IPv4 DNAT targets as numbers, each as often as
 * met (a map has an element per endpoint, and shared steps are walked many times): sorted once at
 * the end, each added once, instead of a set of their texts probed at each (a third of the walk).
 */
interface Walk {
  walked: Walked;
  targets: number[];
}

function addPart(c: Constants, p: KeyPart, walked: Walked): void {
  switch (p.field) {
    case 'saddr':
    case 'daddr':
      if (walked.has(p.ranges)) return;
      walked.add(p.ranges);
      for (const r of p.ranges) c.addresses.push(r);
      return;
    case 'iifname':
    case 'oifname':
      for (const n of p.names) (n.prefix ? c.interfacePrefixes : c.interfaceNames).add(n.name);
      return;
    default:
      return;
  }
}

function addTest(c: Constants, t: Test, canonical: (list: string) => string, walked: Walked): void {
  switch (t.kind) {
    case 'fields':
      for (const p of t.parts) addPart(c, p, walked);
      return;
    case 'mark':
      c.markMask |= t.mask;
      return;
    case 'affinity':
      addAffinity(c, canonical(t.list), t.key, t.maxAgeSeconds);
      return;
    case 'member':
      // by its elements: rules share a set's test (a hairpin set of an element per endpoint)
      if (walked.has(t.elements)) return;
      walked.add(t.elements);
      for (const e of t.elements) for (const p of e) addPart(c, p, walked);
      return;
    case 'ct':
      return;
  }
}

/** The DNAT targets already added to each Constants (by address text). */
const dnatTargetsSeen = new WeakMap<Constants, Set<string>>();

function addSteps(c: Constants, steps: readonly Step[], canonical: (list: string) => string, walk: Walk): void {
  const { walked } = walk;
  for (const s of steps) {
    switch (s.kind) {
      case 'test':
        addTest(c, s.test, canonical, walked);
        break;
      case 'dispatch':
        // by its elements: a ported dispatch shares them with the same map's other ports
        if (walked.has(s.elements)) break;
        walked.add(s.elements);
        for (const e of s.elements) {
          for (const p of e.parts) addPart(c, p, walked);
          addSteps(c, e.steps, canonical, walk);
        }
        break;
      case 'numgen':
        for (const b of s.branches) addSteps(c, b.steps, canonical, walk);
        break;
      case 'mark':
        c.markMask |= markBitsOf(s);
        if (s.op === 'set') c.clearsOtherMarkBits = true;
        break;
      case 'affinityWrite':
        addAffinity(c, canonical(s.list), s.key, null);
        break;
      case 'verdict':
        // a DNAT target is an atom of its own: whether the packet's destination is the target
        // (a DNAT to itself translates nothing) is asked of exactly that address (a review: a
        // target inside a wider atom made every destination of the atom a DNAT to itself)
        if (s.verdict.kind === 'dnat') {
          const v4 = ipv4Number(s.verdict.ip);
          if (v4 !== null) {
            walk.targets.push(v4);
            break;
          }
          // IPv6: once per address text (parsing one to a BigInt at each visit costs more than the probe)
          let seen = dnatTargetsSeen.get(c);
          if (seen === undefined) dnatTargetsSeen.set(c, (seen = new Set()));
          if (!seen.has(s.verdict.ip)) {
            seen.add(s.verdict.ip);
            const v = ipValueOf(s.verdict.ip);
            c.addresses.push([v, v]);
          }
        }
        break;
      default:
        break;
    }
  }
}

/** Add every constant of `program` to `c`. */
export function collectConstants(c: Constants, program: NetfilterProgram, canonical: (list: string) => string): void {
  const walk: Walk = { walked: new Set(), targets: [] };
  for (const chain of program.chains.values()) for (const r of chain.rules) addSteps(c, r.steps, canonical, walk);
  addTargets(c, walk.targets);
}

/** The IPv4 DNAT targets already added to each Constants, ascending (another program names the same endpoints). */
const targetsAdded = new WeakMap<Constants, Float64Array>();

/** Each of `targets` (IPv4 numbers, repeats allowed) not added before, once, as an address. */
function addTargets(c: Constants, targets: readonly number[]): void {
  const given = Float64Array.from(targets).sort();
  const before = targetsAdded.get(c) ?? new Float64Array(0);
  const all: number[] = [];
  let j = 0;
  for (let i = 0; i < given.length; i++) {
    const v = given[i]!;
    if (i > 0 && v === given[i - 1]) continue;
    while (j < before.length && before[j]! < v) all.push(before[j++]!);
    if (j < before.length && before[j] === v) continue;
    all.push(v);
    c.addresses.push([BigInt(v), BigInt(v)]);
  }
  while (j < before.length) all.push(before[j++]!);
  targetsAdded.set(c, Float64Array.from(all));
}
