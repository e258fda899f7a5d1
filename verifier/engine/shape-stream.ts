// A shard body written as numbers (shape.ts): a list of template instances (shape-templates.ts),
// each its template's number and then its holes — a constant's number in the body (first-seen
// order, per kind), a chain's number in the body's reach, a dispatch's items (their count, then
// each item's element template), an indexed member test's text (interned). Bodies are compared as
// these lists: no body text is built, and `expandTokens` writes one out again (the text the body
// would have written: equal lists, equal texts; tests and bench/shape-digest.ts compare those).
import type { CProgram } from './compiled.ts';
import { type ChainMarks, type ReachSummaries, reachSummaries } from './shape-reach.ts';
import {
  type DispatchStep,
  type MemberTest,
  memberItemsText,
  type Speller,
  type StepsWriter,
  stepsWriter,
} from './shape-steps.ts';
import { BodyNumbers, HOLE, TextTable, TokenBuffer } from './shape-tables.ts';
import { elementTemplate, literalTemplate, ruleTemplate, type Templates, templateSegments } from './shape-templates.ts';

/** What one program's part of a body is written with (its reach: shape-program.ts). */
export interface ProgramReach {
  chainNumber(chain: number): number;
  /** a dispatch's items the reach offered it, ascending */
  dispatchItems(s: DispatchStep): readonly number[];
  /** an indexed member test's items for the body's contexts (dnatOnly: its DNAT targets' only) */
  memberItems(t: MemberTest, dnatOnly: boolean): readonly number[];
}

/** The writer of bodies, one per check; one body at a time. */
export interface StreamWriter {
  templates: Templates;
  /** texts a body writes out (indexed member tests, a service port order) */
  texts: TextTable;
  tokens: TokenBuffer;
  addrs: BodyNumbers;
  ports: BodyNumbers;
  lists: BodyNumbers;
  /** the program part being written */
  reach: ProgramReach | null;
  /** this program part's indexed member texts (a set tested in several chains is written once) */
  members: Map<MemberTest, number>;
  dnatMembers: Map<MemberTest, number>;
  /** the template of a text written out whole */
  writtenOut: number;
  /** what walking each chain, rule and element reaches (shape-reach.ts) */
  summaries: ReachSummaries;
  /** per program, the reach's marks on its chains (shape-program.ts) */
  chainMarks: Map<CProgram, ChainMarks>;
  /** texts spelled with the body's numbers (a member test's items; a template-less rule) */
  direct: StepsWriter;
}

export function streamWriter(templates: Templates): StreamWriter {
  const w: Omit<StreamWriter, 'direct'> & { direct?: StepsWriter } = {
    templates,
    texts: new TextTable(),
    tokens: new TokenBuffer(),
    addrs: new BodyNumbers(),
    ports: new BodyNumbers(),
    lists: new BodyNumbers(),
    reach: null,
    members: new Map(),
    dnatMembers: new Map(),
    writtenOut: literalTemplate(templates, '\u0000', [HOLE.text]),
    summaries: reachSummaries(),
    chainMarks: new Map(),
  };
  w.direct = directWriter(w as StreamWriter);
  return w as StreamWriter;
}

export function startBody(w: StreamWriter): void {
  w.tokens.length = 0;
  w.addrs.start();
  w.ports.start();
  w.lists.start();
}

export function startProgram(w: StreamWriter, reach: ProgramReach): void {
  w.reach = reach;
  w.members.clear();
  w.dnatMembers.clear();
}

/** The template at `place` in the pool with its holes filled, numbered in this body. */
export function emitTemplate(w: StreamWriter, place: number): void {
  const { tokens, templates: T } = w;
  const id = T.pool.data[place]!;
  tokens.push(id);
  const kinds = T.kinds[id]!;
  for (let i = 0; i < kinds.length; i++) {
    // (read again each time: a dispatch's items can make templates, and the pool can move)
    const v = T.pool.data[place + 1 + i]!;
    switch (kinds[i]) {
      case HOLE.addr:
        tokens.push(w.addrs.of(v));
        break;
      case HOLE.port:
        tokens.push(w.ports.of(v));
        break;
      case HOLE.chain:
        tokens.push(w.reach!.chainNumber(v));
        break;
      case HOLE.list:
        tokens.push(w.lists.of(v));
        break;
      case HOLE.dispatch:
      case HOLE.portedDispatch:
        emitDispatch(w, T.objects[v] as DispatchStep);
        break;
      case HOLE.member:
      case HOLE.dnatMember:
        tokens.push(memberText(w, T.objects[v] as MemberTest, kinds[i] === HOLE.dnatMember));
        break;
      default:
        throw new Error(`internal error: a template hole of kind ${kinds[i]}`);
    }
  }
}

