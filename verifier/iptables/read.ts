// readIptables: iptables-restore or iptables-save text (one family) -> the verifier's
// NetfilterProgram, or diagnostics. Scope: the nat and filter tables; in
// their builtin chains only kube-proxy's hook rules (a jump to one of its chains); then every chain
// those hooks reach. Everything else is listed as ignored. Inside the reached chains the world is
// closed: every match and target maps onto the model or is an error naming its line and column.
// What the hooks reach, and what the kernel refuses there, is reached-chains.ts.
import { type Diagnostic, hasErrors, sortDiagnostics } from '../../common/diagnostics.ts';
import type { Family } from '../../common/ip.ts';
import type { BaseChain, Chain, IgnoredItem, NetfilterProgram } from '../model/program.ts';
import { storedOrigin } from '../model/text-store.ts';
import { BUILTIN_CHAINS, builtinChain, findChain, liveChains, refusedAnywhere, spanWhere } from './chains.ts';
import { iptCodes } from './codes.ts';
import { ASSUMED_HOOKS_NOTE, hooksFor, OWN_HOOKS_NOTE } from './hooks.ts';
import { type LineReader, newLineReader, readLine } from './lines.ts';
import { findLoops, HOOKS, reach } from './reached-chains.ts';
import { noticedReaps } from './recent-ages.ts';
import {
  CR_REFUSAL,
  carriageReturnMatters,
  splitByRestore,
  TOO_LONG_REFUSAL,
  wholeTextRefusal,
} from './restore-text.ts';
import { endRun } from './rule-runs.ts';
import { hookRules, ignoredTable, keepHookRules } from './unread-rules.ts';

export interface ReadIptablesOptions {
  /** The file name as the user gave it (diagnostics and origins). */
  file: string;
  /** The family (iptables: ipv4, ip6tables: ipv6); default: from the first address in the file. */
  family?: Family;
  /**
   * Assume kube-proxy's builtin-chain hook rules when the input has none (kube-proxy's own restore
   * input, ksvc's default output). Without it such an input reaches nothing (a warning says so).
   */
  assumeHooks?: boolean;
}

export interface ReadIptablesResult {
  /** Present when there is no error. */
  program?: NetfilterProgram;
  diagnostics: Diagnostic[];
}

/**
 * Diagnostics kept: the reader stops reading lines once it holds this many, and reports this many
 * in all (a rule's errors are held until its chain is known to be reached, so they count at the end).
 */
export const IPT_DIAGNOSTICS_KEPT = 1000;

/**
 * The first IPT_DIAGNOSTICS_KEPT errors (in text order) and one that says the rest were not; the
 * warnings all (a node's listing may hold thousands of rules iptables-restore refuses, each a
 * warning: counted, they made a readable text an error).
 */
function capDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  const stop = diagnostics.find((d) => d.code === 'ipt-too-many-errors');
  const kept: Diagnostic[] = [];
  let errors = 0;
  let past: Diagnostic | null = null;
  for (const d of diagnostics) {
    if (d === stop) continue;
    if (d.severity !== 'error' || ++errors <= IPT_DIAGNOSTICS_KEPT) kept.push(d);
    else past ??= d;
  }
  if (past === null) return diagnostics;
  const where = { file: past.file, span: past.span };
  return [...kept, stop ?? iptCodes['ipt-too-many-errors'](where, IPT_DIAGNOSTICS_KEPT, 'the rest are not reported')];
}

const errorCount = (diagnostics: readonly Diagnostic[]): number =>
  diagnostics.reduce((n, d) => n + (d.severity === 'error' ? 1 : 0), 0);

