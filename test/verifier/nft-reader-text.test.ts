// The nft reader's text path: items are found by a scanner and parsed one by one; rules keep their
// place in the text. It must read exactly what parsing the whole document reads, whatever the
// layout, and fall back to a whole parse (with a precise JSON error) when the text is unusual.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readNftables } from '../../verifier/nftables/index.ts';
import { scanItems } from '../../verifier/nftables/scan.ts';
import { liveHeap } from '../support/live-heap.ts';
import { readText } from './fixtures.ts';
import { accept, match, meta, oneChain, withoutOrigins } from './nft-support.ts';

const test = suite('nft reader: text input');

const doc = oneChain([
  [match('==', meta('iifname'), 'a"b[{\\*'), accept], // a quote, brackets, a backslash (the exact name a"b[{*)
  [match('==', meta('l4proto'), 'tcp'), { counter: null }, accept],
]);

test('the scanner finds each item, strings with quotes, backslashes and brackets included', () => {
  const text = JSON.stringify(doc);
  const s = scanItems(text);
  assert.ok(s);
  const items = [];
  for (let k = 0; k < s!.spans.length; k += 2) items.push(JSON.parse(text.slice(s!.spans[k], s!.spans[k + 1])));
  assert.equal(items, doc.nftables);
  assert.equal(scanItems(' {\n "nftables" : [ ] } \n')?.spans, []);
  assert.is(scanItems('{"nftables":[],"x":1}'), null);
  assert.is(scanItems('{"other":[]}'), null);
  assert.is(scanItems('{"nftables":[{"a":"unterminated}]}'), null);
});

test('text (compact, indented) and parsed input read to the same program; origins hold the rule text', () => {
  const parsed = readNftables(doc, { file: 'x' });
  for (const text of [JSON.stringify(doc), JSON.stringify(doc, null, 2)]) {
    const r = readNftables(text, { file: 'x' });
    assert.equal(r.diagnostics, []);
    assert.fixture(withoutOrigins(r.programs), withoutOrigins(parsed.programs));
    const rule = r.programs[0]!.chains.get('ip kube-proxy/base')!.rules[1]!;
    assert.equal(JSON.parse(rule.origin.text), (doc.nftables[4] as { add: { rule: unknown } }).add.rule);
    assert.is(rule.origin.jsonPath, '/nftables/4/add/rule');
  }
});

test('the program read from a text does not keep the text alive (origins read a compressed store)', async () => {
  // 16 MB of blanks between the items: nothing read from the document needs them. Read in a frame
  // of its own: a suspended async function keeps its temporaries, the text included.
  const readPadded = () => readNftables(JSON.stringify(doc).replace('[', `[${' '.repeat(16 << 20)}`), { file: 'x' });
  const before = await liveHeap();
  const read = readPadded();
  const kept = (await liveHeap()) - before;
  assert.equal(read.diagnostics, []);
  assert.ok(read.programs[0]!.chains.get('ip kube-proxy/base')!.rules[1]!.origin.text.includes('"tcp"'));
  assert.ok(kept < 4 << 20, `${(kept / 2 ** 20).toFixed(1)} MiB kept by a program of two rules`);
});

test('a rule wrapper with the "rule" key twice reads as JSON keeps it (the last), not as an internal error', () => {
  // nft loads such a document, keeping the last rule; the rule's text span once covered both
  const text = JSON.stringify(doc);
  const first = text.indexOf('{"add":{"rule":');
  const end = text.indexOf('}}', text.indexOf('"rule"', first) + 1) + 2;
  const item = text.slice(first, end);
  const other = item.replace(
    '"add":{"rule":',
    '"add":{"rule":{"family":"ip","table":"kube-proxy","chain":"base","expr":[{"drop":null}]},"rule":',
  );
  const twice = text.replace(item, other);
  const r = readNftables(twice, { file: 'x' });
  assert.equal(r.diagnostics, []);
  assert.fixture(withoutOrigins(r.programs), withoutOrigins(readNftables(JSON.parse(twice), { file: 'x' }).programs));
  // and a rule whose comment says "rule" reads as it did
  const commented = text.replace('"expr":', '"comment":"\\"rule\\": x","expr":');
  assert.equal(readNftables(commented, { file: 'x' }).diagnostics, []);
});

test('a listing fixture and a command fixture read the same as text and as parsed JSON', () => {
  for (const f of ['everything-node-a.nft.json', 'kube-proxy-shape.list.json']) {
    const text = readText(new URL(`fixtures/${f}`, import.meta.url));
    assert.fixture(
      withoutOrigins(readNftables(text, { file: f }).programs),
      withoutOrigins(readNftables(JSON.parse(text), { file: f }).programs),
      f,
    );
  }
});

test('an unusual or broken text falls back to one parse: precise JSON errors, no duplicate diagnostics', () => {
  const broken = `${JSON.stringify(doc).slice(0, -3)}x]}`;
  const r = readNftables(broken, { file: 'x' });
  assert.equal(
    r.diagnostics.map((d) => d.code),
    ['nft-invalid-json'],
  );
  const extra = JSON.stringify({ ...doc, comment: 'x' });
  assert.equal(
    readNftables(extra, { file: 'x' }).diagnostics.map((d) => d.code),
    ['nft-schema'],
  );
});

test.run();
