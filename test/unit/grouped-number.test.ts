// groupedNumber writes counts as toLocaleString('en-US') does (without loading ICU's locale data).
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { groupedNumber } from '../../cli/grouped-number.ts';

const T = suite('groupedNumber');

T('integers are written as toLocaleString("en-US") writes them', () => {
  for (const n of [0, 7, 999, 1000, 12345, 870137, 1247491, -1000, -999999, Number.MAX_SAFE_INTEGER])
    assert.is(groupedNumber(n), n.toLocaleString('en-US'), String(n));
  fc.assert(
    fc.property(
      fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
      (n) => groupedNumber(n) === n.toLocaleString('en-US'),
    ),
    { numRuns: 2000, seed: 5 },
  );
});

T('other numbers are left to toLocaleString', () => {
  for (const n of [1234.5, 2 ** 60, Number.NaN]) assert.is(groupedNumber(n), n.toLocaleString('en-US'), String(n));
});

T.run();