function readLines(r: LineReader, text: string): void {
  let countAt = IPT_DIAGNOSTICS_KEPT;
  let pos = 0;
  let lineNo = 0;
  let crSaid = false;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const end = nl > pos && text.charCodeAt(nl - 1) === 13 /* \r */ ? nl - 1 : nl;
    lineNo++;
    // a carriage return is said once (every line of a CRLF file has one)
    if (end !== nl && !crSaid && carriageReturnMatters(text, pos, end)) {
      crSaid = true;
      r.diagnostics.push(
        iptCodes['ipt-syntax'](spanWhere(r.file, lineNo, pos, end - pos, end - pos + 1, text), CR_REFUSAL),
      );
    }
    if (splitByRestore(text, pos, nl)) {
      r.diagnostics.push(iptCodes['ipt-syntax'](spanWhere(r.file, lineNo, pos, 0, 1, text), TOO_LONG_REFUSAL));
      pos = nl + 1;
      continue;
    }
    readLine(r, text, pos, end, lineNo);
    pos = nl + 1;
    // a text of a million bad lines would hold a million diagnostics (a larger one exhausts memory);
    // counted again only when enough more have come to reach the cap (warnings do not count)
    if (r.diagnostics.length >= countAt && pos < text.length) {
      const errors = errorCount(r.diagnostics);
      countAt = r.diagnostics.length + IPT_DIAGNOSTICS_KEPT - errors;
      if (errors >= IPT_DIAGNOSTICS_KEPT) {
        const next = spanWhere(r.file, lineNo + 1, pos, 0, 0, text);
        r.diagnostics.push(
          iptCodes['ipt-too-many-errors'](next, IPT_DIAGNOSTICS_KEPT, 'stopped reading the text here'),
        );
        return;
      }
    }
  }
  endRun(r.run);
  if (r.open) {
    const name = r.open.kind === 'kept' ? r.open.table.name : r.open.name;
    const lastLine = text.lastIndexOf('\n') + 1;
    const at = {
      line: lineNo + (text.endsWith('\n') ? 1 : 0),
      column: text.length - lastLine + 1,
      offset: text.length,
    };
    r.diagnostics.push(
      iptCodes['ipt-table-structure'](
        { file: r.file, span: { start: at, end: at } },
        `table ${name} has no COMMIT line; iptables-restore would not apply it`,
      ),
    );
  }
}

/** Every kept table gets its builtin chains (policy ACCEPT unless declared). */
function completeBuiltins(r: LineReader): void {
  for (const t of r.tables.values()) for (const name of BUILTIN_CHAINS[t.name]) builtinChain(t, name);
}

/** Some builtin chain holds a rule: the input shows the chains as a node has them, not kube-proxy's restore input. */
function hasBuiltinRules(r: LineReader): boolean {
  for (const t of r.tables.values()) {
    for (const b of BUILTIN_CHAINS[t.name]) if (findChain(t, b)!.rules.length > 0) return true;
  }
  return false;
}

/** iptables-save's (and iptables-legacy-save's, iptables-nft-save's, ip6tables-save's) first line. */
const SAVE_HEADER = /^# Generated by ip6?tables-(?:legacy-|nft-)?save\b/m;

function hasHookRules(r: LineReader): boolean {
  for (const t of r.tables.values()) {
    for (const b of BUILTIN_CHAINS[t.name]) if (hookRules(findChain(t, b)!).includes(true)) return true;
  }
  return false;
}

function assumeHooks(r: LineReader, notes: Set<string>): void {
  const hooks = hooksFor((table, chain) => {
    const t = r.tables.get(table);
    return t !== undefined && findChain(t, chain) !== null;
  });
  for (const h of hooks) {
    r.open = { kind: 'kept', table: r.tables.get(h.table)! };
    readLine(r, h.line, 0, h.line.length, 0, true);
  }
  endRun(r.run);
  r.open = null;
  if (hooks.length > 0) notes.add(ASSUMED_HOOKS_NOTE);
}

