// A mark prefix with address bits below it: how `nft -j list` prints a test of leading mark bits
// against a value with bits outside them (`meta mark & 0x80000000 == 1`, which never matches: the
// kernel holds `cmp eq (mark & 0x80000000), 1`). In a listing that is what the kernel holds; in a
// command document nft would load it otherwise (nft 1.0.6 clears the low bits: `== 0/1`, measured),
// so there it stays refused. Found by `npm run fuzz:edit-dumps -- --artifact nftables --from
// 2007000 --count 2000` (seed 2007789: the edited text read, its dump was refused). The prefix
// forms without low bits: nft-reader-statements.test.ts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NEVER } from '../../verifier/nftables/match-base.ts';
import { and, type Json, match, meta, oneChain, onlyError, program, steps, withoutOrigins } from './nft-support.ts';

const test = suite('nft reader: a listed mark prefix with low bits');

const mark = meta('mark');
const markPrefix = (addr: unknown, len: number) => ({ prefix: { addr, len } });
const ret = { return: null };
const accept = { accept: null };

/** The same objects as `nft -j list ruleset` prints them: bare objects, no commands. */
const listing = (doc: { nftables: Json[] }): { nftables: Json[] } => ({
  nftables: doc.nftables.map((i) => (typeof i === 'object' && i !== null && 'add' in i ? (i as { add: Json }).add : i)),
});

test('listed: == never matches, != always does', () => {
  const got = steps(
    listing(
      oneChain([
        [match('==', mark, markPrefix(1, 1)), ret],
        [match('!=', mark, markPrefix(0x80000001, 1)), accept],
        [match('==', mark, markPrefix('0x00000001', 2)), accept],
      ]),
    ),
  );
  assert.equal(got[0]![0], NEVER);
  assert.equal(got[1], [{ kind: 'verdict', verdict: { kind: 'accept' } }]);
  assert.equal(got[2]![0], NEVER);
});

test('listed, it reads as the command nft loaded it from: `meta mark & 0x80000000 == 1`', () => {
  const loaded = oneChain([[match('==', and(mark, 0x80000000), 1), ret]]);
  const listed = listing(oneChain([[match('==', mark, markPrefix(1, 1)), ret]]));
  assert.is(withoutOrigins([program(listed)]), withoutOrigins([program(loaded)]));
});

test('in a command document it stays refused, and so does a listed one behind a mask', () => {
  assert.is(onlyError(oneChain([[match('==', mark, markPrefix(1, 1)), ret]])).code, 'nft-bad-value');
  // nft prints a prefix for a bare `meta mark` only (a mask and a prefix are never listed together)
  const masked = listing(oneChain([[match('==', and(mark, 0xc0000000), markPrefix(1, 1)), ret]]));
  assert.is(onlyError(masked).code, 'nft-bad-value');
});

test.run();
