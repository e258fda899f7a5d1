// The nftables backend as library functions: IR programs (one per family) -> one libnftables JSON
// document for `nft -j -f` that replaces ksvc's tables atomically, or the same ruleset in nft syntax.
import {
  type NftDelta,
  renderNftablesDelta,
  renderNftablesJson,
  renderNftablesJsonChunks,
  renderNftablesText,
} from '../backends/nftables/index.ts';

export type { NftDelta, NftDeltaStats } from '../backends/nftables/index.ts';

import type { IRProgram } from '../compiler/ir/types.ts';

export interface NftablesOptions {
  /** 'json' (default): for `nft -j -f`; 'text': the same ruleset in nft syntax, for review. */
  format?: 'json' | 'text';
  /** Delete and re-create the table in the same transaction (default true). */
  replace?: boolean;
}

/** Both families in one document when given both programs. */
export function compileNftables(programs: IRProgram | IRProgram[], options: NftablesOptions = {}): string {
  const render = options.replace === undefined ? {} : { replace: options.replace };
  return options.format === 'text' ? renderNftablesText(programs, render) : renderNftablesJson(programs, render);
}

/**
 * The same bytes as compileNftables, in pieces to write as they come: the JSON document in chunks of
 * about a megabyte (the ruleset is built before the first one, so an internal error comes before
 * any output); the text format, which is printed from the parsed-back JSON, in one piece.
 */
export function compileNftablesChunks(
  programs: IRProgram | IRProgram[],
  options: NftablesOptions = {},
): Iterable<string> {
  if (options.format === 'text') return [compileNftables(programs, options)];
  return renderNftablesJsonChunks(programs, options.replace === undefined ? {} : { replace: options.replace });
}

/**
 * The incremental update from the `previous` programs' ruleset to the `next` ones' (the same node
 * and families): one `nft -j -f` transaction touching only what changed — new objects added,
 * changed chains flushed and refilled, changed map elements replaced, what is gone deleted;
 * affinity sets keep their records. null when the change cannot be one (another family set, a
 * set's definition changed): load the whole-table replace (compileNftables) instead.
 */
export function compileNftablesDelta(
  previous: IRProgram | IRProgram[],
  next: IRProgram | IRProgram[],
): NftDelta | null {
  return renderNftablesDelta(previous, next);
}
