// `-m MODULE ...` -> model steps, one module at a time. Every module the grammar accepts is
// handled here; a value the model cannot express exactly is an error at its column.
import type { KeyPart, NumberRange, Step, Test } from '../model/program.ts';
import { ownText } from '../model/text-store.ts';
import { iptCodes } from './codes.ts';
import {
  addNote,
  charsAt,
  emit,
  keepNumberStep,
  numberStep,
  type RuleContext,
  requireFamily,
  type StepBuffer,
  sharedStep,
  valueError,
} from './context.ts';
import { checkLateBang, noNegation, single, valueAt, valueText } from './options.ts';
import type { MatchUse, OptionUse } from './template.ts';
import { addText, findText } from './text-index.ts';
import {
  fastPortRangeAt,
  isAllOnesMask,
  parseCtStates,
  parseMarkMask,
  parsePortList,
  parsePortRange,
  parseProbability,
  parseSeconds,
} from './values.ts';

const test = (t: Test, negate: boolean): Step => ({ kind: 'test', test: t, negate });
const fields = (parts: KeyPart[], negate: boolean): Step => test({ kind: 'fields', parts }, negate);

export const NFACCT_NOTE =
  'nfacct counters are not modelled: an nfacct match counts the packet and holds, for an object without a quota as kube-proxy creates them (one given a quota holds only once over it)';
export const REAP_NOTE =
  "recent --reap is not modelled: it forgets records older than the rule's --seconds, which only a check of the same list with a longer --seconds could notice (then no proof of equivalence is given)";

/** The module needs `-p PROTO` in the same rule (the kernel refuses the rule otherwise). */
function needsProtocol(ctx: RuleContext, m: MatchUse, allowed: readonly string[]): boolean {
  const p = ctx.protocol?.protocol;
  if (p !== undefined && allowed.includes(p)) return true;
  const needs = allowed.length === 1 ? `'-p ${allowed[0]}'` : `'-p' ${allowed.join(', ')}`;
  ctx.errors.push(iptCodes['ipt-protocol-required'](ctx.where(m.at), `'-m ${m.module}'`, `${needs} in the same rule`));
  return false;
}

/** `-m MODULE` for messages (the common ones made once, not per rule). */
const MODULE_OWNERS: Record<string, string> = {
  tcp: '-m tcp',
  udp: '-m udp',
  sctp: '-m sctp',
  conntrack: '-m conntrack',
};
const moduleOwner = (m: MatchUse): string => MODULE_OWNERS[m.module] ?? `-m ${m.module}`;

const PORT_OPTIONS = ['--sport', '--dport'] as const;

function ports(ctx: RuleContext, m: MatchUse, out: StepBuffer): void {
  if (!needsProtocol(ctx, m, [m.module])) return;
  for (const name of PORT_OPTIONS) {
    const o = single(ctx, m.options, name, moduleOwner(m));
    if (o === null) continue;
    checkLateBang(ctx, o);
    const c = charsAt(ctx, valueAt(o));
    let range = fastPortRangeAt(c.src, c.start, c.end);
    if (range < 0) {
      const r = parsePortRange(valueText(ctx, o));
      if (!r.ok) {
        valueError(ctx, valueAt(o), `port`, r);
        continue;
      }
      range = r.value[0] * 65536 + r.value[1];
    }
    emit(out, portStep(ctx, name === '--sport' ? 'sport' : 'dport', range, o.negated));
  }
}

/**
 * The shared test of one port range (LO * 65536 + HI). A single port (the common case) has a
 * small-integer key, from 16 up (below are the protocols'); a range a string key.
 */
function portStep(ctx: RuleContext, field: 'sport' | 'dport', range: number, negated: boolean): Step {
  const lo = Math.floor(range / 65536);
  const hi = range % 65536;
  if (lo !== hi) {
    return sharedStep(ctx, `${field} ${lo}:${hi} ${negated}`, () => fields([{ field, ranges: [[lo, hi]] }], negated));
  }
  const key = 16 + (hi * 2 + (field === 'dport' ? 1 : 0)) * 2 + (negated ? 1 : 0);
  return numberStep(ctx, key) ?? keepNumberStep(ctx, key, fields([{ field, ranges: [[lo, hi]] }], negated));
}

