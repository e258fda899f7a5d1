// Two rulesets as the reader leaves them (state.ts), compared object by object: the same tables,
// each with the same chains (base spec and rules, in order) and the same sets and maps
// (definition and elements, in any order). Equal states route every packet alike, whatever the
// commands that built them; a difference is said as the first object that differs.
import type { RuleState, RulesetState, SetState, TableState } from './state.ts';

/** A rule as comparable text: its expressions and comment (a rule read from the text is parsed again). */
function ruleText(state: RulesetState, r: RuleState): string {
  const obj =
    r.obj ?? (state.source !== null && r.start !== undefined ? JSON.parse(state.source.slice(r.start, r.end)) : {});
  const rule = (obj as { rule?: Record<string, unknown> }).rule ?? obj;
  return JSON.stringify([rule.expr ?? null, r.comment ?? rule.comment ?? null]);
}

const setDefinition = (s: SetState): string =>
  JSON.stringify([s.kind, s.keyType, s.dataType, [...s.flags].sort(), s.timeout]);

function setDifference(name: string, a: SetState, b: SetState): string | null {
  if (setDefinition(a) !== setDefinition(b)) return `${a.kind} ${name}: another definition`;
  const value = (s: SetState, id: string) => {
    const e = s.elements.get(id);
    return e === undefined ? undefined : JSON.stringify([e.data ?? null, e.timeout ?? null]);
  };
  for (const id of new Set([...a.elements.keys(), ...b.elements.keys()])) {
    const [x, y] = [value(a, id), value(b, id)];
    if (x !== y)
      return `${a.kind} ${name}: element ${id} ${x === undefined ? 'only in the second' : y === undefined ? 'only in the first' : 'has another value'}`;
  }
  return null;
}

function tableDifference(sa: RulesetState, a: TableState, sb: RulesetState, b: TableState): string | null {
  for (const name of new Set([...a.chains.keys(), ...b.chains.keys()])) {
    const [x, y] = [a.chains.get(name), b.chains.get(name)];
    if (!x || !y) return `chain ${name} only in the ${x ? 'first' : 'second'}`;
    if (JSON.stringify(x.base) !== JSON.stringify(y.base)) return `chain ${name}: another base chain spec`;
    for (let i = 0; i < Math.max(x.rules.length, y.rules.length); i++) {
      const [p, q] = [x.rules[i], y.rules[i]];
      if (!p || !q || ruleText(sa, p) !== ruleText(sb, q)) return `chain ${name}: rule ${i + 1} differs`;
    }
  }
  for (const name of new Set([...a.sets.keys(), ...b.sets.keys()])) {
    const [x, y] = [a.sets.get(name), b.sets.get(name)];
    if (!x || !y) return `set or map ${name} only in the ${x ? 'first' : 'second'}`;
    const d = setDifference(name, x, y);
    if (d !== null) return d;
  }
  return null;
}

/** The first object that differs between the two rulesets' tables ("ip kube-proxy: chain X: rule 2 differs"), or null. */
export function rulesetDifference(a: RulesetState, b: RulesetState): string | null {
  for (const key of new Set([...a.tables.keys(), ...b.tables.keys()])) {
    const [x, y] = [a.tables.get(key), b.tables.get(key)];
    if (!x || !y) return `table ${key} only in the ${x ? 'first' : 'second'}`;
    const d = tableDifference(a, x, b, y);
    if (d !== null) return `${x.family} ${x.name}: ${d}`;
  }
  return null;
}
