// The nftables backend as library functions: IR programs (one per family) -> one libnftables JSON
// document for `nft -j -f` that replaces ksvc's tables atomically, or the same ruleset in nft syntax.
import { renderNftablesJson, renderNftablesJsonChunks, renderNftablesText } from '../backends/nftables/index.ts';
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
