// The JSON syntax locator (verifier/nftables/json-syntax.ts): it calls a text JSON exactly when
// JSON.parse does, and the reader points nft-invalid-json at the place it finds.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readNftables } from '../../verifier/nftables/index.ts';
import { jsonSyntaxError } from '../../verifier/nftables/json-syntax.ts';

const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

test('valid exactly when JSON.parse says so: JSON values, then random edits of their text', () => {
  const edit = fc.tuple(
    fc.nat(),
    fc.constantFrom('', '{', '}', '[', ']', ',', ':', '"', '\\', ' ', '0', '-', 'e', '.', 't', '\n', '\u0001'),
  );
  fc.assert(
    fc.property(fc.json(), fc.array(edit, { maxLength: 3 }), fc.boolean(), (json, edits, remove) => {
      let text = json;
      for (const [at, ch] of edits) {
        const i = text.length === 0 ? 0 : at % (text.length + 1);
        text = text.slice(0, i) + ch + text.slice(remove ? i + 1 : i);
      }
      const found = jsonSyntaxError(text);
      assert.is(found === null, parses(text), JSON.stringify(text));
      if (found !== null) assert.ok(found.offset >= 0 && found.offset <= text.length);
    }),
    { numRuns: 3000, seed: 20261207 },
  );
});

test('where and why, for the common mistakes', () => {
  const cases: [string, number, RegExp][] = [
    ['{"nftables": [{"add": {}},]}', 26, /expected a value, found '\]'/],
    ['{"a": 1', 7, /expected ',' or '}', found the end of the document/],
    ['{"a" 1}', 5, /expected ':' after a member name, found '1'/],
    ["{'a': 1}", 1, /expected a member name in double quotes, found '''/],
    ['{"a": "x\ty"}', 8, /a control character must be escaped in a string, found U\+0009/],
    ['[1] [2]', 4, /expected the end of the document, found '\['/],
    ['{"a": tru}', 6, /expected a value, found 't'/],
  ];
  for (const [text, offset, reason] of cases) {
    const found = jsonSyntaxError(text);
    assert.is(found?.offset, offset, text);
    assert.match(found!.reason, reason);
  }
  // nesting deeper than any call stack
  assert.is(jsonSyntaxError(`${'['.repeat(200000)}${']'.repeat(200000)}`), null);
  assert.is(jsonSyntaxError(`${'['.repeat(200000)}${']'.repeat(199999)}`)?.offset, 399999);
});

test('nft-invalid-json points at the line and column, not at 1:1', () => {
  const text = '{"nftables": [\n  {"add": {"table": {"family": "ip", "name": "x"}}},\n]}\n';
  const [d] = readNftables(text, { file: 'x.json' }).diagnostics;
  assert.is(d?.code, 'nft-invalid-json');
  assert.equal(d!.span?.start, { line: 3, column: 1, offset: 68 });
  assert.match(d!.message, /expected a value, found '\]'/);
  // what is refused before parsing is pointed at too: a NUL in a string, written escaped
  const nul = readNftables('{"nftables": [\n {"x": "a\\u0000"}]}', { file: 'x.json' }).diagnostics[0]!;
  assert.equal([nul.span?.start.line, nul.span?.start.column], [2, 10]);
  const ipt = readNftables('\n\n*nat\n:KUBE-SERVICES - [0:0]\n', { file: 'x.json' }).diagnostics[0]!;
  assert.equal([ipt.span?.start.line, ipt.span?.start.column], [3, 1]);
});

test.run();
