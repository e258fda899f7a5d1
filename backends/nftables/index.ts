// The nftables backend: IR -> a libnftables JSON ruleset (nft 1.0.6) with the same packet outcomes
// as the iptables backend's output for the same IR, or the same ruleset in nft syntax.
// docs/nftables.md explains the structure; schema/ksvc-nft.schema.json describes the output.
// Building (build.ts: IR -> FamilyRuleset, plain data) and writing (document.ts: -> JSON text) are
// separate steps; the text comes whole or in chunks with the same bytes.
import type { IRProgram } from '../../compiler/ir/types.ts';
import { buildFamily } from './build.ts';
import { type DeltaOptions, type NftDelta, renderDelta } from './delta.ts';
import { type DocumentOptions, ownedDocumentChunks } from './document.ts';
import type { FamilyRuleset } from './ruleset.ts';
import { commandsToText, type Json } from './text.ts';

export type NftRenderOptions = DocumentOptions;
export type { DeltaOptions, NftDelta, NftDeltaStats } from './delta.ts';
export type { FamilyRuleset } from './ruleset.ts';

const programsOf = (ir: IRProgram | IRProgram[]): IRProgram[] => {
  const list = Array.isArray(ir) ? ir : [ir];
  const families = new Set(list.map((p) => p.family));
  if (families.size !== list.length) throw new Error('renderNftables: at most one IR program per IP family');
  return list;
};

/** The rulesets (one per family) as plain data, before any text is written. */
export function buildRulesets(ir: IRProgram | IRProgram[]): FamilyRuleset[] {
  return programsOf(ir).map(buildFamily);
}

/** The command list (`{"nftables": <this>}`) as data (parsed back from the JSON text). */
export function nftablesCommands(ir: IRProgram | IRProgram[], options: NftRenderOptions = {}): Json[] {
  return (JSON.parse(renderNftablesJson(ir, options)) as { nftables: Json[] }).nftables;
}

/** The JSON document for `nft -j -f`: both families in one transaction when given both. */
export function renderNftablesJson(ir: IRProgram | IRProgram[], options: NftRenderOptions = {}): string {
  return [...renderNftablesJsonChunks(ir, options)].join('');
}

/**
 * The JSON document in chunks of at least 64 Ki characters (renderNftablesJson joins them), for
 * writing to a file without holding the whole text. The ruleset is built before the first chunk is
 * returned, so an internal error surfaces before any output, and is let go as it is written.
 */
export function renderNftablesJsonChunks(
  ir: IRProgram | IRProgram[],
  options: NftRenderOptions = {},
): Iterable<string> {
  return ownedDocumentChunks(buildRulesets(ir), options);
}

/** The same ruleset in nft syntax (`nft -f`), printed from the JSON commands. */
export function renderNftablesText(ir: IRProgram | IRProgram[], options: NftRenderOptions = {}): string {
  return commandsToText(nftablesCommands(ir, options));
}

/**
 * The incremental update from `previous` to `next` (one node's): one `nft -j -f` transaction
 * touching only what changed (delta.ts; a family only one of them has: its table created or
 * deleted whole); null when the change is not expressible as one (a base chain) — write the
 * whole-table replace then. `stamp`: the documents are stamped, and nft applies the update only
 * to tables stamped as `previous`'s.
 */
export function renderNftablesDelta(
  previous: IRProgram | IRProgram[],
  next: IRProgram | IRProgram[],
  options: DeltaOptions = {},
): NftDelta | null {
  return renderDelta(buildRulesets(previous), buildRulesets(next), options);
}
