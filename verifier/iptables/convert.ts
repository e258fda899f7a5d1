// One rule template + its tokens -> model steps, in the kernel's order: the IP header part first
// (-s, -d, -i, -o, -p are all tested before any match), then the matches as written (order
// matters: `-m recent --set` writes its record even if a later match fails), then the target.
import type { Step } from '../model/program.ts';
import { iptCodes } from './codes.ts';
import { type RuleContext, requireFamily, sharedNumberStep, valueError } from './context.ts';
import { convertMatch } from './matches.ts';
import { checkLateBang, single, valueAt, valueText } from './options.ts';
import { convertTarget } from './targets.ts';
import type { OptionUse, RuleTemplate } from './template.ts';
import { isBracketCounters, isCounter, parseAddress, parseInterface, parseProtocol } from './values.ts';

/** Number keys of shared protocol tests (ports use keys from 2^32 up, see matches.ts). */
const PROTOCOL_KEYS = ['tcp', 'udp', 'sctp', 'icmp', 'other'];

/** `-s`/`-d` [!] ADDR: one parse and one step per distinct address, option and negation. */
function address(ctx: RuleContext, o: OptionUse, out: Step[]): void {
  const text = valueText(ctx, o);
  let entry = ctx.shared.addresses.get(text);
  if (entry === undefined) {
    entry = { parsed: parseAddress(text), steps: [] };
    ctx.shared.addresses.set(text, entry);
  }
  const r = entry.parsed;
  if (!r.ok) {
    valueError(ctx, valueAt(o), 'address', r);
    return;
  }
  requireFamily(ctx, r.value.family, valueAt(o));
  const slot = (o.name === '-s' ? 0 : 2) + (o.negated ? 1 : 0);
  let step = entry.steps[slot];
  if (step === undefined) {
    step = {
      kind: 'test',
      test: { kind: 'fields', parts: [{ field: o.name === '-s' ? 'saddr' : 'daddr', ranges: [r.value.range] }] },
      negate: o.negated,
    };
    entry.steps[slot] = step;
  }
  out.push(step);
}

function iface(ctx: RuleContext, o: OptionUse, out: Step[]): void {
  const r = parseInterface(valueText(ctx, o));
  if (!r.ok) {
    valueError(ctx, valueAt(o), 'interface', r);
    return;
  }
  out.push({
    kind: 'test',
    test: { kind: 'fields', parts: [{ field: o.name === '-i' ? 'iifname' : 'oifname', names: [r.value] }] },
    negate: o.negated,
  });
}

function protocol(ctx: RuleContext, o: OptionUse, out: Step[]): void {
  const r = parseProtocol(valueText(ctx, o));
  if (!r.ok) {
    valueError(ctx, valueAt(o), 'protocol', r);
    return;
  }
  const { protocol: p, family } = r.value;
  if (family) requireFamily(ctx, family, valueAt(o));
  if (p === null) {
    // `-p all` tests nothing; `! -p all` would match no packet at all.
    if (o.negated) ctx.errors.push(iptCodes['ipt-negation-not-allowed'](ctx.where(o.at), "'-p all'"));
    return;
  }
  if (!o.negated) ctx.protocol = { protocol: p, at: valueAt(o) };
  const negate = o.negated;
  out.push(
    sharedNumberStep(ctx, PROTOCOL_KEYS.indexOf(p) * 2 + (negate ? 1 : 0), () => ({
      kind: 'test',
      test: { kind: 'fields', parts: [{ field: 'l4proto', protocols: [p] }] },
      negate,
    })),
  );
}

function counters(ctx: RuleContext, tpl: RuleTemplate): void {
  if (tpl.counters !== null && !isBracketCounters(ctx.texts[tpl.counters] ?? '')) {
    ctx.errors.push(
      iptCodes['ipt-invalid-value'](
        ctx.where(tpl.counters),
        'counters',
        ctx.texts[tpl.counters] ?? '',
        'write [PACKETS:BYTES]',
      ),
    );
  }
  for (const o of tpl.setCounters) {
    for (const at of o.values) {
      if (!isCounter(ctx.texts[at] ?? '')) {
        ctx.errors.push(iptCodes['ipt-invalid-value'](ctx.where(at), 'counter', ctx.texts[at] ?? '', 'not a number'));
      }
    }
    if (o.negated) ctx.errors.push(iptCodes['ipt-negation-not-allowed'](ctx.where(o.at), "'-c'"));
  }
}

const scratch: Step[] = [];

/** Convert one `-A` rule to its steps. Problems go to ctx.errors (rule) and ctx.fileErrors (file). */
export function convertRule(ctx: RuleContext, tpl: RuleTemplate): Step[] {
  // Built in a reused scratch array and copied once at its exact length: a growing array keeps
  // room for 17 steps, and ~600,000 rules would carry that slack.
  const steps = scratch;
  steps.length = 0;
  counters(ctx, tpl);
  // -p first: matches and targets ask what it is. Each header option at most once (iptables: "multiple -p flags").
  const p = single(ctx, tpl.header, '-p', '');
  if (p) {
    checkLateBang(ctx, p);
    protocol(ctx, p, steps);
  }
  for (const name of ['-s', '-d', '-i', '-o'] as const) {
    const o = single(ctx, tpl.header, name, '');
    if (o === null) continue;
    checkLateBang(ctx, o);
    if (name === '-s' || name === '-d') address(ctx, o, steps);
    else iface(ctx, o, steps);
  }
  for (const m of tpl.matches) convertMatch(ctx, m, steps);
  convertTarget(ctx, tpl.targets, steps);
  return steps.slice();
}
