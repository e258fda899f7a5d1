// A DNAT that sets a port is read only after the rule has fixed a protocol with ports (or, for a
// map, when every element that selects it does): nft refuses such a rule otherwise, and the
// model gives no meaning to a port of another protocol. The cases and what nft does with each:
// nat-port-cases.ts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NAT_PORT_CASES, natPortDocument } from './nat-port-cases.ts';
import { read } from './nft-support.ts';

const test = suite('nft reader: DNAT ports need a transport protocol');

for (const c of NAT_PORT_CASES) {
  test(`${c.name}: ${c.reader}`, () => {
    const r = read(natPortDocument(c));
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    if (c.reader === 'reads') {
      assert.equal(
        errors.map((d) => `${d.code}: ${d.message}`),
        [],
      );
      return;
    }
    assert.equal(
      errors.map((d) => d.code),
      ['nft-unguarded-nat-port'],
    );
    // the pointer names the dnat statement of the rule
    assert.match(errors[0]!.path ?? '', /\/add\/rule\/expr\/\d+\/dnat$/);
  });
}

test('every case nft refuses, the reader refuses', () => {
  for (const c of NAT_PORT_CASES) if (c.nft === 'refuses') assert.is(c.reader, 'refuses', c.name);
});

test.run();
