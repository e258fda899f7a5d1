// Compile a reader's NetfilterProgram against a packet space (see compiled.ts); what each condition
// is in the space's dimensions is compile-parts.ts.
import { appendAll } from '../../common/append.ts';
import { numgenCount } from '../model/numgen.ts';
import type { Chain, Hook, KeyPart, NetfilterProgram, NumberRange, Rule, Step, Test } from '../model/program.ts';
import { compareKeys, hookOrderKey, refuseTiesWithNatCore } from './base-chain-order.ts';
import { compilePart, ctAtoms, protocolsFirst } from './compile-parts.ts';
import {
  type CBaseChain,
  type CChain,
  type CElement,
  type CPart,
  type CRule,
  type CStep,
  type CTest,
  type KeyIndex,
  writtenList,
} from './compiled.ts';
import { complement, type Dyadic, fromRational, ZERO } from './dyadic.ts';
import { type Interner, newInterner } from './intern.ts';
import { buildKeyIndex } from './key-index.ts';
import { AFFINITY_BASE, affinityFreshAtoms, affinityKey, type PacketSpace } from './space.ts';
import { CompileError } from './unsupported.ts';
import { verdictSteps } from './verdict-steps.ts';

const HOOKS: readonly Hook[] = ['prerouting', 'input', 'forward', 'output', 'postrouting'];

const NOOP: CStep = { kind: 'noop' };

export interface CompileContext {
  space: PacketSpace;
  /** the canonical identity of an affinity list named `name` in this program */
  canonicalList: (name: string) => string;
  /** shared by the programs compiled against one space (a fresh one when absent) */
  intern?: Interner;
  /**
   * The program is given away: each chain is taken out of it once compiled, so that what only
   * that chain held (its rules, steps and the lookups no later chain reads) can be collected while
   * the rest compiles. `verify` compiles its two models so (docs/benchmarks.md, twentieth round).
   */
  consume?: boolean;
  /**
   * Compile each chain when it is first looked up (`chains[i]`) instead of all at once: one
   * packet's explanation meets a few dozen of a ruleset's chains (iptables has 195,000 at 10,000
   * services, and compiling them all was most of `ksvc explain`'s time there). The program's mark
   * bits come from a walk of the whole model when first read, as compiling every chain would
   * collect them. A construct the engine refuses (CompileError) is then refused only where it is
   * met. Not with `consume`.
   */
  lazy?: boolean;
}

