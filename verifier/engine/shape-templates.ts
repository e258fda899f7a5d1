// Templates for shard bodies (shape-stream.ts): the text a piece of a body would write — a rule's
// steps, a dispatch element, a service port of the IR — with a hole for each constant, made once
// per check and interned. A body writes a template's number and then a number per hole (the
// constant's number in that body, or a dispatch's items), never the text: thousands of bodies
// reach the same shared rules, and each service's rules are reached by each of its keys.
//
// Why bodies keep their meaning: a template's number stands for one text with holes of given
// kinds, and a body fills the holes in the order the text writer would have numbered them (left
// to right, a dispatch's port before its items: shape-steps.ts), so equal numbers write out
// (expandTokens, shape-stream.ts) to equal texts — the texts a body would have written itself.
//
// A made template is a place in one pool of numbers: its number, then each hole's value (a
// constant's check-wide id, a chain, or the place of a dispatch or member test in `objects`) —
// hundreds of thousands of rules, no object each.
import type { CProgram } from './compiled.ts';
import type { IntervalSet } from './intervals.ts';
import { type DispatchStep, type MemberTest, type Speller, type StepsWriter, stepsWriter } from './shape-steps.ts';
import {
  HOLE,
  keepPlace,
  keptPlace,
  type RuleSlots,
  ruleSlots,
  type SetTable,
  slotsFor,
  TextTable,
  TokenBuffer,
} from './shape-tables.ts';
import type { PacketSpace } from './space.ts';

/** Per check: the templates' texts by number, the made templates, and what their values refer to. */
export interface Templates {
  space: PacketSpace;
  addrs: SetTable;
  ports: SetTable;
  lists: TextTable;
  /** template texts (a mark per hole, of its kind) to numbers */
  keys: TextTable;
  /** each template's holes' kinds, and literal text between them (made when written out), by number */
  kinds: (readonly number[])[];
  segments: string[][];
  /** made templates: at each place, the template's number and its holes' values */
  pool: TokenBuffer;
  /** the dispatch steps and member tests holes refer to */
  objects: (DispatchStep | MemberTest)[];
  /** the builder and writer of templates (one is made at a time) */
  builder: TemplateBuilder;
  writer: StepsWriter;
  /** per program: each rule's template's place (keptPlace) */
  programs: Map<CProgram, RuleSlots>;
  /** per dispatch's elements (a ported dispatch shares them with the map's other ports): each element's template's place */
  elements: Map<DispatchStep['elements'], Int32Array>;
  /** literalTemplate's numbers by their texts */
  literals: Map<string, number>;
  /** each program's head's place (shape-program.ts) */
  heads: Map<CProgram, number>;
}

// A hole is written as one control character that says its kind (no literal holds them: a text
// whose literal does is not made a template, and is written out instead).
const FIRST_MARK = 0x0e;
/** The mark of a hole of `kind`. */
export const mark = (kind: number): string => String.fromCharCode(FIRST_MARK + kind);
const isMark = (code: number): boolean => code >= FIRST_MARK && code <= FIRST_MARK + HOLE.number;
const MARKS = /[\u000e-\u0017]/;

export function templateTables(space: PacketSpace, addrs: SetTable, ports: SetTable, lists: TextTable): Templates {
  const t = {
    space,
    addrs,
    ports,
    lists,
    keys: new TextTable(),
    kinds: [],
    segments: [],
    pool: new TokenBuffer(),
    objects: [],
    programs: new Map(),
    elements: new Map(),
    literals: new Map(),
    heads: new Map(),
  } as unknown as Templates;
  t.builder = new TemplateBuilder(t);
  t.writer = stepsWriter(space, t.builder);
  return t;
}

