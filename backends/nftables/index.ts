// The nftables backend: IR -> a libnftables JSON ruleset (nft 1.0.6) with the same packet outcomes
// as the iptables backend's output for the same IR, or the same ruleset in nft syntax.
// docs/nftables.md explains the structure; schema/ksvc-nft.schema.json describes the output.
import type { IRProgram } from '../../compiler/ir/types.ts';
import { buildFamily, type FamilyRuleset } from './build.ts';
import { type DocumentOptions, renderDocument } from './document.ts';
import { commandsToText, type Json } from './text.ts';

export type NftRenderOptions = DocumentOptions;

const programsOf = (ir: IRProgram | IRProgram[]): IRProgram[] => {
  const list = Array.isArray(ir) ? ir : [ir];
  const families = new Set(list.map((p) => p.family));
  if (families.size !== list.length) throw new Error('renderNftables: at most one IR program per IP family');
  return list;
};

export function buildRulesets(ir: IRProgram | IRProgram[]): FamilyRuleset[] {
  return programsOf(ir).map(buildFamily);
}

/** The command list (`{"nftables": <this>}`) as data (parsed back from the JSON text). */
export function nftablesCommands(ir: IRProgram | IRProgram[], options: NftRenderOptions = {}): Json[] {
  return (JSON.parse(renderNftablesJson(ir, options)) as { nftables: Json[] }).nftables;
}

/** The JSON document for `nft -j -f`: both families in one transaction when given both. */
export function renderNftablesJson(ir: IRProgram | IRProgram[], options: NftRenderOptions = {}): string {
  return renderDocument(buildRulesets(ir), options);
}

/** The same ruleset in nft syntax (`nft -f`), printed from the JSON commands. */
export function renderNftablesText(ir: IRProgram | IRProgram[], options: NftRenderOptions = {}): string {
  return commandsToText(nftablesCommands(ir, options));
}
