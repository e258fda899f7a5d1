// What converting one rule needs to know and where it reports: the table, the line's tokens, a
// position for each token, and the file's IP family (given, or fixed by the first token that
// implies one; a later token of the other family is an error wherever it is).
import type { Diagnostic } from '../../common/diagnostics.ts';
import type { Family } from '../../common/ip.ts';
import type { Span } from '../../common/source.ts';
import type { L4Protocol } from '../../compiler/ir/packet.ts';
import type { Step } from '../model/program.ts';
import { iptCodes } from './codes.ts';
import type { Parsed, ParsedAddress } from './values.ts';

export type Table = 'nat' | 'filter';

export interface Where {
  file: string;
  span: Span | null;
}

export interface FamilyState {
  family: Family | null;
  /** Where the family came from, for messages ("given by the caller", "line 3: -d 10.0.0.1"). */
  from: string;
}

export interface RuleContext {
  table: Table;
  /** Token texts of the line. */
  texts: string[];
  /** The position of token `at` (-1: the end of the line). */
  where(at: number): Where;
  line: number;
  /** Problems that make this rule unusable (reported only if the rule is kept). */
  errors: Diagnostic[];
  /** Problems with the file as a whole (always reported). */
  fileErrors: Diagnostic[];
  family: FamilyState;
  /** The rule's positive `-p` (what protocol matches and ports need), once the header is read. */
  protocol: { protocol: L4Protocol; at: number } | null;
  /** Facts this rule relies on that the model leaves out (null: none). */
  notes: string[] | null;
  /** Steps shared by every rule that has the same one (see sharedStep). */
  shared: SharedSteps;
}

/** Shared steps by kind of key (number keys and per-name maps avoid building a key string per rule). */
export interface SharedSteps {
  byKey: Map<string, Step>;
  byNumber: Map<number, Step>;
  /** Jumps and gotos by table and chain name. */
  jumps: Record<Table, Record<'jump' | 'goto', Map<string, Step>>>;
  /** Addresses as written: the parse, and the tests [-s, ! -s, -d, ! -d]. */
  addresses: Map<string, { parsed: Parsed<ParsedAddress>; steps: (Step | undefined)[] }>;
}

export const newSharedSteps = (): SharedSteps => ({
  byKey: new Map(),
  byNumber: new Map(),
  jumps: {
    nat: { jump: new Map(), goto: new Map() },
    filter: { jump: new Map(), goto: new Map() },
  },
  addresses: new Map(),
});

/**
 * One step object for every rule with the same step (`-p tcp`, `--dport 80`, `-j KUBE-MARK-MASQ`,
 * ...): a 10,000-service dump has ~800,000 rules but few distinct steps of these kinds. Steps are
 * plain data that nobody mutates, so sharing them changes nothing but memory.
 */
export function sharedStep(ctx: RuleContext, key: string, make: () => Step): Step {
  let s = ctx.shared.byKey.get(key);
  if (s === undefined) {
    s = make();
    ctx.shared.byKey.set(key, s);
  }
  return s;
}

/** sharedStep with a number key (the caller keeps number keys of different kinds apart). */
export function sharedNumberStep(ctx: RuleContext, key: number, make: () => Step): Step {
  let s = ctx.shared.byNumber.get(key);
  if (s === undefined) {
    s = make();
    ctx.shared.byNumber.set(key, s);
  }
  return s;
}

/** Token `at` implies family `f`: fix the file's family, or report a mismatch. */
export function requireFamily(ctx: RuleContext, f: Family, at: number): void {
  if (ctx.family.family === null) {
    ctx.family.family = f;
    ctx.family.from = `from '${ctx.texts[at]}' on line ${ctx.line}`;
    return;
  }
  if (ctx.family.family !== f) {
    ctx.fileErrors.push(
      iptCodes['ipt-family-mismatch'](ctx.where(at), ctx.texts[at] ?? '', f, ctx.family.family, ctx.family.from),
    );
  }
}

export function addNote(ctx: RuleContext, note: string): void {
  if (ctx.notes === null) ctx.notes = [note];
  else if (!ctx.notes.includes(note)) ctx.notes.push(note);
}

/** A value parser's refusal as a diagnostic at token `at`. */
export function valueError(
  ctx: RuleContext,
  at: number,
  what: string,
  r: { code: 'ipt-invalid-value' | 'ipt-unsupported-value'; why: string },
): void {
  ctx.errors.push(iptCodes[r.code](ctx.where(at), what, ctx.texts[at] ?? '', r.why));
}
