// What refers to a table's chains and sets: a rule's jumps and set lookups, a verdict map's
// elements. A command document may name only what exists already, and may not delete what is
// still named. Apart from objects.ts, which applies the commands and asks these two questions.
import type { DiagnosticSink } from './diagnostics.ts';
import { child } from './pointer.ts';
import { type Refs, referencesOf, type TableState } from './state.ts';

/**
 * In a command document, every chain and set a rule or element names must exist already; errors
 * are reported at `token` below `pointer` (written only then: this runs for every map element).
 */
export function referencesExist(
  table: TableState,
  refs: Refs,
  pointer: string,
  token: string | number,
  sink: DiagnosticSink,
): boolean {
  let ok = true;
  for (const c of refs.chains)
    if (!table.chains.has(c)) {
      sink.report('nft-missing-reference', child(pointer, token), 'chain', c, `table ${table.family} ${table.name}`);
      ok = false;
    }
  for (const s of refs.sets)
    if (!table.sets.has(s)) {
      sink.report('nft-missing-reference', child(pointer, token), 'set', s, `table ${table.family} ${table.name}`);
      ok = false;
    }
  return ok;
}

/** A rule or map that refers to something (for delete), described for the user; null if none. */
export function userOf(table: TableState, uses: (refs: Refs) => boolean, self: string | null): string | null {
  for (const c of table.chains.values()) {
    if (c.name === self) continue;
    for (const r of c.rules) if (uses(r.refs)) return `a rule of chain '${c.name}' (${r.pointer})`;
  }
  for (const s of table.sets.values())
    for (const e of s.elements.values()) if (uses(referencesOf(e.data))) return `an element of map '${s.name}'`;
  return null;
}
