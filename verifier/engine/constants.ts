// The constants a ruleset tests: they decide where the packet space is cut into atoms.
import { ipValueOf } from '../../common/ip.ts';
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
      for (const e of t.elements) for (const p of e) addPart(c, p, walked);
      return;
    case 'ct':
      return;
  }
}

/** The DNAT targets already added to each Constants (by address text). */
const dnatTargetsSeen = new WeakMap<Constants, Set<string>>();

function addSteps(c: Constants, steps: readonly Step[], canonical: (list: string) => string, walked: Walked): void {
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
          addSteps(c, e.steps, canonical, walked);
        }
        break;
      case 'numgen':
        for (const b of s.branches) addSteps(c, b.steps, canonical, walked);
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
          // once per address: shared steps are walked many times, and a DNAT map has an element per
          // endpoint (parsing and pushing each visit cost a tenth of verify's time at 10,000 services)
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
  const walked: Walked = new Set();
  for (const chain of program.chains.values()) for (const r of chain.rules) addSteps(c, r.steps, canonical, walked);
}