function multiport(ctx: RuleContext, m: MatchUse, out: StepBuffer): void {
  if (!needsProtocol(ctx, m, ['tcp', 'udp', 'sctp'])) return;
  const given = m.options.filter((o) => o.name === '--dports' || o.name === '--sports' || o.name === '--ports');
  if (given.length !== 1) {
    const at = given[1]?.at ?? m.at;
    ctx.errors.push(
      iptCodes['ipt-missing-option'](ctx.where(at), "'-m multiport'", 'exactly one of --dports, --sports, --ports'),
    );
    return;
  }
  const o = given[0]!;
  checkLateBang(ctx, o);
  const r = parsePortList(valueText(ctx, o));
  if (!r.ok) {
    valueError(ctx, valueAt(o), 'port list', r);
    return;
  }
  const ranges: NumberRange[] = r.value;
  if (o.name === '--ports') {
    emit(
      out,
      test({ kind: 'member', elements: [[{ field: 'sport', ranges }], [{ field: 'dport', ranges }]] }, o.negated),
    );
  } else {
    emit(out, fields([{ field: o.name === '--sports' ? 'sport' : 'dport', ranges }], o.negated));
  }
}

const ADDRTYPE_OPTIONS = ['--src-type', '--dst-type'] as const;

function addrtype(ctx: RuleContext, m: MatchUse, out: StepBuffer): void {
  if (m.options.length === 0) {
    ctx.errors.push(iptCodes['ipt-missing-option'](ctx.where(m.at), "'-m addrtype'", '--src-type or --dst-type'));
  }
  for (const name of ADDRTYPE_OPTIONS) {
    const o = single(ctx, m.options, name, '-m addrtype');
    if (o === null) continue;
    checkLateBang(ctx, o);
    const text = valueText(ctx, o);
    if (text.toUpperCase() !== 'LOCAL') {
      ctx.errors.push(
        iptCodes['ipt-unsupported-value'](
          ctx.where(valueAt(o)),
          `address type`,
          text,
          'the model knows only whether an address is LOCAL to the node',
        ),
      );
      continue;
    }
    const field = name === '--src-type' ? 'saddrLocal' : 'daddrLocal';
    emit(
      out,
      sharedStep(ctx, `${field} ${o.negated}`, () => fields([{ field, local: true }], o.negated)),
    );
  }
}

function conntrack(ctx: RuleContext, m: MatchUse, out: StepBuffer): void {
  const name = m.module === 'state' ? '--state' : '--ctstate';
  const o = single(ctx, m.options, name, moduleOwner(m));
  if (o === null) {
    ctx.errors.push(iptCodes['ipt-missing-option'](ctx.where(m.at), `'-m ${m.module}'`, name));
    return;
  }
  checkLateBang(ctx, o);
  const text = valueText(ctx, o);
  const r = parseCtStates(text, m.module === 'conntrack');
  if (!r.ok) {
    valueError(ctx, valueAt(o), 'conntrack state list', r);
    return;
  }
  const { states, dnat } = r.value;
  emit(
    out,
    sharedStep(ctx, `ct ${text} ${o.negated}`, () => test({ kind: 'ct', states, dnat }, o.negated)),
  );
}

function mark(ctx: RuleContext, m: MatchUse, out: StepBuffer): void {
  const o = single(ctx, m.options, '--mark', '-m mark');
  if (o === null) {
    ctx.errors.push(iptCodes['ipt-missing-option'](ctx.where(m.at), "'-m mark'", '--mark'));
    return;
  }
  checkLateBang(ctx, o);
  const text = valueText(ctx, o);
  const r = parseMarkMask(text);
  if (!r.ok) {
    valueError(ctx, valueAt(o), 'mark', r);
    return;
  }
  const { mask, value } = r.value;
  emit(
    out,
    sharedStep(ctx, `mark ${text} ${o.negated}`, () => test({ kind: 'mark', mask, value }, o.negated)),
  );
}

const RECENT_COMMANDS = ['--set', '--rcheck', '--update'] as const;

