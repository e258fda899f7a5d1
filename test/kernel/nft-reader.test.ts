// Kernel tests of the verifier's nft reader (root only; they skip loudly otherwise):
//  - every examples/*.ksvc document (each node), every golden scenario and every iptables golden
//    case's nft document, loaded into a fresh
//    network namespace and listed with `nft -j list ruleset`: the command document and the listing
//    read to the same program (ignoring where rules came from);
//  - every fixture input (test/verifier/fixtures.ts) loads, and the live listing reads to the same
//    program as the committed listing — so the committed listings are what the kernel really
//    prints. UPDATE_GOLDEN=1 rewrites the listings (and the everything.ksvc command documents)
//    from a live load: read the diff before committing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderNftablesJson } from '../../backends/nftables/index.ts';
import { readNftables } from '../../verifier/nftables/index.ts';
import { exampleInputs, iptablesCases, scenarios } from '../golden/nftables/scenarios.ts';
import { updatingGoldens } from '../support/golden.ts';
import { EVERYTHING_NODES, FIXTURES, fixturesDir, formatListing, readText } from '../verifier/fixtures.ts';
import { withoutOrigins } from '../verifier/nft-support.ts';
import { kernelTests, type Netns, withNetns } from './netns.ts';

function ok(r: { status: number; stderr: string }, what: string): void {
  assert.is(r.status, 0, `${what}: ${r.stderr.trim()}`);
}

/** Read without errors; the programs without origins. */
function programs(text: string, file: string): string {
  const r = readNftables(text, { file });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(
    errors.map((d) => `${d.code} ${d.path}: ${d.message}`),
    [],
    file,
  );
  assert.ok(r.programs.length > 0, `${file}: a program`);
  return withoutOrigins(r.programs);
}

const tmp = mkdtempSync(join(tmpdir(), 'ksvc-nft-reader-'));

/** Load `input` (JSON command document or nft text) into a fresh ruleset and list it. */
function loadAndList(ns: Netns, input: string, format: 'json' | 'text'): string {
  ok(ns.exec('nft', ['flush', 'ruleset']), 'flush');
  // (nft cannot read /dev/stdin when it is a socket, which is what node gives a child)
  const file = join(tmp, format === 'json' ? 'input.json' : 'input.nft');
  writeFileSync(file, input);
  ok(ns.exec('nft', format === 'json' ? ['-j', '-f', file] : ['-f', file]), 'load');
  const r = ns.exec('nft', ['-j', 'list', 'ruleset']);
  ok(r, 'nft -j list ruleset');
  return r.stdout;
}

{
  const test = kernelTests('nft reader');
  test('kernel: command document and listing read to the same program (examples, each node; golden scenarios and cases)', async () => {
    const docs = [
      ...exampleInputs().map((e) => ({ name: e.name, json: renderNftablesJson(e.lowered.programs) })),
      ...iptablesCases().map((c) => ({ name: c.name, json: renderNftablesJson(c.lowered.programs) })),
      ...scenarios.map((s) => ({
        name: s.name,
        json: readText(new URL(`../golden/nftables/${s.name}.nft.json`, import.meta.url)),
      })),
    ];
    await withNetns('nftread', (ns) => {
      for (const d of docs) {
        const listing = loadAndList(ns, d.json, 'json');
        assert.fixture(programs(listing, `${d.name} (listing)`), programs(d.json, d.name), d.name);
      }
    });
  });

  test('kernel: the committed listing fixtures are what the kernel lists', async () => {
    if (updatingGoldens) {
      const everything = exampleInputs().filter((e) => e.name.startsWith('everything.ksvc@'));
      for (const node of EVERYTHING_NODES) {
        const e = everything.find((x) => x.name === `everything.ksvc@${node}`);
        assert.ok(e, node);
        writeFileSync(new URL(`everything-${node}.nft.json`, fixturesDir), renderNftablesJson(e!.lowered.programs));
      }
    }
    await withNetns('nftfix', (ns) => {
      for (const f of FIXTURES) {
        const input = readText(f.input);
        const live = formatListing(loadAndList(ns, input, f.format));
        if (updatingGoldens) writeFileSync(f.listing, live);
        const committed = readText(f.listing);
        assert.fixture(programs(live, `${f.name} (live)`), programs(committed, f.name), f.name);
        if (f.sameProgram) assert.fixture(programs(input, `${f.name} (input)`), programs(committed, f.name), f.name);
      }
    });
  });
}

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