/** Read iptables-restore or iptables-save text of one family. */
export function readIptables(text: string, options: ReadIptablesOptions): ReadIptablesResult {
  const refused = wholeTextRefusal(text);
  if (refused !== null) {
    const { line, lineStart, at } = refused;
    return {
      diagnostics: [iptCodes['ipt-syntax'](spanWhere(options.file, line, lineStart, at, at + 1), refused.reason)],
    };
  }
  // no line but comments and blanks: nothing to compare, not an empty ruleset (as the nft reader
  // says of a document without the table)
  if (!/^[ \t]*[^#\s]/m.test(text))
    return { diagnostics: [iptCodes['ipt-no-table']({ file: options.file, span: null })] };
  const family = { family: options.family ?? null, from: options.family ? 'as given' : '' };
  const r = newLineReader(options.file, family, text);
  readLines(r, text);
  completeBuiltins(r);
  const notes = new Set<string>();
  const kubeChains = [...r.tables.values()].some((t) => t.order.some((c) => c.live && c.name.startsWith('KUBE-')));
  // tables but not one KUBE- chain: kube-proxy's rules are not in this text
  if (!kubeChains && r.tables.size > 0)
    r.diagnostics.push(iptCodes['ipt-no-kube-chains']({ file: r.file, span: null }));
  if (!hasHookRules(r)) {
    // a node's listing without kube-proxy's jumps (flushed by a firewall reload, say) routes
    // nothing to them: that is what it does, and hooks are assumed only for restore input
    const listing = SAVE_HEADER.test(text.slice(0, 4096)) || hasBuiltinRules(r);
    if (options.assumeHooks && !listing) assumeHooks(r, notes);
    else if (options.assumeHooks && kubeChains)
      r.diagnostics.push(iptCodes['ipt-hooks-missing']({ file: r.file, span: null }));
    else if (kubeChains) r.diagnostics.push(iptCodes['ipt-no-hooks']({ file: r.file, span: null }));
  } else if (options.assumeHooks) {
    notes.add(OWN_HOOKS_NOTE);
  }
  const ignored: IgnoredItem[] = r.ignoredTables.map((t) => ignoredTable(t, notes));
  if (r.legacyTablesPresent)
    notes.add(
      'iptables-nft-save warned that iptables-legacy tables are present: their rules run too and are not in this text (list them with iptables-legacy-save)',
    );
  for (const u of r.unlistedTables) {
    ignored.push({
      kind: 'table',
      name: u.name,
      reason: 'not listed: iptables-nft-save says it holds rules iptables cannot show',
      origin: { backend: 'iptables', file: r.file, line: u.line, text: `# Table \`${u.name}' is incompatible` },
    });
  }
  const baseChains: BaseChain[] = [];
  const chains = new Map<string, Chain>();
  for (const t of r.tables.values()) {
    keepHookRules(t, ignored, notes);
    reach(r, t, notes);
    const live = liveChains(t);
    findLoops(r, live);
    for (const b of BUILTIN_CHAINS[t.name]) {
      const c = findChain(t, b)!;
      const h = HOOKS[t.name][b]!;
      // kube-proxy never sets a builtin chain's policy: a DROP is other software's (Docker's FORWARD
      // DROP, which kube-proxy's KUBE-FORWARD accepts are written to survive), out of scope as its
      // rules are (assumption kube-chains-only), and nft's other tables' policies are
      if (c.policy !== 'accept') {
        const item: IgnoredItem = {
          kind: 'policy',
          name: c.id,
          reason: `other software's policy ${c.policy.toUpperCase()} of a builtin chain (evaluated as ACCEPT)`,
        };
        if (c.declLine > 0) item.origin = storedOrigin(r.store, c.declStart, c.declEnd, { line: c.declLine });
        ignored.push(item);
      }
      baseChains.push({ hook: h.hook, type: t.name, priority: h.priority, chain: c.id, policy: 'accept' });
    }
    for (let k = 0; k < live.length; k++) {
      const c = live[k]!;
      if (c.builtin || c.hooks !== 0) {
        chains.set(c.id, { id: c.id, name: c.name, rules: c.rules });
      } else {
        for (const d of refusedAnywhere(c)) r.diagnostics.push(d);
        const item: IgnoredItem = { kind: 'chain', name: c.id, reason: "not reachable from kube-proxy's hook rules" };
        if (c.declLine > 0) {
          item.origin = storedOrigin(r.store, c.declStart, c.declEnd, { line: c.declLine });
        }
        ignored.push(item);
      }
    }
  }
  const inconclusive = noticedReaps(r);
  if (family.family === null) notes.add('no address in the input says its family; read as IPv4');
  const diagnostics = capDiagnostics(sortDiagnostics(r.diagnostics));
  if (hasErrors(diagnostics)) return { diagnostics };
  r.store.seal();
  const program: NetfilterProgram = {
    backend: 'iptables',
    family: family.family ?? 'ipv4',
    baseChains,
    chains,
    ignored,
    notes: [...notes].sort(),
    ...(inconclusive.length > 0 ? { inconclusive } : {}),
  };
  return { program, diagnostics };
}
