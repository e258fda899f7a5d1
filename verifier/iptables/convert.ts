// One rule template + its tokens -> model steps, in the kernel's order: the IP header part first
// (-s, -d, -i, -o, -p are all tested before any match), then the matches as written (order
// matters: `-m recent --set` writes its record even if a later match fails), then the target.
import { canonicalIPv4At } from '../../common/ip.ts';
import type { AddressRange, Step } from '../model/program.ts';
import { iptCodes } from './codes.ts';
import {
  charsAt,
  emit,
  keepNumberStep,
  numberStep,
  type RuleContext,
  requireFamily,
  type StepBuffer,
  textAt,
  valueError,
} from './context.ts';
import { convertMatch } from './matches.ts';
import { checkLateBang, single, valueAt, valueText } from './options.ts';
import { convertTarget } from './targets.ts';
import type { OptionUse, RuleTemplate } from './template.ts';
import { addU32, findU32 } from './text-index.ts';
import {
  fastProtocolAt,
  ipv4Range,
  isBracketCounters,
  isCounter,
  parseAddress,
  parseInterface,
  parseProtocol,
} from './values.ts';

/** Number keys of shared protocol tests (ports use keys from 16 up, see matches.ts). */
const PROTOCOL_KEYS = ['tcp', 'udp', 'sctp', 'icmp', 'other'];

/** `-s`/`-d` [!] ADDR: one parse and one step per distinct address, option and negation. */
function address(ctx: RuleContext, o: OptionUse, out: StepBuffer): void {
  const at = valueAt(o);
  const slot = (o.name === '-s' ? 0 : 2) + (o.negated ? 1 : 0);
  const c = charsAt(ctx, at);
  const v = c.end - c.start <= 15 ? canonicalIPv4At(c.src, c.start, c.end) : -1;
  if (v >= 0) {
    // A canonical dotted quad (the common case): keyed by its value, no string and no parse object.
    requireFamily(ctx, 'ipv4', at);
    const steps = ctx.shared.ipv4[slot]!;
    let step = findU32(steps, v);
    if (step === undefined) {
      step = addressStep(o, ipv4Range(v));
      addU32(steps, v, step);
    }
    emit(out, step);
    return;
  }
  const text = textAt(ctx, at);
  let entry = ctx.shared.addresses.get(text);
  if (entry === undefined) {
    entry = { parsed: parseAddress(text), steps: [] };
    ctx.shared.addresses.set(text, entry);
  }
  const r = entry.parsed;
  if (!r.ok) {
    valueError(ctx, at, 'address', r);
    return;
  }
  requireFamily(ctx, r.value.family, at);
  let step = entry.steps[slot];
  if (step === undefined) {
    step = addressStep(o, r.value.range);
    entry.steps[slot] = step;
  }
  emit(out, step);
}

const addressStep = (o: OptionUse, range: AddressRange): Step => ({
  kind: 'test',
  test: { kind: 'fields', parts: [{ field: o.name === '-s' ? 'saddr' : 'daddr', ranges: [range] }] },
  negate: o.negated,
});

function iface(ctx: RuleContext, o: OptionUse, out: StepBuffer): void {
  const r = parseInterface(valueText(ctx, o));
  if (!r.ok) {
    valueError(ctx, valueAt(o), 'interface', r);
    return;
  }
  emit(out, {
    kind: 'test',
    test: { kind: 'fields', parts: [{ field: o.name === '-i' ? 'iifname' : 'oifname', names: [r.value] }] },
    negate: o.negated,
  });
}

function protocol(ctx: RuleContext, o: OptionUse, out: StepBuffer): void {
  const c = charsAt(ctx, valueAt(o));
  const fast = fastProtocolAt(c.src, c.start, c.end);
  const r = fast !== null ? null : parseProtocol(valueText(ctx, o));
  if (r !== null && !r.ok) {
    valueError(ctx, valueAt(o), 'protocol', r);
    return;
  }
  const { protocol: p, family } = r === null ? fast! : r.value;
  if (family) requireFamily(ctx, family, valueAt(o));
  if (p === null) {
    // `-p all` tests nothing; `! -p all` would match no packet at all.
    if (o.negated) ctx.errors.push(iptCodes['ipt-negation-not-allowed'](ctx.where(o.at), "'-p all'"));
    return;
  }
  if (!o.negated) ctx.protocol = { protocol: p, at: valueAt(o) };
  const negate = o.negated;
  const key = PROTOCOL_KEYS.indexOf(p) * 2 + (negate ? 1 : 0);
  emit(
    out,
    numberStep(ctx, key) ??
      keepNumberStep(ctx, key, {
        kind: 'test',
        test: { kind: 'fields', parts: [{ field: 'l4proto', protocols: [p] }] },
        negate,
      }),
  );
}

function counters(ctx: RuleContext, tpl: RuleTemplate): void {
  if (tpl.counters !== null && !isBracketCounters(textAt(ctx, tpl.counters))) {
    ctx.errors.push(
      iptCodes['ipt-invalid-value'](
        ctx.where(tpl.counters),
        'counters',
        textAt(ctx, tpl.counters),
        'write [PACKETS:BYTES]',
      ),
    );
  }
  for (const o of tpl.setCounters) {
    for (const at of o.values) {
      if (!isCounter(textAt(ctx, at))) {
        ctx.errors.push(iptCodes['ipt-invalid-value'](ctx.where(at), 'counter', textAt(ctx, at), 'not a number'));
      }
    }
    if (o.negated) ctx.errors.push(iptCodes['ipt-negation-not-allowed'](ctx.where(o.at), "'-c'"));
  }
}

const scratch: StepBuffer = { items: [], count: 0 };
const ADDRESS_AND_INTERFACE = ['-s', '-d', '-i', '-o'] as const;

/** Convert one `-A` rule to its steps. Problems go to ctx.errors (rule) and ctx.fileErrors (file). */
export function convertRule(ctx: RuleContext, tpl: RuleTemplate): Step[] {
  // Built in a reused buffer and copied once at its exact length: a growing array keeps room for
  // 17 steps, and ~600,000 rules would carry that slack.
  const steps = scratch;
  steps.count = 0;
  counters(ctx, tpl);
  // -p first: matches and targets ask what it is. Each header option at most once (iptables: "multiple -p flags").
  const p = single(ctx, tpl.header, '-p', '');
  if (p) {
    checkLateBang(ctx, p);
    protocol(ctx, p, steps);
  }
  for (const name of ADDRESS_AND_INTERFACE) {
    const o = single(ctx, tpl.header, name, '');
    if (o === null) continue;
    checkLateBang(ctx, o);
    if (name === '-s' || name === '-d') address(ctx, o, steps);
    else iface(ctx, o, steps);
  }
  for (const m of tpl.matches) convertMatch(ctx, m, steps);
  convertTarget(ctx, tpl.targets, steps);
  return steps.items.slice(0, steps.count);
}
