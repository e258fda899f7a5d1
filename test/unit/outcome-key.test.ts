// outcomeKey spells an outcome on one line, and outcomeFromKey reads it back: reports carry
// outcomes as keys (the diff's summary reads them), so the spelling must be invertible.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { IPText } from '../../common/ip.ts';
import { type Outcome, outcomeFromKey, outcomeKey } from '../../compiler/ir/outcome.ts';

const outcomeArb: fc.Arbitrary<Outcome> = fc.record({
  verdict: fc.constantFrom('accept', 'drop', 'reject', 'reject:tcp-reset'),
  dnat: fc.option(
    fc.record({
      ip: fc.oneof(fc.ipV4(), fc.constantFrom('fd00:64::7', '2001:db8::1', '::1')).map((ip) => ip as IPText),
      port: fc.integer({ min: 1, max: 65535 }),
    }),
    { nil: null },
  ),
  masquerade: fc.constantFrom('none', 'masquerade', 'masquerade-fully-random'),
  mark: fc.constantFrom(0, 0x4000, 0x80000000 >>> 0, 1),
  affinityWrites: fc.uniqueArray(fc.constantFrom('shop/web:http/tcp/10.64.1.1:8080', 'ns/a/udp/[fd00::1]:53'), {
    maxLength: 2,
  }),
});

test('outcomeFromKey inverts outcomeKey', () => {
  fc.assert(
    fc.property(outcomeArb, (o) => {
      // (fast-check records have no prototype: compare as plain objects)
      assert.equal(outcomeFromKey(outcomeKey(o)), { ...o, dnat: o.dnat && { ...o.dnat } });
    }),
    { numRuns: 500, seed: 2026_12_06 },
  );
});

test('text that is no key reads as null', () => {
  for (const text of [
    '',
    'accept',
    'accept mark',
    'accept mark 0x0 extra',
    'bounce mark 0x0',
    'accept dnat x mark 0x0',
  ]) {
    assert.is(outcomeFromKey(text), null, text);
  }
  assert.equal(outcomeFromKey('accept dnat [fd00::7]:53 masquerade mark 0x4000 affinity a,b'), {
    verdict: 'accept',
    dnat: { ip: 'fd00::7', port: 53 },
    masquerade: 'masquerade',
    mark: 0x4000,
    affinityWrites: ['a', 'b'],
  });
});

test.run();
