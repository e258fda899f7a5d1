// The pieces every nft mutation list shares: how a bug or a preserving edit of the nft JSON
// document is declared, and the checks some bugs add on the report.
import type { VerifyReport } from '../../../api/verify.ts';
import { type Doc, editDoc, jsonIs, type NftFamily, replaceOne, selectRule } from './nft-edit.ts';
import type { Mutation, Target } from './types.ts';

export const familyOf = (t: Target): NftFamily => (t.family === 'ipv4' ? 'ip' : 'ip6');

type Edit = (doc: Doc, f: NftFamily) => void;

const mutation = (id: string, target: Target, description: string, edit: Edit, expect: Mutation['expect']) => ({
  id: `nft-${id}`,
  artifact: 'nftables' as const,
  target,
  description,
  apply: (t: string) => editDoc(t, (doc) => edit(doc, familyOf(target))),
  expect,
});

/** A seeded bug: must be reported not equivalent, with correct counterexamples. */
export const bug = (
  id: string,
  target: Target,
  description: string,
  edit: Edit,
  check?: (r: VerifyReport) => void,
): Mutation => ({ ...mutation(id, target, description, edit, 'different'), ...(check ? { check } : {}) });

/** A behaviour-preserving edit: must be reported equivalent. */
export const same = (id: string, target: Target, description: string, edit: Edit): Mutation =>
  mutation(id, target, description, edit, 'equivalent');

/** In the one rule of `chain` whose expression contains `has`, replace the one value equal to `from` by `to`. */
export function replaceInRule(
  doc: Doc,
  f: NftFamily,
  chain: string,
  has: readonly string[],
  from: unknown,
  to: unknown,
): void {
  replaceOne(selectRule(doc, f, chain, has).rule.expr, jsonIs(JSON.stringify(from)), () => to);
}

/** Selects a rule that draws `meta random`. */
export const RANDOM = ['{"meta":{"key":"random"}}'];
/** Selects a rule that looks a key up in an affinity set (not one that only updates it). */
export const AFFINITY_LOOKUP = '"right":"@affinity-';

/** The difference is only at kernel level: the iptables=nftables comparison must report it. */
export const exactlyCaught = (r: VerifyReport) => {
  if (!r.counterexamples.some((c) => c.comparison === 'iptables=nftables'))
    throw new Error('no iptables=nftables counterexample');
};

export const verdictIn = (side: string, verdict: string) => (r: VerifyReport) => {
  if (!r.counterexamples.some((c) => c.distributions[side]?.some((l) => l.outcome.startsWith(verdict)))) {
    throw new Error(`no counterexample where ${side} says ${verdict}`);
  }
};
