// What `verify --jobs` sends between processes: a job to a child (the input texts and the options
// of one node's check) and its result back (api/verify.ts VerifyResult), as JSON. JSON because the
// results hold getters (a rule's origin reads its text from the artifact's store, a diagnostic's
// span its line and column from its source): their toJSON gives the plain values, which render the
// same. BigInts (exact probabilities) travel as tagged strings.
import type { KubeImportOptions } from '../api/kubernetes.ts';
import type { VerifyResult } from '../api/verify.ts';
import type { Family } from '../common/ip.ts';
import type { Rational } from '../compiler/ir/outcome.ts';
import type { LowerOptions } from '../compiler/lower/index.ts';

/** One child's work: the model's input, read by the parent, and the check of one node. */
export interface VerifyJob {
  input: 'ksvc' | 'k8s';
  /** the input files as the parent read them (path as shown, text), in order */
  sources: { path: string; text: string }[];
  /** --from-k8s: the import's options */
  kube: KubeImportOptions | null;
  lowering: Omit<LowerOptions, 'node' | 'family'>;
  family: Family | null;
  withHooks: boolean;
  tvBound: Rational | null;
  maxFindings: number;
  shapes: boolean;
  node: string | null;
}

const BIGINT = '\u0000bigint';

export const encodeWire = (value: VerifyJob | VerifyResult): string =>
  JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? { [BIGINT]: v.toString() } : v));

export function decodeWire<T extends VerifyJob | VerifyResult>(text: string): T {
  return JSON.parse(text, (_, v) =>
    v !== null && typeof v === 'object' && typeof v[BIGINT] === 'string' ? BigInt(v[BIGINT]) : v,
  ) as T;
}