export function compileProgram(program: NetfilterProgram, ctx: CompileContext): import('./compiled.ts').CProgram {
  const { space } = ctx;
  const intern = ctx.intern ?? newInterner();
  // The memos below are keyed by the model's objects, and weakly: a consumed program's chains go
  // as they are compiled, and with them every object only they held.
  // the readers share a part among the rules that test it: compiled once per part object
  const partMemo = new WeakMap<KeyPart, CPart>();
  const part = (p: KeyPart): CPart => {
    let c = partMemo.get(p);
    if (c === undefined) partMemo.set(p, (c = compilePart(space, intern, p)));
    return c;
  };
  // No memo by the list object: the readers make a list per rule or element (none of 511,000 at
  // 10,000 services was met twice; the shared dispatches are compiled once by their elements), and
  // the interner makes equal lists one.
  const partsOf = (ps: readonly KeyPart[]): readonly CPart[] => intern.parts(protocolsFirst(ps.map(part)));
  const ids: string[] = [];
  const indexOf = new Map<string, number>();
  for (const id of program.chains.keys()) indexOf.set(id, ids.push(id) - 1);
  const chainRef = (id: string): number => {
    const i = indexOf.get(id);
    if (i === undefined) throw new CompileError(`reference to undefined chain '${id}'`);
    return i;
  };
  const affinityDim = (list: string, key: 'saddr' | 'daddr'): number => {
    const i = space.affinityIndex.get(affinityKey(ctx.canonicalList(list), key));
    if (i === undefined) throw new CompileError(`affinity list '${list}' is not in the packet space`);
    return AFFINITY_BASE + i;
  };

  // Tests and steps with equal content are one object (see intern.ts): most rules test one of a
  // few condition lists and end in one of a few verdicts. Per program: chain numbers are its own.
  const fieldTests = new Map<readonly CPart[], CTest>();
  const test = (t: Test): CTest => {
    switch (t.kind) {
      case 'fields': {
        const parts = partsOf(t.parts);
        let c = fieldTests.get(parts);
        if (c === undefined) fieldTests.set(parts, (c = { kind: 'parts', parts }));
        return c;
      }
      case 'mark':
        return t;
      case 'ct':
        return { kind: 'ct', atoms: ctAtoms(t.states, t.dnat), matchesNew: t.states.includes('new'), dnat: t.dnat };
      case 'affinity': {
        const dim = affinityDim(t.list, t.key);
        const d = space.affinity[dim - AFFINITY_BASE]!;
        return { kind: 'affinity', dim, set: affinityFreshAtoms(d, t.maxAgeSeconds) };
      }
      case 'member': {
        const elements = t.elements.map(partsOf);
        return { kind: 'member', elements, index: sharedIndex(t.elements, elements) };
      }
    }
  };

  const steps = (list: readonly Step[]): CStep[] => list.map((s) => step(s));

  // The nft reader shares what it reads once — a map's element keys, a dispatch per map and value
  // form, a DNAT step per target — across every rule that reads it (the balance chains of ten
  // thousand services read the same DNAT maps). Compiling by identity keeps that sharing: without
  // it each rule's copy of a map's elements (and its index) is compiled anew. Compiling is pure
  // apart from the affinity checks, which one compile already did.
  const compiledSteps = new WeakMap<Step, CStep>();
  /** A dispatch's elements and index, shared by the dispatches of every DNAT port (Step dispatch's dnatPort). */
  const compiledLookups = new WeakMap<
    readonly unknown[],
    { elements: CElement[]; index: KeyIndex | null; portless: boolean }
  >();
  const indexes = new WeakMap<
    readonly KeyPart[],
    { keys: readonly (readonly KeyPart[])[]; index: KeyIndex | null }[]
  >();
  /** One index per sequence of (shared) element keys. */
  const sharedIndex = (
    keys: readonly (readonly KeyPart[])[],
    parts: readonly (readonly CPart[])[],
  ): KeyIndex | null => {
    if (keys.length === 0) return buildKeyIndex(parts);
    const known = indexes.get(keys[0]!) ?? [];
    const same = known.find((k) => k.keys.length === keys.length && k.keys.every((x, i) => x === keys[i]));
    if (same) return same.index;
    const index = buildKeyIndex(parts);
    known.push({ keys, index });
    indexes.set(keys[0]!, known);
    return index;
  };

  // A map element's steps are one verdict most of the time, and many elements share it (a DNAT to
  // one endpoint in several maps): one list per such verdict (246,000 elements, 89,000 lists at
  // 10,000 services), kept for the whole check.
  const singleSteps = new Map<CStep, readonly CStep[]>();
  const elementSteps = (list: readonly Step[]): readonly CStep[] => {
    if (list.length !== 1) return steps(list);
    const c = step(list[0]!);
    let l = singleSteps.get(c);
    if (l === undefined) singleSteps.set(c, (l = steps(list)));
    return l;
  };

  const step = (s: Step): CStep => {
    // a verdict by its content (verdict-steps.ts), not by the reader's object
    if (s.kind === 'verdict') return verdictStep(s.verdict);
    let c = compiledSteps.get(s);
    if (c === undefined) compiledSteps.set(s, (c = compileStep(s)));
    return c;
  };

  const compileStep = (s: Step): CStep => {
    switch (s.kind) {
      case 'test':
        return testStep(test(s.test), s.negate);
      case 'random': {
        const p = fromRational(s.p);
        return { kind: 'random', p, q: complement(p), last: null };
      }
      case 'dispatch': {
        let lookup = compiledLookups.get(s.elements);
        if (lookup === undefined) {
          const elements = s.elements.map((e) => ({ parts: partsOf(e.parts), steps: elementSteps(e.steps) }));
          const index = sharedIndex(
            s.elements.map((e) => e.parts),
            elements.map((e) => e.parts),
          );
          compiledLookups.set(s.elements, (lookup = { elements, index, portless: false }));
        }
        const dnatPort = s.dnatPort ?? null;
        if (dnatPort !== null && !lookup.portless) {
          // checked once per element list, not again for each port that reads it
          for (const e of lookup.elements) portlessDnat(e.steps);
          lookup.portless = true;
        }
        return { kind: 'dispatch', elements: lookup.elements, index: lookup.index, dnatPort, ported: null };
      }
      case 'numgen':
        return numgen(s);
      case 'mark': {
        const v = s.value >>> 0;
        const [keep, xor] =
          s.op === 'set' ? [0, v] : s.op === 'or' ? [~v >>> 0, v] : s.op === 'xor' ? [0xffffffff, v] : [v, 0];
        return { kind: 'mark', keep, xor, last: null };
      }
      case 'affinityWrite':
        affinityDim(s.list, s.key);
        return { kind: 'affinityWrite', list: writtenList(ctx.canonicalList(s.list), s.key) };
      case 'noop':
        return NOOP;
      case 'verdict':
        return verdictStep(s.verdict);
    }
  };

  const testSteps = [new Map<CTest, CStep>(), new Map<CTest, CStep>()];
  const testStep = (t: CTest, negate: boolean): CStep => {
    const known = testSteps[negate ? 1 : 0]!;
    let c = known.get(t);
    if (c === undefined) known.set(t, (c = { kind: 'test', test: t, negate }));
    return c;
  };
  const verdictStep = verdictSteps(ids.length, chainRef, space.addresses);

  const numgen = (s: Extract<Step, { kind: 'numgen' }>): CStep => {
    // Bucket k (the value offset+k) goes to the first branch holding it: branch i gets what the
    // values of branches 0..i hold together less what 0..i−1 hold, counted over 2^32 random values
    // by ranges of buckets (model/numgen.ts), never one by one (a modulus may be 2^32 − 1).
    const upTo: NumberRange[] = [];
    let before = 0n;
    const over32 = (n: bigint): Dyadic => (n === 0n ? ZERO : { n, s: 32 });
    const weights = s.branches.map((br) => {
      appendAll(upTo, br.values);
      const count = numgenCount(s.modulus, s.offset, upTo);
      const w = over32(count - before);
      before = count;
      return w;
    });
    const miss = over32((1n << 32n) - before);
    return {
      kind: 'numgen',
      branches: s.branches.map((b, i) => ({ w: weights[i]!, steps: steps(b.steps) })),
      miss,
    };
  };

  const compileChain = (chain: Chain): CChain => {
    const rules = ctx.consume ? rulesInPlace(chain.rules) : chain.rules.map(compileRule);
    return { name: chain.name, rules, index: buildKeyIndex(rules.map(leadingParts)) };
  };
  const compileRule = (r: Rule): CRule => {
    try {
      return { origin: r.origin, steps: steps(r.steps) };
    } catch (e) {
      throw withOrigin(e, r);
    }
  };
  // A consumed model's rules become the compiled ones: each rule object and its steps array (its
  // own: model/program.ts Rule) are reused, their steps replaced by the compiled steps, instead of
  // a copy of each made (600,000 rules at 10,000 services) while the model's die.
  const rulesInPlace = (list: Rule[]): CRule[] => {
    for (const r of list) {
      const s = r.steps as unknown as (Step | CStep)[];
      try {
        for (let i = 0; i < s.length; i++) s[i] = step(s[i] as Step);
      } catch (e) {
        throw withOrigin(e, r);
      }
    }
    return list as unknown as CRule[];
  };
  if (ctx.lazy && ctx.consume) throw new Error('compileProgram: lazy and consume exclude each other');
  const chains: CChain[] = ctx.lazy
    ? lazyChains(ids, (id) => compileChain(program.chains.get(id)!))
    : ctx.consume
      ? consumeChains(program, compileChain)
      : [...program.chains.values()].map(compileChain);

  const hooks = {} as Record<Hook, CBaseChain[]>;
  for (const h of HOOKS) hooks[h] = [];
  refuseTiesWithNatCore(program.baseChains);
  const keyed = program.baseChains.map((b, order) => ({ base: b, key: hookOrderKey(b, order) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  for (const { base } of keyed) hooks[base.hook].push({ ...base, chain: chainRef(base.chain) });
  return { backend: program.backend, chains, hooks };
}

/**
 * The program's chains compiled in order, each let go of once compiled: taken out of the program
 * first (one clear, not a delete per chain: 195,000 at 10,000 services), then out of the list.
 */
function consumeChains(program: NetfilterProgram, compileChain: (chain: Chain) => CChain): CChain[] {
  const given: (Chain | undefined)[] = [...program.chains.values()];
  program.chains.clear();
  return given.map((chain, i) => {
    given[i] = undefined;
    return compileChain(chain!);
  });
}

/**
 * An array of the chains whose element i is compiled when it is first read. A Proxy: only a lazy
 * program (explain) pays for its trap, and reading it whole (iterating) compiles every chain.
 */
function lazyChains(ids: readonly string[], compileChain: (id: string) => CChain): CChain[] {
  const made: (CChain | undefined)[] = new Array(ids.length);
  return new Proxy(made as CChain[], {
    get(target, key, receiver) {
      if (typeof key === 'string' && key.length > 0 && key.length < 16) {
        const i = Number(key);
        if (Number.isInteger(i) && i >= 0 && i < ids.length && String(i) === key) {
          let c = target[i];
          if (c === undefined) target[i] = c = compileChain(ids[i]!);
          return c;
        }
      }
      return Reflect.get(target, key, receiver);
    },
  });
}

/**
 * The conditions a rule's leading tests impose before any step with an effect — safe to use as an
 * index key: a packet failing them cannot reach any effect of the rule.
 */
function leadingParts(rule: CRule): readonly CPart[] | null {
  // one leading test (the usual rule) gives its own interned list: nothing is copied
  let parts: readonly CPart[] | null = null;
  for (const s of rule.steps) {
    if (s.kind === 'noop') continue;
    if (s.kind === 'test' && !s.negate && s.test.kind === 'parts') {
      parts = parts === null ? s.test.parts : [...parts, ...s.test.parts];
      continue;
    }
    break;
  }
  return parts !== null && parts.length > 0 ? parts : null;
}

/** `e`, a CompileError without an origin given the rule's (for the report to point at its line or JSON path). */
function withOrigin(e: unknown, r: Rule): unknown {
  if (e instanceof CompileError && e.origin === undefined && r.origin) e.origin = r.origin;
  return e;
}

/** A ported dispatch's element: one DNAT verdict without a port (what the evaluator gives the port to). */
function portlessDnat(steps: readonly CStep[]): void {
  const [only] = steps;
  if (steps.length !== 1 || only?.kind !== 'verdict' || only.verdict.kind !== 'dnat' || only.verdict.port !== null) {
    throw new CompileError('a DNAT map with a statement port whose element is not a DNAT to an address');
  }
}
