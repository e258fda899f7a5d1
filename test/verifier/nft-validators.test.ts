// The nft reader's validators are compiled ahead of time (verifier/nftables/schema-validators.generated.js):
// it and its types must be exactly what scripts/nft-validators.ts writes from schema.json now, and must
// judge as ajv compiling the schema on the spot does.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  NFT_SHAPES,
  nftValidatorsCode,
  nftValidatorTypes,
  VALIDATOR_TYPES_FILE,
  VALIDATORS_FILE,
} from '../../scripts/nft-validators.ts';
import { verifierSchema } from '../../verifier/nftables/schema.ts';
import * as generated from '../../verifier/nftables/schema-validators.generated.js';

const T = suite('nft validators compiled ahead of time');

T('the generated module and its types are what the script writes from the schema now', () => {
  // the message says how to fix it: a test that only failed would send one looking
  const stale = 'is stale: run `node --import tsx scripts/nft-validators.ts --write`';
  assert.ok(readFileSync(VALIDATORS_FILE, 'utf8') === nftValidatorsCode(), `the generated module ${stale}`);
  assert.ok(readFileSync(VALIDATOR_TYPES_FILE, 'utf8') === nftValidatorTypes(), `its .d.ts ${stale}`);
});

T('each generated validator judges documents and objects as ajv does on the spot', () => {
  const schema = verifierSchema() as { $id: string };
  const ajv = new Ajv2020({ strict: true, allErrors: false, allowUnionTypes: true, verbose: true });
  ajv.addSchema(schema);
  const samples: [string, unknown][] = [
    ['envelope', { nftables: [{ add: { table: { family: 'ip', name: 'kube-proxy' } } }] }],
    ['envelope', { nftables: {} }],
    ['item', { add: { rule: { family: 'ip', table: 't', chain: 'c', expr: [{ accept: null }] } } }],
    ['item', { bogus: {} }],
    ['rule', { family: 'ip', table: 't', chain: 'c', expr: [{ counter: null }, { accept: null }] }],
    ['rule', { family: 'ip', table: 't', chain: 'c', expr: [{ xt: { type: 'match' } }] }],
    ['statement', { match: { op: '==', left: { meta: { key: 'mark' } }, right: 16384 } }],
    ['statement', { match: { op: '==', left: { osf: { key: 'name' } }, right: 'Linux' } }],
    ['expression', { concat: [{ payload: { protocol: 'ip', field: 'daddr' } }, 'tcp', 80] }],
    ['chain', { family: 'ip', table: 't', name: 'x'.repeat(257) }],
    ['element', { family: 'ip', table: 't', name: 's', elem: ['10.0.0.1', '10.0.0.2'] }],
  ];
  assert.equal(Object.keys(generated).sort(), ['envelope', ...NFT_SHAPES].sort(), 'one validator per shape');
  for (const [name, value] of samples) {
    const ref = name === 'envelope' ? schema.$id : `${schema.$id}#/$defs/${name}`;
    const fresh = ajv.getSchema(ref)!;
    const ahead = (generated as Record<string, typeof fresh>)[name]!;
    const ok = fresh(value);
    assert.is(ahead(value), ok, `${name}: ${JSON.stringify(value).slice(0, 60)}`);
    if (!ok) {
      const strip = (errors: typeof fresh.errors) =>
        (errors ?? []).map((e) => ({
          ...e,
          schema: JSON.stringify(e.schema),
          parentSchema: JSON.stringify(e.parentSchema),
        }));
      assert.equal(strip(ahead.errors), strip(fresh.errors), `${name}: the same errors`);
    }
  }
});

T.run();
