// What a mutation is: data. One seeded edit of one artifact (the iptables-restore text or the nft
// JSON document) that ksvc compiled for one node of a fixture, and what the verifier must say
// about it: 'different' (a bug: not equivalent, with a correct counterexample) or 'equivalent'
// (a behaviour-preserving edit).

import type { VerifyReport } from '../../../api/verify.ts';
import type { Family } from '../../../common/ip.ts';

export type ArtifactKind = 'iptables' | 'nftables';

/** A compiled artifact to mutate: the fixture, the node it is compiled for, the family checked. */
export interface Target {
  fixture: 'everything' | 'split';
  node: string;
  family: Family;
}

export interface Mutation {
  id: string;
  artifact: ArtifactKind;
  description: string;
  target: Target;
  /**
   * The edit, on the artifact's text (iptables-restore text, or nft JSON text). It throws
   * MutationNotApplied when the rule, chain or element it edits is not there exactly as expected:
   * an edit that silently does nothing would count a bug as caught without testing anything.
   */
  apply(text: string): string;
  expect: 'different' | 'equivalent';
  /** Extra assertions on the report (throw on failure). */
  check?(report: VerifyReport): void;
}

/** The edit site was not found (or found more than once): the mutation did not apply. */
export class MutationNotApplied extends Error {}

export function notApplied(message: string): never {
  throw new MutationNotApplied(message);
}

export const A4: Target = { fixture: 'everything', node: 'node-a', family: 'ipv4' };
export const A6: Target = { fixture: 'everything', node: 'node-a', family: 'ipv6' };
export const C4: Target = { fixture: 'everything', node: 'node-c', family: 'ipv4' };
export const S4: Target = { fixture: 'split', node: 'n1', family: 'ipv4' };
