// Proofs of updates (`ksvc compile --since OLD --prove`): that an update applied to a node holding
// the previous version's rules leaves it holding what the next version's full output gives.
// - iptables: the partial restore is applied, with iptables-restore --noflush's semantics
//   (verifier/iptables/restore-state.ts), after the previous version's full restore with
//   kube-proxy's hook rules; the chains and rules, hooks included, must be exactly the next
//   version's. Equal rules route every packet alike.
// - nftables: the delta is read after the previous version's document (one command list, as nft
//   applies them) by the verifier's own reader; the ruleset it leaves must hold the next version's
//   objects, or — compared by the engine, exactly — route every packet as the next version does.
// Neither looks at how the update was made (backends/iptables/partial.ts, backends/nftables/delta.ts).
import type { IRProgram } from '../compiler/ir/types.ts';
import { applyRestore, stateDifference } from '../verifier/iptables/restore-state.ts';
import { type RulesetState, readNftablesState, rulesetDifference } from '../verifier/nftables/index.ts';
import { diffArtifacts } from './diff.ts';
import { compileIptables } from './iptables.ts';
import { compileNftables, type DeltaOptions } from './nftables.ts';

export interface UpdateProof {
  proven: boolean;
  /** what differs (or why the update cannot be applied) when not proven */
  difference: string | null;
}

/** The partial restore `partial` from `previous` to `next` (one node and family), proven or not. */
export function proveIptablesPartial(previous: IRProgram, next: IRProgram, partial: string): UpdateProof {
  // With kube-proxy's hook rules (--with-hooks): a node holds them in INPUT, OUTPUT, FORWARD,
  // PREROUTING and POSTROUTING, and an update that needs others (a filter chain it adds) must
  // not be proven by states that both lack them.
  const withHooks = { hooks: true };
  const base = applyRestore(new Map(), compileIptables(previous, withHooks), false);
  const updated = applyRestore(base.state, partial, true);
  const problems = [...base.problems, ...updated.problems];
  if (problems.length > 0) return { proven: false, difference: `iptables-restore would fail: ${problems[0]}` };
  const want = applyRestore(new Map(), compileIptables(next, withHooks), false);
  const difference = stateDifference(updated.state, want.state);
  return difference === null
    ? { proven: true, difference: null }
    : { proven: false, difference: `after the update / in the full output: ${difference}` };
}

/**
 * What no packet comparison may excuse: a command of the update on a table that is not
 * kube-proxy's (the engine reads only kube-proxy's tables; a review proved an update adding a
 * table that dropped every packet, and one deleting another program's table), and a table the
 * update leaves that a full load does not, or the reverse (the next update's commands assume the
 * tables a full load makes, and the engine compares a missing family as one without rules).
 * `firstIndex`: the index in `applied` of the update's command numbered 1 (its metainfo, when
 * it leads, was left out, and counts as number 1).
 */
function tablesDifference(applied: RulesetState, next: RulesetState, firstIndex: number): string | null {
  const foreign = applied.outOfScope;
  if (foreign !== null) {
    // numbered as in the update
    const at = foreign.index - firstIndex + 1;
    return `command ${at} (${foreign.command} ${foreign.kind}) is on table ${foreign.family} ${foreign.table}, not kube-proxy's: an update touches only kube-proxy's tables`;
  }
  for (const key of new Set([...applied.tables.keys(), ...next.tables.keys()])) {
    if (!applied.tables.has(key)) return `table ${key} is in the full output and not after the update`;
    if (!next.tables.has(key)) return `table ${key} is left after the update and not in the full output`;
  }
  return null;
}

/** A command document's commands, or null when the text is not one ({"nftables": [...]}). */
function commandsOf(text: string): unknown[] | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  const commands = (doc as { nftables?: unknown } | null)?.nftables;
  return Array.isArray(commands) ? commands : null;
}

const isMetainfo = (c: unknown): boolean => typeof c === 'object' && c !== null && 'metainfo' in c;

/**
 * The nftables delta `delta` from `previous` to `next` (one node's; the documents stamped
 * or not as `options` says, as for compileNftablesDelta), proven or not: first
 * object by object (the ruleset the reader is left with by the old document and the update against
 * the new document's — equal objects route alike, and this is fast); when they differ, packet by
 * packet by the engine (a difference no packet can observe still proves the update).
 */
export function proveNftablesDelta(
  previous: IRProgram[],
  next: IRProgram[],
  delta: string,
  options: DeltaOptions = {},
): UpdateProof {
  const stamp = { stamp: Boolean(options.stamp) };
  const previousCommands = commandsOf(compileNftables(previous, stamp))!;
  const update = commandsOf(delta);
  if (update === null) return { proven: false, difference: 'the update is not an nft JSON command document' };
  // the delta's metainfo (when it leads) dropped: one document, the old commands then the update's
  const metainfo = isMetainfo(update[0]);
  const applied = JSON.stringify({ nftables: [...previousCommands, ...(metainfo ? update.slice(1) : update)] });
  const firstIndex = previousCommands.length - (metainfo ? 1 : 0);
  const nextText = compileNftables(next, stamp);
  const [a, b] = [
    readNftablesState(applied, { file: '<previous + update>' }),
    readNftablesState(nextText, { file: '<next>' }),
  ];
  if (a.state && b.state) {
    const tables = tablesDifference(a.state, b.state, firstIndex);
    if (tables !== null) return { proven: false, difference: tables };
    if (rulesetDifference(a.state, b.state) === null) return { proven: true, difference: null };
  }
  const r = diffArtifacts({
    old: { text: applied, file: '<previous + update>' },
    new: { text: nextText, file: '<next>' },
    backend: 'nftables',
    maxChanges: 1,
  });
  const error = r.diagnostics.find((d) => d.severity === 'error');
  if (error) return { proven: false, difference: `the update does not read: ${error.message}` };
  if (r.runs.length === 0) return { proven: false, difference: 'nothing to compare' };
  for (const run of r.runs) {
    const cx = run.report?.counterexamples[0];
    if (!run.report?.equivalent) {
      const w = cx?.witness;
      const packet = w ? `${w.protocol} ${w.src} -> ${w.dst}:${w.dport}` : 'some packet';
      return { proven: false, difference: `${run.family}: ${packet} is routed differently after the update` };
    }
  }
  return { proven: true, difference: null };
}