function recent(ctx: RuleContext, m: MatchUse, out: StepBuffer): void {
  let command: OptionUse | null = null;
  let second: OptionUse | null = null;
  for (const o of m.options) {
    if (!(RECENT_COMMANDS as readonly string[]).includes(o.name)) continue;
    if (command === null) command = o;
    else second ??= o;
  }
  if (command === null || second !== null) {
    const at = second?.at ?? m.at;
    ctx.errors.push(
      iptCodes['ipt-missing-option'](ctx.where(at), "'-m recent'", 'exactly one of --set, --rcheck, --update'),
    );
    return;
  }
  const nameOpt = single(ctx, m.options, '--name', '-m recent');
  const list = nameOpt === null ? 'DEFAULT' : recentName(ctx, valueAt(nameOpt));
  if (nameOpt) noNegation(ctx, nameOpt);
  // iptables keeps the first 199 bytes of a name (XT_RECENT_NAME_LEN): two longer names that
  // differ after them are one list in the kernel (measured by a review)
  // (a UTF-16 code unit is at most 3 bytes: a short name needs no count)
  if (list.length * 3 > RECENT_NAME_BYTES && Buffer.byteLength(list) > RECENT_NAME_BYTES) {
    const why = `iptables keeps only its first ${RECENT_NAME_BYTES} bytes, so names that differ after them are one list`;
    ctx.errors.push(iptCodes['ipt-invalid-value'](ctx.where(valueAt(nameOpt!)), 'recent list name', list, why));
  }
  const rsource = single(ctx, m.options, '--rsource', '-m recent');
  const rdest = single(ctx, m.options, '--rdest', '-m recent');
  for (const o of [rsource, rdest]) if (o) noNegation(ctx, o);
  if (rsource && rdest) {
    ctx.errors.push(iptCodes['ipt-duplicate-option'](ctx.where(rdest.at), "'-m recent' --rsource/--rdest"));
  }
  const key = rdest ? 'daddr' : 'saddr';
  const maskOpt = single(ctx, m.options, '--mask', '-m recent');
  if (maskOpt) {
    noNegation(ctx, maskOpt);
    const r = isAllOnesMask(valueText(ctx, maskOpt));
    if (!r.ok) valueError(ctx, valueAt(maskOpt), 'recent mask', r);
    else requireFamily(ctx, r.value, valueAt(maskOpt));
  }
  const secondsOpt = single(ctx, m.options, '--seconds', '-m recent');
  let seconds: number | null = null;
  if (secondsOpt) {
    noNegation(ctx, secondsOpt);
    const r = parseSeconds(valueText(ctx, secondsOpt));
    if (!r.ok) valueError(ctx, valueAt(secondsOpt), '--seconds', r);
    else seconds = r.value;
  }
  const reap = single(ctx, m.options, '--reap', '-m recent');
  if (reap) {
    noNegation(ctx, reap);
    if (!secondsOpt) ctx.errors.push(iptCodes['ipt-missing-option'](ctx.where(reap.at), "'--reap'", '--seconds'));
    addNote(ctx, REAP_NOTE);
  }
  checkLateBang(ctx, command);
  if (command.name === '--set') {
    if (command.negated) ctx.errors.push(iptCodes['ipt-negation-not-allowed'](ctx.where(command.at), "'--set'"));
    if (secondsOpt) {
      ctx.errors.push(iptCodes['ipt-unsupported-option'](ctx.where(secondsOpt.at), '--seconds', "'-m recent --set'"));
    }
    emit(out, { kind: 'affinityWrite', list, key });
    return;
  }
  if (secondsOpt === null) {
    ctx.errors.push(
      iptCodes['ipt-missing-option'](
        ctx.where(command.at),
        `'${command.name}'`,
        "--seconds (a check without an age limit is not in the model's affinity test)",
      ),
    );
    return;
  }
  if (seconds === null) return;
  let ages = ctx.shared.recentAges.get(list);
  if (ages === undefined) ctx.shared.recentAges.set(list, (ages = { longest: 0, reaps: [] }));
  if (reap) ages.reaps.push({ seconds, where: ctx.where(reap.at) });
  ages.longest = Math.max(ages.longest, seconds);
  emit(out, test({ kind: 'affinity', list, key, maxAgeSeconds: seconds }, command.negated));
  if (command.name === '--update') {
    if (command.negated) ctx.errors.push(iptCodes['ipt-negation-not-allowed'](ctx.where(command.at), "'--update'"));
    // The kernel refreshes the record only when the check matched: the write follows the test.
    emit(out, { kind: 'affinityWrite', list, key });
  }
}

