// The iptables backend: IR -> kube-proxy's iptables-restore input, or the iptables-save text the
// kernel prints back for it. A renderer only: every decision was taken by compiler/lower.
import type { IRProgram } from '../../compiler/ir/types.ts';
import { renderRestoreChunksFromIR, renderRestoreFromIR } from './restore.ts';
import { renderSaveChunksFromIR, renderSaveFromIR } from './save.ts';

export type IptablesFormat = 'restore' | 'save';

export interface IptablesRenderOptions {
  /** 'restore' (default): kube-proxy's iptables-restore input. 'save': what iptables-save prints back. */
  format?: IptablesFormat;
  /**
   * Add the builtin-chain jump rules (nat PREROUTING/OUTPUT/POSTROUTING, filter INPUT/FORWARD/OUTPUT)
   * that kube-proxy and kubelet install outside the restore input, so that a table-replacing
   * `iptables-restore` (without --noflush) of the text alone yields a working dataplane.
   */
  hooks?: boolean;
}

export function renderIptables(ir: IRProgram, options: IptablesRenderOptions = {}): string {
  const build = { hooks: options.hooks ?? false };
  return (options.format ?? 'restore') === 'save' ? renderSaveFromIR(ir, build) : renderRestoreFromIR(ir, build);
}

/** The same text as renderIptables, in pieces of about a thousand lines, for streaming to a file. */
export function renderIptablesChunks(ir: IRProgram, options: IptablesRenderOptions = {}): Iterable<string> {
  const build = { hooks: options.hooks ?? false };
  return (options.format ?? 'restore') === 'save'
    ? renderSaveChunksFromIR(ir, build)
    : renderRestoreChunksFromIR(ir, build);
}

export { buildRules, emitRules } from './build.ts';
export { hash16 } from './names.ts';
export { type PartialRestore, renderPartialRestore } from './partial.ts';
export { renderRestore } from './restore.ts';
export type { Match, Rule, RuleSet, Target } from './rules.ts';
export { renderSave } from './save.ts';
