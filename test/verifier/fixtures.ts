// The nft reader's fixtures (test/verifier/fixtures/): inputs and what `nft -j list ruleset` printed
// after loading them into a fresh network namespace (nft 1.0.6, kernel 6.18). The kernel test
// (test/kernel/nft-reader.test.ts) checks them against a live load and rewrites the listings with
// UPDATE_GOLDEN=1; the other tests read them without root.
import { readFileSync } from 'node:fs';

export const fixturesDir = new URL('./fixtures/', import.meta.url);

export interface Fixture {
  name: string;
  /** The input file in fixturesDir (or elsewhere in the tree): a JSON command document or nft text. */
  input: URL;
  format: 'json' | 'text';
  /** The committed listing. */
  listing: URL;
  /** For a JSON command document: it and the listing must read to the same program. */
  sameProgram: boolean;
}

const fx = (name: string, input: URL, format: 'json' | 'text'): Fixture => ({
  name,
  input,
  format,
  listing: new URL(`${name}.list.json`, fixturesDir),
  sameProgram: format === 'json',
});

export const FIXTURES: Fixture[] = [
  ...['node-a', 'node-b', 'node-c'].map((n) =>
    fx(`everything-${n}`, new URL(`everything-${n}.nft.json`, fixturesDir), 'json'),
  ),
  fx('dual-stack', new URL('../golden/nftables/dual-stack.nft.json', import.meta.url), 'json'),
  fx('kube-proxy-shape', new URL('kube-proxy-shape.nft', fixturesDir), 'text'),
  fx('per-service-maps', new URL('per-service-maps.nft', fixturesDir), 'text'),
];

/** The examples/everything.ksvc nodes whose command documents are fixtures (written by the kernel test). */
export const EVERYTHING_NODES = ['node-a', 'node-b', 'node-c'];

export const readText = (u: URL): string => readFileSync(u, 'utf8');

/** A listing as committed: the same JSON values as nft printed, one object per line for review. */
export function formatListing(stdout: string): string {
  const doc = JSON.parse(stdout) as { nftables: unknown[] };
  return `{"nftables": [\n${doc.nftables.map((o) => JSON.stringify(o)).join(',\n')}\n]}\n`;
}
