// What `verify --jobs` and `diff --jobs` send between processes (cli/child-jobs.ts): a job to a
// child and its result back, as JSON. JSON because the results hold getters (a rule's origin reads
// its text from the artifact's store, a diagnostic's span its line and column from its source):
// their toJSON gives the plain values, which render the same. BigInts (exact probabilities) travel
// as tagged strings.

const BIGINT = '\u0000bigint';

export const encodeWire = (value: unknown): string =>
  JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? { [BIGINT]: v.toString() } : v));

export function decodeWire<T>(text: string): T {
  return JSON.parse(text, (_, v) =>
    v !== null && typeof v === 'object' && typeof v[BIGINT] === 'string' ? BigInt(v[BIGINT]) : v,
  ) as T;
}

/** An input file as the parent read it: the path as shown, and the text. */
export interface JobSource {
  path: string;
  text: string;
}
