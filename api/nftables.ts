// The nftables backend as library functions: IR programs (one per family) -> one libnftables JSON
// document for `nft -j -f` that replaces ksvc's tables atomically, or the same ruleset in nft syntax.
import {
  type DeltaOptions,
  type NftDelta,
  renderNftablesDelta,
  renderNftablesJson,
  renderNftablesJsonChunks,
  renderNftablesText,
} from '../backends/nftables/index.ts';

export type { DeltaOptions, NftDelta, NftDeltaStats } from '../backends/nftables/index.ts';

import type { IRProgram } from '../compiler/ir/types.ts';

export interface NftablesOptions {
  /** 'json' (default): for `nft -j -f`; 'text': the same ruleset in nft syntax, for review. */
  format?: 'json' | 'text';
  /** Delete and re-create the table in the same transaction (default true). */
  replace?: boolean;
  /**
   * End each table with its version stamp, an empty set `ksvc-version-<digest of the table's
   * content>` (default false; `ksvc compile` stamps): an update made with `stamp`
   * (compileNftablesDelta) then applies only to a table holding exactly the previous version.
   */
  stamp?: boolean;
}

const renderOptions = (options: NftablesOptions) => ({
  ...(options.replace === undefined ? {} : { replace: options.replace }),
  ...(options.stamp === undefined ? {} : { stamp: options.stamp }),
});

/** Both families in one document when given both programs. */
export function compileNftables(programs: IRProgram | IRProgram[], options: NftablesOptions = {}): string {
  const render = renderOptions(options);
  return options.format === 'text' ? renderNftablesText(programs, render) : renderNftablesJson(programs, render);
}

/**
 * The same bytes as compileNftables, in pieces to write as they come: the JSON document in chunks of
 * about 64 KiB (the ruleset is built before the first one, so an internal error comes before
 * any output); the text format, which is printed from the parsed-back JSON, in one piece.
 */
export function compileNftablesChunks(
  programs: IRProgram | IRProgram[],
  options: NftablesOptions = {},
): Iterable<string> {
  if (options.format === 'text') return [compileNftables(programs, options)];
  return renderNftablesJsonChunks(programs, renderOptions(options));
}

/**
 * The incremental update from the `previous` programs' ruleset to the `next` ones' (the same node
 * and families): one `nft -j -f` transaction touching only what changed — new objects added,
 * changed chains flushed and refilled, changed map elements replaced, what is gone deleted;
 * affinity sets keep their records; a family only one version has gets its table created or
 * deleted whole. null when the change cannot be one (a base chain changed): load the whole-table
 * replace (compileNftables) instead. With `stamp` (the documents were compiled with `stamp`), the
 * update first deletes the previous version's stamp and adds the next one's: nft refuses it,
 * changing nothing, on a node whose tables hold anything but the previous version (an update from
 * the wrong version, or applied twice).
 */
export function compileNftablesDelta(
  previous: IRProgram | IRProgram[],
  next: IRProgram | IRProgram[],
  options: DeltaOptions = {},
): NftDelta | null {
  return renderNftablesDelta(previous, next, options);
}
