// jansson (nft's JSON parser) refuses a \uD800-\uDFFF escape that is not a high-low pair; JSON.parse
// keeps it as a lone surrogate. The reader accepted such a document (verify and diff passed a file
// nft -j -f does not load), and read chain names differing only there as two names.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readNftables } from '../../verifier/nftables/index.ts';
import { accept, oneChain } from './nft-support.ts';

const test = suite('nft reader: lone surrogate escapes');
const read = (text: string) => readNftables(text, { file: 'x.json' });
const withComment = (escaped: string) =>
  JSON.stringify(oneChain([[accept]])).replace('"kube-proxy"', `"kube-proxy","comment":"a${escaped}b"`);

test('a lone high or low surrogate escape: refused, as nft refuses the whole document', () => {
  for (const lone of ['\\ud800', '\\uDBFF', '\\udc00', '\\uDFFF', '\\ud800\\u0041', '\\udc00\\ud800']) {
    const r = read(withComment(lone));
    assert.equal(
      r.diagnostics.map((d) => d.code),
      ['nft-invalid-json'],
      lone,
    );
    assert.match(r.diagnostics[0]!.message, 'lone surrogate');
  }
});

test('a surrogate pair, and an escaped backslash before ud800, are no lone surrogate', () => {
  for (const fine of ['\\ud83d\\ude00', '\\uD83D\\uDE00', '\\\\ud800', '\\\\\\\\udc00']) {
    const r = read(withComment(fine));
    assert.not.ok(
      r.diagnostics.some((d) => d.code === 'nft-invalid-json'),
      fine,
    );
  }
});

test.run();
