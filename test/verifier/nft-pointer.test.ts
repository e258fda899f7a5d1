// JSON pointers in the nft reader (verifier/nftables/pointer.ts): `child` escapes a token as RFC
// 6901 says, `keptChild` (the flat spelling for pointers kept through the read) gives exactly what
// `child` gives, and `locatePointer` finds in the text the value a pointer built by either names.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readNftables } from '../../verifier/nftables/index.ts';
import { child, keptChild, locatePointer, pointerAt } from '../../verifier/nftables/pointer.ts';
import { accept, match, oneChain, payload } from './nft-support.ts';

const test = suite('nft reader: JSON pointers');

/** Tokens with the two characters RFC 6901 escapes, and array indices. */
const token = fc.oneof(fc.string({ unit: fc.constantFrom('a', '~', '/', '0', '1', ' ', 'é') }), fc.nat(99_999));

test('child escapes ~ and / in a token, and writes an index as its digits', () => {
  assert.is(child('/nftables/3', 'add'), '/nftables/3/add');
  assert.is(child('/nftables', 12), '/nftables/12');
  assert.is(child('', 'a/b~c'), '/a~1b~0c');
  assert.is(child('/x', '~1'), '/x/~01', 'a ~ is escaped before a / is, so ~1 stays two characters');
});

test('keptChild gives the pointer child gives, for any tokens', () => {
  fc.assert(
    fc.property(fc.string(), fc.array(token, { maxLength: 4 }), (base, tokens) => {
      const base1 = base === '' ? '' : `/${base.replace(/[~/]/g, '')}`;
      return keptChild(base1, ...tokens) === tokens.reduce<string>(child, base1);
    }),
    { numRuns: 2000, seed: 19 },
  );
});

test('locatePointer finds the value a built pointer names, escaped keys included', () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ unit: fc.constantFrom('k', '~', '/', '"', '\\') }), { minLength: 1, maxLength: 5 }),
      (keys) => {
        // { k0: [ { k1: [ ... "leaf" ] } ] }: every level an object then an array of one element
        let doc: unknown = 'leaf';
        for (const k of [...keys].reverse()) doc = { [k]: [0, doc] };
        const text = JSON.stringify(doc, null, 1);
        const pointer = keys.reduce<string>((p, k) => keptChild(p, k, 1), '');
        const at = locatePointer(text, pointer);
        return at !== null && text.slice(at.start, at.end) === '"leaf"';
      },
    ),
    { numRuns: 500, seed: 20 },
  );
  assert.is(locatePointer('{"a":[1,2]}', keptChild('', 'a', 5)), null, 'past the end of an array');
});

test('pointerAt names the value locatePointer finds at that place, escaped keys included', () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ unit: fc.constantFrom('k', '~', '/', '"', '\\', ',', '[') }), {
        minLength: 1,
        maxLength: 5,
      }),
      (keys) => {
        let doc: unknown = 'leaf';
        for (const k of [...keys].reverse()) doc = { x: [], [k]: [{ y: 1 }, doc] };
        const text = JSON.stringify(doc, null, 1);
        const pointer = keys.reduce<string>((p, k) => keptChild(p, k, 1), '');
        const at = locatePointer(text, pointer)!;
        return pointerAt(text, at.start) === pointer && pointerAt(text, at.start + 2) === pointer;
      },
    ),
    { numRuns: 500, seed: 21 },
  );
  assert.is(pointerAt(`${'['.repeat(200000)}1${']'.repeat(200000)}`, 200000), '/0'.repeat(200000));
  assert.is(pointerAt('{"a": {"b": 1,, }}', 14), '/a', 'a place with no member yet names its object');
});

test('what the reader finds by its place in the text names its JSON path: a real number (1e400), text that is not JSON', () => {
  const pathOf = (text: string) => readNftables(text, { file: 'x.json' }).diagnostics.map((d) => [d.code, d.path]);
  const base = JSON.stringify(oneChain([[accept]], { base: { type: 'nat', hook: 'prerouting', prio: -100 } }));
  const prio = base.indexOf('"prio"');
  const chain = locatePointer(base, '/nftables/2/add/chain');
  assert.ok(chain !== null && chain.start < prio && prio < chain.end, 'the base chain is item 2');
  assert.equal(pathOf(base.replace('"prio":-100', '"prio":1e400')), [
    ['nft-real-number', '/nftables/2/add/chain/prio'],
  ]);
  const port = JSON.stringify(oneChain([[match('==', payload('tcp', 'dport'), 80), accept]])).replace(':80', ':1e400');
  const rule = (JSON.parse(port) as { nftables: { add?: { rule?: unknown } }[] }).nftables.findIndex(
    (i) => i.add?.rule,
  );
  assert.equal(pathOf(port), [['nft-real-number', `/nftables/${rule}/add/rule/expr/0/match/right`]]);
  assert.equal(pathOf(base.replace('"prio":-100', '"prio":x')), [['nft-invalid-json', '/nftables/2/add/chain/prio']]);
  assert.equal(pathOf(base.replace('"name"', '"na\\u0000me"')).slice(0, 1), [
    ['nft-invalid-json', '/nftables/1/add/table'],
  ]);
});

test.run();
