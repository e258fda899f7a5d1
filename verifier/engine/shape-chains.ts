// Chain templates for shard shapes (shape-program.ts). Every shard body reaches the shared chains
// — those the base chains reach without a key lookup — and most of them are static: no key
// index, no dispatch, no indexed member test, so every body writes the same text for them but for
// the numbers of its constants (two thirds of all body text at 3,000 services). A shared static
// chain's text is written once, with a hole for each constant (shape-steps.ts spells both ways),
// and interned: a body writes the template's number and its holes' numbers instead. A shared
// chain that is not static (a dispatch, a member lookup) has its static rules written so.
// Chains a key lookup reaches (a service's) are written out: most are reached by one or two
// bodies, and a template each would cost more than it saves.
//
// Why bodies keep their meaning: a template's number stands for one text with holes (interned),
// and the holes are filled in the order the writer would number them, so equal compressed lines
// are equal written-out lines. Which chains are shared is the same for every body, so equal
// written-out bodies stay equal. shape.ts's shapeText writes the templates out again (tests and
// bench/shape-digest.ts compare that text).
import type { CProgram, CStep } from './compiled.ts';
import type { IntervalSet } from './intervals.ts';
import { type ItemLookups, type Speller, stepsWriter } from './shape-steps.ts';
import type { PacketSpace } from './space.ts';

/** A static chain's (or rule's) template: its number, and its holes in text order. */
export interface StaticChain {
  /** the template's number in ChainTemplates */
  id: number;
  /** each hole's kind (the Speller method that numbers it) and constant */
  kinds: (keyof Speller)[];
  values: (IntervalSet | number | string)[];
}

/** A program's shared chains and their templates. */
export interface ProgramTemplates {
  shared: Set<number>;
  /** a shared chain's template, null when it is not static */
  chains: Map<number, StaticChain | null>;
  /** the templates of a shared unindexed chain's rules (null: not static) */
  rules: Map<number, (StaticChain | null)[]>;
}

/** Per check: the templates of each program, and the template texts by number. */
export interface ChainTemplates {
  programs: Map<CProgram, ProgramTemplates>;
  ids: Map<string, number>;
  /** each template's literal text between its holes */
  segments: string[][];
}

export const chainTemplates = (): ChainTemplates => ({ programs: new Map(), ids: new Map(), segments: [] });

const HOLE = '\u0000';

/** No dispatch and no indexed member test: the text does not depend on the body's key contexts. */
function isStatic(steps: readonly CStep[]): boolean {
  for (const s of steps) {
    if (s.kind === 'dispatch') return false;
    if (s.kind === 'test' && s.test.kind === 'member' && s.test.index !== null) return false;
    if (s.kind === 'numgen' && !s.branches.every((b) => isStatic(b.steps))) return false;
  }
  return true;
}

function programTemplates(t: ChainTemplates, program: CProgram): ProgramTemplates {
  let p = t.programs.get(program);
  if (p === undefined) {
    p = { shared: sharedChains(program), chains: new Map(), rules: new Map() };
    t.programs.set(program, p);
  }
  return p;
}

/**
 * The chains every body reaches: the base chains, and what an unindexed shared chain's rules jump
 * or go to outside a dispatch (every such rule is reached, whatever the key).
 */
function sharedChains(program: CProgram): Set<number> {
  const shared = new Set<number>();
  const queue: number[] = [];
  const add = (c: number) => {
    if (!shared.has(c)) {
      shared.add(c);
      queue.push(c);
    }
  };
  for (const bases of Object.values(program.hooks)) for (const b of bases) add(b.chain);
  const targets = (steps: readonly CStep[]) => {
    for (const s of steps) {
      if (s.kind === 'verdict' && (s.verdict.kind === 'jump' || s.verdict.kind === 'goto')) add(s.verdict.chain);
      else if (s.kind === 'numgen') for (const b of s.branches) targets(b.steps);
    }
  };
  for (let i = 0; i < queue.length; i++) {
    const chain = program.chains[queue[i]!]!;
    if (chain.index === null) for (const r of chain.rules) targets(r.steps);
  }
  return shared;
}

