// Rules on port lines: numbers, names, dual-stack agreement, NodePort allocation.
import type { Span } from '../../../common/source.ts';
import { sharedCodes } from '../../shared-rules/codes.ts';
import { codes } from '../codes.ts';
import { familyName, type PortLineDraft } from '../draft.ts';
import { isValidPort } from '../values.ts';
import { portsByName, type Rule } from './rule.ts';

export const portNumbers: Rule = (ctx, draft) => {
  const { min, max } = draft.nodePortRange;
  const inRange = (n: number) => Number.isInteger(n) && n >= min && n <= max;
  const hint = "pick a port in that range, or widen it with 'nodePort range' in the cluster block";
  return {
    service(s) {
      for (const l of s.lines) {
        if (!isValidPort(l.port))
          ctx.report(sharedCodes['invalid-port'](ctx.at(l.ast.port.span), 'port', l.ast.port.text));
        if (typeof l.target === 'number' && !isValidPort(l.target)) {
          ctx.report(sharedCodes['invalid-port'](ctx.at(l.ast.targetPort!.span), 'target port', writtenTarget(l)));
        }
        if (l.nodePort !== null && !inRange(l.nodePort)) {
          ctx.report(
            sharedCodes['node-port-out-of-range'](
              ctx.at(l.ast.nodePort!.span, { hint }),
              'nodePort',
              l.ast.nodePort!.text,
              min,
              max,
            ),
          );
        }
      }
      for (const h of s.hcnp) {
        if (!inRange(h.value))
          ctx.report(
            sharedCodes['node-port-out-of-range'](ctx.at(h.span, { hint }), 'healthCheckNodePort', h.text, min, max),
          );
      }
      for (const ep of s.endpoints) {
        for (const p of ep.portEntries) {
          if (!isValidPort(p.port.value))
            ctx.report(sharedCodes['invalid-port'](ctx.at(p.port.span), `endpoint port ${p.name.value}`, p.port.text));
        }
      }
    },
  };
};

const nameSpan = (l: PortLineDraft): Span => l.ast.name?.span ?? l.ast.type.span;

/** Within one family: port names unique, an unnamed port only alone, each port/protocol once. */
export const portNamesUnique: Rule = (ctx, _draft) => {
  return {
    service(s) {
      const multiPort = portsByName(s).size > 1;
      const lines = s.lines.filter((l) => l.ip);
      // Earlier line of the same family with the same name / port+protocol. Services have a few
      // lines, so a scan is cheapest; many lines use maps so that no service is quadratic.
      const big = lines.length > 8;
      const names = big ? new Map<string, PortLineDraft>() : null;
      const pairs = big ? new Map<string, PortLineDraft>() : null;
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i]!;
        const fam = l.family!;
        const port = l.port;
        const proto = l.protocol;
        let prev: PortLineDraft | undefined;
        let prevPair: PortLineDraft | undefined;
        if (names && pairs) {
          const nk = `${fam}|${l.name}`;
          const pk = `${fam}|${port}/${proto}`;
          prev = names.get(nk);
          prevPair = pairs.get(pk);
          if (!prev) names.set(nk, l);
          if (!prevPair) pairs.set(pk, l);
        } else {
          for (let j = 0; j < i; j++) {
            const o = lines[j]!;
            if (o.family! !== fam) continue;
            if (!prev && o.name === l.name) prev = o;
            if (!prevPair && o.port === port && o.protocol === proto) prevPair = o;
          }
        }
        if (l.name === '' && (multiPort || prev)) {
          ctx.report(codes['unnamed-port-in-multi-port-service'](ctx.at(l.ast.type.span)));
        } else if (prev) {
          ctx.report(
            codes['duplicate-port-name'](
              ctx.at(nameSpan(l), { related: [ctx.related('first used here', nameSpan(prev))] }),
              l.name,
              familyName(fam),
            ),
          );
        }
        if (prevPair) {
          ctx.report(
            codes['duplicate-service-port'](
              ctx.at(l.ast.port.span, { related: [ctx.related('first declared here', prevPair.ast.port.span)] }),
              l.ast.port.text,
              proto,
            ),
          );
        }
      }
    },
  };
};

/** The target port as written (the port itself when there is none). */
const writtenTarget = (l: PortLineDraft): string => {
  const t = l.ast.targetPort;
  if (t === null) return l.ast.port.text;
  return 'text' in t ? t.text : t.value;
};
/** The target port as read (a number's value, not its spelling: 053 is 53; a name), for comparing. */
const targetText = (l: PortLineDraft): string => {
  const t = l.ast.targetPort;
  if (t === null) return String(l.ast.port.value);
  return 'text' in t ? String(t.value) : t.value;
};

/** A dual-stack service has the same ports in both families; lines of one name agree on everything but the IP. */
export const dualStackPorts: Rule = (ctx, _draft) => {
  return {
    service(s) {
      if (s.families.length < 2) return;
      for (const [name, lines] of portsByName(s)) {
        const valid = lines.filter((l) => l.ip);
        const first = valid[0];
        if (!first) continue;
        const label = name === '' ? 'the unnamed port' : `port '${name}'`;
        for (const fam of s.families) {
          if (!valid.some((l) => l.family! === fam)) {
            ctx.report(
              codes['dual-stack-port-mismatch'](
                ctx.at(nameSpan(first), { hint: `add an ${familyName(fam)} line for ${label}` }),
                `${label} is declared for ${familyName(first.family!)} but not for ${familyName(fam)}`,
              ),
            );
          }
        }
        const other = valid.find((l) => l.family! !== first.family!);
        if (!other) continue;
        const diffs: [string, string, string, Span][] = [];
        const a = first.ast;
        const b = other.ast;
        if (a.protocol.value !== b.protocol.value)
          diffs.push(['protocol', a.protocol.value, b.protocol.value, b.protocol.span]);
        if (a.port.value !== b.port.value)
          diffs.push(['port', String(a.port.value), String(b.port.value), b.port.span]);
        if ((a.nodePort?.value ?? null) !== (b.nodePort?.value ?? null)) {
          diffs.push([
            'nodePort',
            a.nodePort?.text ?? 'none',
            b.nodePort?.text ?? 'none',
            b.nodePort?.span ?? b.port.span,
          ]);
        }
        if (targetText(first) !== targetText(other))
          diffs.push(['target port', targetText(first), targetText(other), b.targetPort?.span ?? b.span]);
        for (const [what, x, y, span] of diffs) {
          ctx.report(
            codes['dual-stack-port-mismatch'](
              ctx.at(span, { related: [ctx.related(`the ${familyName(first.family!)} line is here`, first.ast.span)] }),
              `${label} has ${what} ${y} for ${familyName(other.family!)} but ${x} for ${familyName(first.family!)}`,
            ),
          );
        }
      }
    },
  };
};
