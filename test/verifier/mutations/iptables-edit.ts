// Precise edits of iptables-restore text: a rule is selected by its table, its chain and strings
// it must (and must not) contain, and every selection must find exactly one rule (or, for the
// plural forms, at least one) — otherwise the mutation did not apply and the test fails.
import { notApplied } from './types.ts';

export type Table = 'nat' | 'filter';

export interface RuleLine {
  /** 0-based line index in the text */
  index: number;
  table: string;
  chain: string;
  text: string;
}

export interface RuleSelector {
  table: Table;
  chain: string;
  /** substrings the rule must contain */
  has?: readonly string[];
  /** substrings it must not contain */
  lacks?: readonly string[];
}

const lines = (text: string) => text.split('\n');

export function ruleLines(text: string): RuleLine[] {
  const out: RuleLine[] = [];
  let table = '';
  for (const [index, line] of lines(text).entries()) {
    if (line.startsWith('*')) table = line.slice(1);
    const m = /^-A (\S+) /.exec(line);
    if (m) out.push({ index, table, chain: m[1]!, text: line });
  }
  return out;
}

const describe = (s: RuleSelector) =>
  `${s.table}/${s.chain}${s.has ? ` with ${s.has.map((h) => JSON.stringify(h)).join(', ')}` : ''}${
    s.lacks ? ` without ${s.lacks.map((h) => JSON.stringify(h)).join(', ')}` : ''
  }`;

const matches = (r: RuleLine, s: RuleSelector) =>
  r.table === s.table &&
  r.chain === s.chain &&
  (s.has ?? []).every((h) => r.text.includes(h)) &&
  !(s.lacks ?? []).some((h) => r.text.includes(h));

export function selectRules(text: string, s: RuleSelector): RuleLine[] {
  const found = ruleLines(text).filter((r) => matches(r, s));
  if (found.length === 0) notApplied(`no rule ${describe(s)}`);
  return found;
}

export function selectRule(text: string, s: RuleSelector): RuleLine {
  const found = selectRules(text, s);
  if (found.length !== 1) notApplied(`${found.length} rules ${describe(s)}, expected exactly one`);
  return found[0]!;
}

function setLine(text: string, index: number, replacement: string[]): string {
  const all = lines(text);
  all.splice(index, 1, ...replacement);
  return all.join('\n');
}

/** Rewrite the one selected rule; the rewrite must change it. */
export function editRule(text: string, s: RuleSelector, f: (line: string) => string): string {
  const r = selectRule(text, s);
  const edited = f(r.text);
  if (edited === r.text) notApplied(`the edit left ${describe(s)} unchanged`);
  return setLine(text, r.index, [edited]);
}

/** Rewrite every selected rule (at least one); each rewrite must change its rule. */
export function editRules(text: string, s: RuleSelector, f: (line: string) => string): string {
  let out = text;
  for (const r of selectRules(text, s)) {
    const edited = f(r.text);
    if (edited === r.text) notApplied(`the edit left a rule ${describe(s)} unchanged`);
    out = setLine(out, r.index, [edited]);
  }
  return out;
}

export const deleteRule = (text: string, s: RuleSelector): string => setLine(text, selectRule(text, s).index, []);

export function deleteRules(text: string, s: RuleSelector): string {
  const drop = new Set(selectRules(text, s).map((r) => r.index));
  return lines(text)
    .filter((_, i) => !drop.has(i))
    .join('\n');
}

/** Insert `rule` (a full `-A …` line) before or after the selected rule. */
export function insertRule(text: string, anchor: RuleSelector, where: 'before' | 'after', rule: string): string {
  const r = selectRule(text, anchor);
  return setLine(text, r.index, where === 'before' ? [rule, r.text] : [r.text, rule]);
}

/** Move the selected rule to just before or after another selected rule (same table). */
export function moveRule(text: string, s: RuleSelector, anchor: RuleSelector, where: 'before' | 'after'): string {
  const r = selectRule(text, s);
  return insertRule(setLine(text, r.index, []), anchor, where, r.text);
}

/** `from` → `to` where `from` occurs exactly once in `line`. */
export function replaceOnce(line: string, from: string, to: string): string {
  const at = line.indexOf(from);
  if (at < 0 || line.indexOf(from, at + 1) >= 0) notApplied(`${JSON.stringify(from)} is not in the rule exactly once`);
  return line.slice(0, at) + to + line.slice(at + from.length);
}

/** The chain a rule jumps or goes to. */
export function targetOf(line: string): string {
  const m = / -[jg] (KUBE-[A-Z0-9-]+)(?: |$)/.exec(line);
  if (!m) notApplied(`the rule has no KUBE- target: ${line}`);
  return m[1]!;
}

/** The chain the one rule of `table/KUBE-SERVICES` (or another dispatch chain) with this comment jumps to. */
export const chainOfComment = (text: string, table: Table, chain: string, comment: string): string =>
  targetOf(selectRule(text, { table, chain, has: [`--comment "${comment}"`] }).text);

/** The KUBE-SEP chain that DNATs `protocol` to `hostPort`. */
export function sepChain(text: string, protocol: string, hostPort: string): string {
  const found = ruleLines(text).filter(
    (r) =>
      r.table === 'nat' &&
      r.chain.startsWith('KUBE-SEP-') &&
      r.text.includes(` -p ${protocol} `) &&
      r.text.endsWith(`--to-destination ${hostPort}`),
  );
  if (found.length !== 1) notApplied(`${found.length} KUBE-SEP chains DNAT ${protocol} to ${hostPort}`);
  return found[0]!.chain;
}

/**
 * Rename a chain of one table everywhere it is a chain: its declaration, its rules, and every
 * jump or goto to it. Comments and `recent --name` lists are not chain references and stay.
 */
export function renameChain(text: string, table: Table, from: string, to: string): string {
  let current = '';
  let count = 0;
  const out = lines(text).map((line) => {
    if (line.startsWith('*')) current = line.slice(1);
    if (current !== table) return line;
    let l = line;
    const sub = (re: RegExp, rep: string) => {
      l = l.replace(re, (...m) => {
        count++;
        return rep.replace('$1', m[1] ?? '');
      });
    };
    const name = from.replace(/[-]/g, '\\-');
    sub(new RegExp(`^:${name}( )`), `:${to}$1`);
    sub(new RegExp(`^-A ${name}( )`), `-A ${to}$1`);
    sub(new RegExp(` -([jg]) ${name}(?= |$)`), ` -$1 ${to}`);
    return l;
  });
  if (count < 2) notApplied(`chain ${table}/${from} is not declared and referenced`);
  return out.join('\n');
}