function statistic(ctx: RuleContext, m: MatchUse, out: StepBuffer): void {
  const mode = single(ctx, m.options, '--mode', '-m statistic');
  const prob = single(ctx, m.options, '--probability', '-m statistic');
  if (mode === null) {
    ctx.errors.push(iptCodes['ipt-missing-option'](ctx.where(m.at), "'-m statistic'", '--mode'));
    return;
  }
  noNegation(ctx, mode);
  const m0 = charsAt(ctx, valueAt(mode));
  const isRandom = m0.end - m0.start === 6 && m0.src.startsWith('random', m0.start);
  const modeText = isRandom ? 'random' : valueText(ctx, mode);
  if (!isRandom) {
    const why = modeText === 'nth' ? 'the model has random choices only, not packet counting' : 'not a statistic mode';
    ctx.errors.push(iptCodes['ipt-unsupported-value'](ctx.where(valueAt(mode)), '--mode', modeText, why));
    return;
  }
  if (prob === null) {
    ctx.errors.push(iptCodes['ipt-missing-option'](ctx.where(mode.at), "'--mode random'", '--probability'));
    return;
  }
  checkLateBang(ctx, prob);
  const { src, start, end } = charsAt(ctx, valueAt(prob));
  let entry = findText(ctx.shared.probabilities, src, start, end);
  if (entry === undefined) {
    entry = { parsed: parseProbability(src.slice(start, end)), steps: [] };
    addText(ctx.shared.probabilities, src, start, end, entry);
  }
  const r = entry.parsed;
  if (!r.ok) {
    valueError(ctx, valueAt(prob), 'probability', r);
    return;
  }
  const slot = prob.negated ? 1 : 0;
  let step = entry.steps[slot];
  if (step === undefined) {
    // '!' inverts the kernel's comparison: the packet passes with the complementary probability.
    const p = prob.negated ? { num: r.value.den - r.value.num, den: r.value.den } : r.value;
    step = { kind: 'random', p };
    entry.steps[slot] = step;
  }
  emit(out, step);
}

function nfacct(ctx: RuleContext, m: MatchUse, out: StepBuffer): void {
  const o = single(ctx, m.options, '--nfacct-name', '-m nfacct');
  if (o === null) {
    ctx.errors.push(iptCodes['ipt-missing-option'](ctx.where(m.at), "'-m nfacct'", '--nfacct-name'));
    return;
  }
  noNegation(ctx, o);
  const what = ownText(`nfacct ${valueText(ctx, o)}`);
  emit(
    out,
    sharedStep(ctx, what, () => ({ kind: 'noop', what })),
  );
  addNote(ctx, NFACCT_NOTE);
}

function comment(ctx: RuleContext, m: MatchUse): void {
  const o = single(ctx, m.options, '--comment', '-m comment');
  if (o === null) ctx.errors.push(iptCodes['ipt-missing-option'](ctx.where(m.at), "'-m comment'", '--comment'));
  else noNegation(ctx, o);
  // A comment changes nothing; its text stays in the rule's origin.
}

/** The steps of one match, appended to `out`. */
export function convertMatch(ctx: RuleContext, m: MatchUse, out: StepBuffer): void {
  switch (m.module) {
    case 'comment':
      comment(ctx, m);
      return;
    case 'tcp':
    case 'udp':
    case 'sctp':
      ports(ctx, m, out);
      return;
    case 'multiport':
      multiport(ctx, m, out);
      return;
    case 'addrtype':
      addrtype(ctx, m, out);
      return;
    case 'conntrack':
    case 'state':
      conntrack(ctx, m, out);
      return;
    case 'mark':
      mark(ctx, m, out);
      return;
    case 'recent':
      recent(ctx, m, out);
      return;
    case 'statistic':
      statistic(ctx, m, out);
      return;
    case 'nfacct':
      nfacct(ctx, m, out);
      return;
    default:
      ctx.errors.push(iptCodes['ipt-unsupported-match'](ctx.where(m.at), m.module));
  }
}

/** The bytes of a recent list's name the kernel keeps: XT_RECENT_NAME_LEN (200) less its NUL. */
const RECENT_NAME_BYTES = 199;

/** The list name at token `at` as one string of its own per read (SharedSteps.recentNames). */
function recentName(ctx: RuleContext, at: number): string {
  const { src, start, end } = charsAt(ctx, at);
  let name = findText(ctx.shared.recentNames, src, start, end);
  if (name === undefined) {
    name = ownText(src.slice(start, end));
    addText(ctx.shared.recentNames, name, 0, name.length, name);
  }
  return name;
}
