// Chain lines (`:NAME POLICY [p:b]`) and chain deletions (`-X NAME`, which kube-proxy's restore
// input uses for stale chains right after declaring them).
import type { Diagnostic } from '../../common/diagnostics.ts';
import { BUILTIN_CHAINS, builtinChain, newChain, type TableState } from './chains.ts';
import { iptCodes } from './codes.ts';
import type { Where } from './context.ts';
import type { LineTemplate } from './template.ts';
import { isBracketCounters } from './values.ts';

export function declareChain(
  table: TableState,
  tpl: Extract<LineTemplate, { kind: 'chain' }>,
  texts: string[],
  decl: { line: number; text: string },
  where: (at: number) => Where,
  diagnostics: Diagnostic[],
): void {
  const name = texts[tpl.name]!;
  const policy = texts[tpl.policy]!;
  const builtin = BUILTIN_CHAINS[table.name].includes(name);
  const existing = table.chains.get(name);
  if (existing?.decl) {
    diagnostics.push(iptCodes['ipt-duplicate-chain'](where(tpl.name), name, table.name, existing.decl.line));
    return;
  }
  if (tpl.counters !== null && !isBracketCounters(texts[tpl.counters]!)) {
    diagnostics.push(
      iptCodes['ipt-invalid-value'](where(tpl.counters), 'counters', texts[tpl.counters]!, 'write [PACKETS:BYTES]'),
    );
  }
  if (builtin) {
    if (policy !== 'ACCEPT' && policy !== 'DROP') {
      diagnostics.push(
        iptCodes['ipt-bad-policy'](
          where(tpl.policy),
          `the policy of builtin chain ${name} must be ACCEPT or DROP, not '${policy}'`,
        ),
      );
    }
    const c = builtinChain(table, name);
    c.policy = policy === 'DROP' ? 'drop' : 'accept';
    c.decl = decl;
    return;
  }
  if (policy !== '-') {
    diagnostics.push(
      iptCodes['ipt-bad-policy'](
        where(tpl.policy),
        `user chain ${name} has no policy: write ':${name} - [0:0]', not '${policy}'`,
      ),
    );
  }
  if (/^[-!]/.test(name)) {
    diagnostics.push(
      iptCodes['ipt-invalid-value'](where(tpl.name), 'chain name', name, "must not start with '-' or '!'"),
    );
  }
  table.chains.set(name, newChain(table.name, name, false, decl));
}

export function deleteChain(
  table: TableState,
  tpl: Extract<LineTemplate, { kind: 'delete-chain' }>,
  texts: string[],
  where: (at: number) => Where,
  diagnostics: Diagnostic[],
): void {
  const name = texts[tpl.chain]!;
  const c = table.chains.get(name);
  const problem =
    c === undefined
      ? `-X ${name}: no such chain in table ${table.name}`
      : c.builtin
        ? `-X ${name}: a builtin chain cannot be deleted`
        : c.rules.length > 0
          ? `-X ${name}: the chain still has rules (iptables deletes only empty chains)`
          : null;
  if (problem) diagnostics.push(iptCodes['ipt-delete-chain'](where(tpl.chain), problem));
  else table.chains.delete(name);
}
