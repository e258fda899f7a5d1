// Numbers written with a leading zero (`0120`, `masq bit 014`). ksvc reads them as decimal, as it
// reads every number; a YAML manifest does not: Kubernetes reads `port: 0120` as octal 80
// (go-yaml v2), so a number copied from one means something else here. Addresses with a leading
// zero are errors (values.ts); a number is only ambiguous, so it is a warning.
import type { NumberLit } from '../../../grammar/ast.ts';
import { codes } from '../codes.ts';
import type { CheckContext } from '../context.ts';
import type { Rule } from './rule.ts';

/** A leading zero before another digit; the octal value when every digit is one (else null). */
function leadingZero(text: string): { octal: number | null } | null {
  if (text.length < 2 || text[0] !== '0' || !/^[0-9]+$/.test(text)) return null;
  return { octal: /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : null };
}

function checkNumber(ctx: CheckContext, lit: Pick<NumberLit, 'text' | 'value' | 'span'>, what: string): void {
  const z = leadingZero(lit.text);
  if (z === null) return;
  const value = lit.text.replace(/^0+(?=[0-9])/, '');
  ctx.report(
    codes['number-leading-zero'](
      ctx.at(lit.span, { hint: `write ${value}` }),
      what,
      lit.text,
      value,
      z.octal === null ? null : String(z.octal),
    ),
  );
}

export const leadingZeros: Rule = (ctx, draft) => {
  for (const s of draft.clusterSettings) {
    if (s.kind === 'MasqBit') checkNumber(ctx, s.bit, 'masquerade mark bit');
    if (s.kind === 'NodePortRange') for (const n of [s.min, s.max]) checkNumber(ctx, n, 'nodePort range bound');
  }
  return {
    service(s) {
      for (const l of s.lines) {
        checkNumber(ctx, l.ast.port, 'port');
        if (l.ast.nodePort) checkNumber(ctx, l.ast.nodePort, 'nodePort');
        const t = l.ast.targetPort;
        if (t && 'text' in t) checkNumber(ctx, t, 'target port');
      }
      for (const h of s.hcnp) checkNumber(ctx, h, 'healthCheckNodePort');
      for (const ep of s.endpoints)
        for (const p of ep.portEntries) checkNumber(ctx, p.port, `endpoint port ${p.name.value}`);
      for (const a of s.affinity) if (a.timeout) checkNumber(ctx, a.timeout, 'affinity timeout');
    },
  };
};
