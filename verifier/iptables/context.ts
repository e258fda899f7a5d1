// What converting one rule needs to know and where it reports: the table, the line's tokens, a
// position for each token, and the file's IP family (given, or fixed by the first token that
// implies one; a later token of the other family is an error wherever it is).
import type { Diagnostic } from '../../common/diagnostics.ts';
import type { Family } from '../../common/ip.ts';
import type { Span } from '../../common/source.ts';
import type { Rational } from '../../compiler/ir/outcome.ts';
import type { L4Protocol } from '../../compiler/ir/packet.ts';
import type { Step } from '../model/program.ts';
import { type ChainName, type ChainNames, newChainNames } from './chain-names.ts';
import { iptCodes } from './codes.ts';
import { newTextIndex, newU32Index, type TextIndex, type U32Index } from './text-index.ts';
import type { Tokens } from './tokenize.ts';
import { tokenText } from './tokenize.ts';
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
  /** Token texts of the line, when the caller has them all (tests, a direct ohm match); see `tokens`. */
  texts: string[];
  /**
   * The reader's scanned line instead (its `texts` are not filled): values are sliced from the
   * input only when a converter needs them. Read a token with textAt / charsAt, never `texts`.
   */
  tokens?: Tokens;
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
  /**
   * Set by the converter when the rule jumps or goes to a chain (its last step): the chain's name
   * (the reader resolves it).
   */
  jumpTo?: ChainName | null;
  /** Set by the converter when the rule's target is DNAT or MASQUERADE. */
  natTarget?: 'dnat' | 'masquerade' | null;
}

/** A value's parse and the steps made from it, by slot (e.g. [-s, ! -s, -d, ! -d] for an address). */
export interface ParsedValue<T> {
  parsed: Parsed<T>;
  steps: (Step | undefined)[];
}

/** Shared steps by kind of key (number keys and per-name maps avoid building a key string per rule). */
export interface SharedSteps {
  byKey: Map<string, Step>;
  /** Small-integer keys only (a Map key beyond 2^30 is boxed on every lookup). */
  byNumber: Map<number, Step>;
  /** Chain names by table: one name and id string per chain, and the jump and goto steps to it. */
  names: Record<Table, ChainNames>;
  /** Addresses as written. */
  addresses: Map<string, ParsedValue<ParsedAddress>>;
  /** Tests of canonical dotted quads (the common case) by their value, for -s, ! -s, -d, ! -d. */
  ipv4: [U32Index<Step>, U32Index<Step>, U32Index<Step>, U32Index<Step>];
  /** `--probability` values as written, found by their characters (no string per rule). */
  probabilities: TextIndex<ParsedValue<Rational>>;
  /** What charsAt returns, one object reused through the read (it goes with the read). */
  chars: Chars;
  /**
   * Each `-m recent --name` once: kube-proxy names a list in the rule that checks it and in the
   * one that sets it, and the model would keep a string per rule.
   */
  recentNames: TextIndex<string>;
  /**
   * Per recent list: the longest --seconds a check of it looks back (reaping or not), and where a
   * --reap forgets records older than its own --seconds (recent-ages.ts: a reap such a longer
   * check notices makes a proof impossible).
   */
  recentAges: Map<string, { longest: number; reaps: { seconds: number; where: Where }[] }>;
}

export const newSharedSteps = (): SharedSteps => ({
  recentAges: new Map(),
  byKey: new Map(),
  byNumber: new Map(),
  names: { nat: newChainNames('nat'), filter: newChainNames('filter') },
  addresses: new Map(),
  ipv4: [newU32Index(), newU32Index(), newU32Index(), newU32Index()],
  probabilities: newTextIndex(),
  chars: { src: '', start: 0, end: 0 },
  recentNames: newTextIndex(),
});

/**
 * One step object for every rule with the same step (`-p tcp`, `--dport 80`, `-j KUBE-MARK-MASQ`,
 * ...): a 10,000-service dump has ~600,000 rules but few distinct steps of these kinds. Steps are
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

/**
 * The shared step with a small-integer key (the caller keeps number keys of different kinds
 * apart), or undefined: the caller makes it and keeps it with keepNumberStep. Two calls instead of
 * sharedStep's callback, which would cost a closure on every rule of the hot kinds (-p, --dport).
 */
export const numberStep = (ctx: RuleContext, key: number): Step | undefined => ctx.shared.byNumber.get(key);

export function keepNumberStep(ctx: RuleContext, key: number, step: Step): Step {
  ctx.shared.byNumber.set(key, step);
  return step;
}

/**
 * The steps of the rule being converted: a reused array and how many of its items are this
 * rule's. The array is never shortened (that frees its room, which the next rule would allocate
 * again); the rule gets a copy at its exact length.
 */
export interface StepBuffer {
  items: Step[];
  count: number;
}

export function emit(out: StepBuffer, step: Step): void {
  out.items[out.count++] = step;
}

/** The text of token `at` (sliced from the input for the reader's scanned line). */
export function textAt(ctx: RuleContext, at: number): string {
  const tk = ctx.tokens;
  return tk === undefined ? (ctx.texts[at] ?? '') : tokenText(tk, at);
}

/** The characters of a token: src[start, end). */
export interface Chars {
  src: string;
  start: number;
  end: number;
}

/**
 * The characters of token `at` without making a string when the token is a plain one of a scanned
 * line. The result is one reused object: read it before the next call.
 */
export function charsAt(ctx: RuleContext, at: number): Readonly<Chars> {
  const tk = ctx.tokens;
  const chars = ctx.shared.chars;
  if (tk !== undefined && tk.quoteAt[at]! < 0) {
    chars.src = tk.src;
    chars.start = tk.base + tk.starts[at]!;
    chars.end = tk.base + tk.ends[at]!;
  } else {
    const text = textAt(ctx, at);
    chars.src = text;
    chars.start = 0;
    chars.end = text.length;
  }
  return chars;
}

/** Token `at` implies family `f`: fix the file's family, or report a mismatch. */
export function requireFamily(ctx: RuleContext, f: Family, at: number): void {
  if (ctx.family.family === null) {
    ctx.family.family = f;
    ctx.family.from = `from '${textAt(ctx, at)}' on line ${ctx.line}`;
    return;
  }
  if (ctx.family.family !== f) {
    ctx.fileErrors.push(
      iptCodes['ipt-family-mismatch'](ctx.where(at), textAt(ctx, at), f, ctx.family.family, ctx.family.from),
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
  ctx.errors.push(iptCodes[r.code](ctx.where(at), what, textAt(ctx, at), r.why));
}
