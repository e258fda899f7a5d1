// Chain lines (`:NAME POLICY [p:b]`) and chain deletions (`-X NAME`, which kube-proxy's restore
// input uses for stale chains right after declaring them).
import type { Diagnostic } from '../../common/diagnostics.ts';
import { chainNameAt } from './chain-names.ts';
import {
  addChain,
  BUILTIN_CHAINS,
  builtinChain,
  type ChainState,
  chainOf,
  findChain,
  type TableState,
} from './chains.ts';
import { iptCodes } from './codes.ts';
import type { Where } from './context.ts';
import type { LineTemplate } from './template.ts';
import { isPlain, type Tokens, tokenText } from './tokenize.ts';
import { isBracketCountersAt } from './values.ts';

/** The chain line being read: its tokens and its line number. */
export interface ChainLine {
  tokens: Tokens;
  line: number;
  where: (at: number) => Where;
  diagnostics: Diagnostic[];
}

function declare(c: ChainState, l: ChainLine): void {
  c.declLine = l.line;
  c.declStart = l.tokens.base;
  c.declEnd = l.tokens.lineEnd;
}

/** Token `at` is `[PACKETS:BYTES]` (read in place when written without quotes). */
function countersOk(tk: Tokens, at: number): boolean {
  if (!isPlain(tk, at)) {
    const text = tokenText(tk, at);
    return isBracketCountersAt(text, 0, text.length);
  }
  return isBracketCountersAt(tk.src, tk.base + tk.starts[at]!, tk.base + tk.ends[at]!);
}

export function declareChain(table: TableState, tpl: Extract<LineTemplate, { kind: 'chain' }>, l: ChainLine): void {
  const { tokens: tk, where, diagnostics } = l;
  // The name's one string and id, shared with the jumps to it (a quoted name is unquoted first).
  const nameText = isPlain(tk, tpl.name) ? null : tokenText(tk, tpl.name);
  const entry =
    nameText === null
      ? chainNameAt(table.names, tk.src, tk.base + tk.starts[tpl.name]!, tk.base + tk.ends[tpl.name]!)
      : chainNameAt(table.names, nameText, 0, nameText.length);
  const name = entry.name;
  const policy = tokenText(tk, tpl.policy);
  const builtin = BUILTIN_CHAINS[table.name].includes(name);
  const existing = chainOf(table, entry);
  if (existing !== null && existing.declLine > 0) {
    diagnostics.push(iptCodes['ipt-duplicate-chain'](where(tpl.name), name, table.name, existing.declLine));
    return;
  }
  if (tpl.counters !== null && !countersOk(tk, tpl.counters)) {
    diagnostics.push(
      iptCodes['ipt-invalid-value'](
        where(tpl.counters),
        'counters',
        tokenText(tk, tpl.counters),
        'write [PACKETS:BYTES]',
      ),
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
    declare(c, l);
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
  if (name.charCodeAt(0) === 45 /* - */ || name.charCodeAt(0) === 33 /* ! */) {
    diagnostics.push(
      iptCodes['ipt-invalid-value'](where(tpl.name), 'chain name', name, "must not start with '-' or '!'"),
    );
  } else if (name.length > 28) {
    // iptables-restore: "too long (must be under 29 chars)"
    diagnostics.push(iptCodes['ipt-invalid-value'](where(tpl.name), 'chain name', name, 'at most 28 characters'));
  } else if (nameText !== null) {
    // iptables-restore does not unquote a chain line: the quotes would be part of the name there,
    // and the rules naming it unquoted would name another chain
    diagnostics.push(
      iptCodes['ipt-invalid-value'](where(tpl.name), 'chain name', name, 'written without quotes on its chain line'),
    );
  }
  declare(addChain(table, entry, false), l);
}

export function deleteChain(
  table: TableState,
  tpl: Extract<LineTemplate, { kind: 'delete-chain' }>,
  l: ChainLine,
): void {
  const { where, diagnostics } = l;
  const name = tokenText(l.tokens, tpl.chain);
  const c = findChain(table, name);
  const problem =
    c === null
      ? `-X ${name}: no such chain in table ${table.name}`
      : c.builtin
        ? `-X ${name}: a builtin chain cannot be deleted`
        : c.rules.length > 0
          ? `-X ${name}: the chain still has rules (iptables deletes only empty chains)`
          : null;
  if (problem) diagnostics.push(iptCodes['ipt-delete-chain'](where(tpl.chain), problem));
  else if (c !== null) c.live = false; // its name entry stays; chainOf sees it is gone
}
