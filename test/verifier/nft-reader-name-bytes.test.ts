// The kernel bounds a table, chain or set name by bytes (NFT_*_MAXNAMELEN: 256 with the NUL, so 255
// bytes of UTF-8); the schema's maxLength counts characters. A 256-byte ASCII name, or 128 two-byte
// letters, passed the reader while nft -j -f refuses the document ("Numerical result out of range",
// measured with nft 1.0.6): verify and diff passed a file the node cannot load.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { accept, oneChain, read } from './nft-support.ts';

const test = suite('nft reader: name length in bytes');
const codes = (doc: unknown) => read(doc as never).diagnostics.filter((d) => d.severity === 'error');

test('a chain or set name past 255 bytes of UTF-8: refused at its name', () => {
  for (const name of ['x'.repeat(256), 'é'.repeat(128), `${'é'.repeat(127)}xx`]) {
    const chain = codes(oneChain([[accept]], { chains: [{ name }] }));
    assert.equal(
      chain.map((d) => d.code),
      ['nft-schema'],
      `chain of ${name.length} characters`,
    );
    assert.match(chain[0]!.path ?? '', /\/add\/chain\/name$/);
    assert.match(chain[0]!.message, '255 bytes');
    const set = codes(oneChain([[accept]], { sets: [{ name, type: 'ipv4_addr' }] }));
    assert.equal(
      set.map((d) => d.code),
      ['nft-schema'],
      `set of ${name.length} characters`,
    );
  }
});

test('255 bytes, ASCII or not, is a name nft loads', () => {
  for (const name of ['x'.repeat(255), `${'é'.repeat(127)}x`]) {
    assert.equal(codes(oneChain([[accept]], { chains: [{ name, rules: [[accept]] }] })), [], name);
    assert.equal(codes(oneChain([[accept]], { sets: [{ name, type: 'ipv4_addr' }] })), [], name);
  }
});

test.run();
