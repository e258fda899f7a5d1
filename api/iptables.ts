// The iptables backend as library functions: an IR program -> kube-proxy's iptables-restore input
// (or what iptables-save prints once it is loaded), as one string or as chunks to stream.
import {
  type IptablesRenderOptions,
  type PartialRestore,
  renderIptables,
  renderIptablesChunks,
  renderPartialRestore,
} from '../backends/iptables/index.ts';
import type { IRProgram } from '../compiler/ir/types.ts';

export type { IptablesFormat, IptablesRenderOptions, PartialRestore } from '../backends/iptables/index.ts';

/** One IP family's ruleset (iptables-restore for ipv4, ip6tables-restore for ipv6). */
export function compileIptables(program: IRProgram, options: IptablesRenderOptions = {}): string {
  return renderIptables(program, options);
}

/** The same bytes as compileIptables, in pieces of about a thousand lines: write each as it comes. */
export function compileIptablesChunks(program: IRProgram, options: IptablesRenderOptions = {}): Iterable<string> {
  return renderIptablesChunks(program, options);
}

/**
 * kube-proxy's partial restore from `previous` to `next` (one node, one family each): the
 * iptables-restore --noflush input that rewrites only the services that changed and deletes the
 * chains no longer used (backends/iptables/partial.ts).
 */
export function compileIptablesPartial(previous: IRProgram, next: IRProgram): PartialRestore {
  return renderPartialRestore(previous, next);
}