/** The chain's template, made on first use; null when the chain is not shared or not static. */
export function staticChain(t: ChainTemplates, program: CProgram, c: number, space: PacketSpace): StaticChain | null {
  const p = programTemplates(t, program);
  if (!p.shared.has(c)) return null;
  let made = p.chains.get(c);
  if (made === undefined) {
    const chain = program.chains[c]!;
    const whole = chain.index === null && chain.rules.every((r) => isStatic(r.steps));
    made = whole
      ? template(
          t,
          chain.rules.map((r) => r.steps),
          space,
        )
      : null;
    p.chains.set(c, made);
  }
  return made;
}

/**
 * The templates of a shared unindexed chain's rules, each null when the rule is not static (a
 * chain with one dispatch or member lookup, as nft's services and forward-rules, is mostly static
 * rules); null for any other chain.
 */
export function staticRules(
  t: ChainTemplates,
  program: CProgram,
  c: number,
  space: PacketSpace,
): (StaticChain | null)[] | null {
  const p = programTemplates(t, program);
  const chain = program.chains[c]!;
  if (!p.shared.has(c) || chain.index !== null) return null;
  let rules = p.rules.get(c);
  if (rules === undefined) {
    rules = chain.rules.map((r) => (isStatic(r.steps) ? template(t, [r.steps], space) : null));
    p.rules.set(c, rules);
  }
  return rules;
}

const noLookups: ItemLookups = {
  dispatchItems: () => {
    throw new Error('internal error: a dispatch in a static chain');
  },
  memberItems: () => {
    throw new Error('internal error: an indexed member test in a static chain');
  },
};

/** The template of these rules' steps (one rule, or a whole chain). */
function template(t: ChainTemplates, rules: readonly (readonly CStep[])[], space: PacketSpace): StaticChain | null {
  const kinds: (keyof Speller)[] = [];
  const values: (IntervalSet | number | string)[] = [];
  const hole = (kind: keyof Speller, value: IntervalSet | number | string): string => {
    kinds.push(kind);
    values.push(value);
    return HOLE;
  };
  const spell: Speller = {
    addrSet: (set) => hole('addrSet', set),
    portSet: (set) => hole('portSet', set),
    addrPoint: (atom) => hole('addrPoint', atom),
    portPoint: (port) => hole('portPoint', port),
    chain: (chain) => hole('chain', chain),
    list: (id) => hole('list', id),
  };
  const write = stepsWriter(space, spell, noLookups);
  const text = rules.map(write).join(' / ');
  const segments = text.split(HOLE);
  if (segments.length !== kinds.length + 1) return null; // a literal holds the marker: written out instead
  let id = t.ids.get(text);
  if (id === undefined) {
    id = t.segments.length;
    t.ids.set(text, id);
    t.segments.push(segments);
  }
  return { id, kinds, values };
}

/** The holes' numbers in this body, in text order, comma-separated (numbering them as the text would). */
function filledHoles(sc: StaticChain, spell: Speller): string {
  let out = '';
  const { kinds, values } = sc;
  for (let i = 0; i < kinds.length; i++) {
    const n = (spell[kinds[i]!] as (v: IntervalSet | number | string) => string | number)(values[i]!);
    out += i === 0 ? `${n}` : `,${n}`;
  }
  return out;
}

/**
 * A template filled with a body's numbers, compressed: its number and the holes' numbers, between
 * control characters (no written text holds them) — a whole chain's rules, or one rule.
 */
export const filledTemplate = (sc: StaticChain, spell: Speller): string =>
  `\u0001${sc.id}:${filledHoles(sc, spell)}\u0001`;

/** A body's text with every template written out (what the body would have written). */
export function expandTemplates(t: ChainTemplates, body: string): string {
  const fill = (id: string, holes: string): string => {
    const segments = t.segments[Number(id)]!;
    const numbers = holes === '' ? [] : holes.split(',');
    let text = segments[0]!;
    for (let i = 0; i < numbers.length; i++) text += numbers[i]! + segments[i + 1]!;
    return text;
  };
  return body.replace(/\u0001(\d+):([\d,]*)\u0001/g, (_, id: string, holes: string) => fill(id, holes));
}
