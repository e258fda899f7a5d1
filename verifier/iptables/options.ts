// Small checks shared by every match and target: an option given at most once, negation only
// where it means something, the old intrapositioned '!' refused, a value's text.
import { iptCodes } from './codes.ts';
import { type RuleContext, textAt } from './context.ts';
import type { OptionUse } from './template.ts';

/** The options named `name` among `options`; more than one is reported and the first is used. */
export function single(ctx: RuleContext, options: OptionUse[], name: string, owner: string): OptionUse | null {
  let found: OptionUse | null = null;
  for (const o of options) {
    if (o.name !== name) continue;
    if (found === null) found = o;
    else ctx.errors.push(iptCodes['ipt-duplicate-option'](ctx.where(o.at), `${owner} ${name}`.trim()));
  }
  return found;
}

/** Refuse `-s ! x` (current iptables-restore rejects it; meaning would be guessed). */
export function checkLateBang(ctx: RuleContext, o: OptionUse): void {
  if (o.lateBang >= 0) ctx.errors.push(iptCodes['ipt-intrapositioned-negation'](ctx.where(o.lateBang), o.name));
}

/** Refuse '!' on an option that cannot be negated. */
export function noNegation(ctx: RuleContext, o: OptionUse): void {
  checkLateBang(ctx, o);
  if (o.negated) ctx.errors.push(iptCodes['ipt-negation-not-allowed'](ctx.where(o.at), `'${o.name}'`));
}

/** The text of an option's first value. */
export const valueText = (ctx: RuleContext, o: OptionUse): string => textAt(ctx, o.values[0]!);
export const valueAt = (o: OptionUse): number => o.values[0]!;
