// A compiled rule's conditions put the protocol first (verifier/engine/compile-parts.ts protocolsFirst), in
// place: the same order a stable sort on "is a protocol condition" gives, for every list.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { protocolsFirst } from '../../verifier/engine/compile-parts.ts';
import type { CPart } from '../../verifier/engine/compiled.ts';
import { point } from '../../verifier/engine/intervals.ts';
import { DIM } from '../../verifier/engine/space.ts';

const test = suite('protocol conditions first');

const DIMS = [DIM.proto, DIM.dst, DIM.dport, DIM.src, DIM.sport];

test('the protocol conditions move to the front, each group in its own order', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...DIMS), { maxLength: 7 }), (dims) => {
      // distinct sets tell equal dimensions apart, so the order within a group is checked too
      const parts: CPart[] = dims.map((dim, i) => ({ dim, set: point(i) }));
      const expected = [...parts].sort((a, b) => (a.dim === DIM.proto ? 0 : 1) - (b.dim === DIM.proto ? 0 : 1));
      const result = protocolsFirst(parts);
      assert.is(result, parts); // in place
      assert.equal(result, expected);
    }),
    { numRuns: 2000 },
  );
});

test.run();