/** A rule of a program: its steps' template, or their text written out when they have none. */
export function emitRule(w: StreamWriter, program: CProgram, chain: number, rule: number): void {
  const place = ruleTemplate(w.templates, program, chain, rule);
  if (place >= 0) emitTemplate(w, place);
  else emitWrittenOut(w, w.direct.steps(program.chains[chain]!.rules[rule]!.steps));
}

function emitWrittenOut(w: StreamWriter, text: string): void {
  w.tokens.push(w.writtenOut);
  w.tokens.push(w.texts.of(text));
}

function emitDispatch(w: StreamWriter, s: DispatchStep): void {
  // the port is numbered before the elements' constants (the text writer's order)
  if (s.dnatPort !== null) w.tokens.push(w.ports.of(w.templates.ports.point(s.dnatPort)));
  const items = w.reach!.dispatchItems(s);
  w.tokens.push(items.length);
  for (const i of items) {
    const place = elementTemplate(w.templates, s, i);
    if (place >= 0) emitTemplate(w, place);
    else {
      const e = s.elements[i]!;
      const d = w.direct;
      emitWrittenOut(w, d.parts(e.parts) + ':' + d.steps(e.steps));
    }
  }
}

/** An indexed member test's text in this program part, written (and its constants numbered) once. */
function memberText(w: StreamWriter, t: MemberTest, dnatOnly: boolean): number {
  const known = dnatOnly ? w.dnatMembers : w.members;
  let id = known.get(t);
  if (id === undefined) {
    const text = memberItemsText(t, w.reach!.memberItems(t, dnatOnly), w.direct.parts);
    known.set(t, (id = w.texts.of(text)));
  }
  return id;
}

/** Texts spelled with the body's numbers, whichever body is being written (made once per check). */
function directWriter(w: StreamWriter): StepsWriter {
  const T = w.templates;
  const spell: Speller = {
    addrSet: (set) => w.addrs.of(T.addrs.ofKept(set)),
    portSet: (set) => w.ports.of(T.ports.ofKept(set)),
    addrPoint: (atom) => w.addrs.of(T.addrs.point(atom)),
    portPoint: (port) => w.ports.of(T.ports.point(port)),
    chain: (chain) => w.reach!.chainNumber(chain),
    list: (id) => w.lists.of(T.lists.of(id)),
    dispatch: (s) => {
      const port = s.dnatPort === null ? '' : ` port ${spell.portPoint(s.dnatPort)}`;
      const items = w.reach!.dispatchItems(s);
      let out = 'dispatch[';
      for (let k = 0; k < items.length; k++) {
        const e = s.elements[items[k]!]!;
        out = out + (k === 0 ? '' : '|') + writer.parts(e.parts) + ':' + writer.steps(e.steps);
      }
      return `${out}]${port}`;
    },
    member: (t, dnatOnly) => w.texts.texts[memberText(w, t, dnatOnly)]!,
  };
  const writer = stepsWriter(T.space, spell);
  return writer;
}

/** The text a body's tokens stand for: each template written out with its holes filled. */
export function expandTokens(t: Templates, texts: TextTable, tokens: Int32Array): string {
  let pos = 0;
  const next = (): number => {
    if (pos >= tokens.length) throw new Error('internal error: a body ends inside a template');
    return tokens[pos++]!;
  };
  const one = (): string => {
    const id = next();
    const segments = templateSegments(t, id);
    const kinds = t.kinds[id]!;
    let out = segments[0]!;
    for (let i = 0; i < kinds.length; i++) out += hole(kinds[i]!) + segments[i + 1]!;
    return out;
  };
  const hole = (kind: number): string => {
    switch (kind) {
      case HOLE.dispatch:
      case HOLE.portedDispatch: {
        const port = kind === HOLE.portedDispatch ? ` port ${next()}` : '';
        const count = next();
        const items: string[] = [];
        for (let k = 0; k < count; k++) items.push(one());
        return `dispatch[${items.join('|')}]${port}`;
      }
      case HOLE.member:
      case HOLE.dnatMember:
      case HOLE.text:
        return texts.texts[next()]!;
      default:
        return `${next()}`;
    }
  };
  let out = '';
  while (pos < tokens.length) out += one();
  return out;
}