/** Collects holes while a text is written; `finish` interns the text and pools the template. */
export class TemplateBuilder implements Speller {
  private kinds: number[] = [];
  private values: number[] = [];
  private readonly t: Templates;
  constructor(t: Templates) {
    this.t = t;
  }
  /** Starts another template. */
  reset(): void {
    this.kinds.length = 0;
    this.values.length = 0;
  }
  private hole(kind: number, value: number): string {
    this.kinds.push(kind);
    this.values.push(value);
    return mark(kind);
  }
  private object(o: DispatchStep | MemberTest): number {
    this.t.objects.push(o);
    return this.t.objects.length - 1;
  }
  addrSet(set: IntervalSet): string {
    return this.hole(HOLE.addr, this.t.addrs.ofKept(set));
  }
  portSet(set: IntervalSet): string {
    return this.hole(HOLE.port, this.t.ports.ofKept(set));
  }
  addrPoint(atom: number): string {
    return this.hole(HOLE.addr, this.t.addrs.point(atom));
  }
  portPoint(port: number): string {
    return this.hole(HOLE.port, this.t.ports.point(port));
  }
  chain(chain: number): string {
    return this.hole(HOLE.chain, chain);
  }
  list(id: string): string {
    return this.hole(HOLE.list, this.t.lists.of(id));
  }
  dispatch(s: DispatchStep): string {
    return this.hole(s.dnatPort === null ? HOLE.dispatch : HOLE.portedDispatch, this.object(s));
  }
  member(m: MemberTest, dnatOnly: boolean): string {
    return this.hole(dnatOnly ? HOLE.dnatMember : HOLE.member, this.object(m));
  }

  /**
   * The template of `text` (written with this builder since reset): its place in the pool; -1 if
   * a literal holds a hole's mark.
   */
  finish(text: string): number {
    const { kinds, values } = this;
    let marks = 0;
    for (let i = 0; i < text.length; i++) if (isMark(text.charCodeAt(i))) marks++;
    if (marks !== kinds.length) return -1;
    const id = this.t.keys.of(text);
    if (id === this.t.kinds.length) this.t.kinds.push(kinds.slice());
    const { pool } = this.t;
    const place = pool.length;
    pool.push(id);
    for (const v of values) pool.push(v);
    return place;
  }
}

/** A template's literal text between its holes (written out: tests, bench/shape-digest.ts). */
export function templateSegments(t: Templates, id: number): string[] {
  let segments = t.segments[id];
  if (segments === undefined) t.segments[id] = segments = t.keys.texts[id]!.split(MARKS);
  return segments;
}

/**
 * The number of a template of literal text around holes of these kinds (a body's own lines: its
 * head, a chain's line), written with U+0000 for each hole; looked up once per text.
 */
export function literalTemplate(t: Templates, text: string, kinds: readonly number[]): number {
  let id = t.literals.get(text);
  if (id === undefined) {
    const segments = text.split('\u0000');
    if (segments.length !== kinds.length + 1) throw new Error(`internal error: template ${JSON.stringify(text)}`);
    const marked = segments.reduce((a, s, i) => a + mark(kinds[i - 1]!) + s);
    id = t.keys.of(marked);
    if (id === t.kinds.length) t.kinds.push(kinds.slice());
    t.literals.set(text, id);
  }
  return id;
}

/** The place of a rule's template (its steps'), made on first use; -1: it has none (written out). */
export function ruleTemplate(t: Templates, program: CProgram, chain: number, rule: number): number {
  const p = ruleSlots(t.programs, program);
  const i = p.start[chain]! + rule;
  const kept = keptPlace(p.slots, i);
  if (kept !== undefined) return kept;
  t.builder.reset();
  return keepPlace(p.slots, i, t.builder.finish(t.writer.steps(program.chains[chain]!.rules[rule]!.steps)));
}

/** The place of a dispatch element's template (its conditions, ':', its steps); -1: none. */
export function elementTemplate(t: Templates, s: DispatchStep, item: number): number {
  const slots = slotsFor(t.elements, s.elements, s.elements.length);
  const kept = keptPlace(slots, item);
  if (kept !== undefined) return kept;
  const e = s.elements[item]!;
  t.builder.reset();
  return keepPlace(slots, item, t.builder.finish(t.writer.parts(e.parts) + ':' + t.writer.steps(e.steps)));
}
