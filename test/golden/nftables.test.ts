// Goldens of the nftables backend, byte for byte (UPDATE_GOLDEN=1 rewrites them — read every line
// before committing):
//  - every scenario of nftables/scenarios.ts: the JSON document and its nft-syntax twin;
//  - every iptables golden case (test/golden/iptables/cases.ts): case-<name>.nft, the nft twin of
//    test/golden/iptables/<name>.restore for side-by-side review;
// and every document (scenarios, cases, each examples/*.ksvc for each of its nodes) validates
// against the backend's JSON Schema with ajv; the text form is printed from the same commands.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nftablesCommands, renderNftablesJson, renderNftablesText } from '../../backends/nftables/index.ts';
import { schemaErrors } from '../../backends/nftables/schema/validate.ts';
import { commandsToText } from '../../backends/nftables/text.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import { expectGolden } from '../support/golden.ts';
import { exampleInputs, iptablesCases, scenarios } from './nftables/scenarios.ts';

const dir = new URL('./nftables/', import.meta.url);

/** The JSON validates against the schema; returns it. */
function validJson(programs: IRProgram[], what: string): string {
  const json = renderNftablesJson(programs);
  const errors = schemaErrors(JSON.parse(json));
  assert.equal(errors, null, `${what}: ${errors?.join('; ')}`);
  return json;
}

for (const s of scenarios) {
  test(`nftables golden: ${s.name} (${s.what})`, () => {
    const lowered = lowerModel(s.model(), s.options);
    assert.equal(
      lowered.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    expectGolden(new URL(`${s.name}.nft.json`, dir), validJson(lowered.programs, s.name));
    expectGolden(new URL(`${s.name}.nft`, dir), renderNftablesText(lowered.programs));
  });
}

test('nftables goldens: every iptables case, schema-valid, with its nft twin', () => {
  for (const c of iptablesCases()) {
    assert.equal(
      c.lowered.diagnostics.filter((d) => d.severity === 'error'),
      [],
      c.name,
    );
    const json = validJson(c.lowered.programs, c.name);
    const text = renderNftablesText(c.lowered.programs);
    assert.is(
      commandsToText((JSON.parse(json) as { nftables: never[] }).nftables),
      text,
      `${c.name}: text printed from the JSON`,
    );
    expectGolden(new URL(`case-${c.name}.nft`, dir), text);
  }
});

test('nftables: every examples/*.ksvc compiles, for each node, to a schema-valid document', () => {
  const inputs = exampleInputs();
  assert.ok(inputs.length >= 5, 'the examples are found');
  for (const e of inputs) {
    assert.equal(
      e.lowered.diagnostics.filter((d) => d.severity === 'error'),
      [],
      e.name,
    );
    validJson(e.lowered.programs, e.name);
    assert.ok(nftablesCommands(e.lowered.programs).length > 4, e.name);
  }
});

test.run();
