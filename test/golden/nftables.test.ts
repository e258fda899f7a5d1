// Goldens of the nftables backend: for every scenario, the JSON document and its nft-syntax twin,
// byte for byte (UPDATE_GOLDEN=1 rewrites them — read every line before committing). Every golden
// JSON document also validates against the backend's schema.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { lowerModel } from '../../compiler/lower/index.ts';
import { renderNftablesJson, renderNftablesText } from '../../backends/nftables/index.ts';
import { schemaErrors } from '../../backends/nftables/schema/validate.ts';
import { scenarios } from './nftables/scenarios.ts';

const dir = new URL('./nftables/', import.meta.url);

function golden(file: string, actual: string): void {
  const url = new URL(file, dir);
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(url, actual);
    return;
  }
  assert.ok(existsSync(url), `missing golden ${file} (run with UPDATE_GOLDEN=1)`);
  assert.fixture(actual, readFileSync(url, 'utf8'), file);
}

for (const s of scenarios) {
  test(`nftables golden: ${s.name} (${s.what})`, () => {
    const lowered = lowerModel(s.model(), s.options);
    assert.equal(lowered.diagnostics.filter((d) => d.severity === 'error'), []);
    const json = renderNftablesJson(lowered.programs);
    assert.equal(schemaErrors(JSON.parse(json)), null);
    golden(`${s.name}.nft.json`, json);
    golden(`${s.name}.nft`, renderNftablesText(lowered.programs));
  });
}

test.run();
