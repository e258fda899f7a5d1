// nft packs a rule's or an element's comment (its NUL and a 2-byte header) into 256 bytes of user
// data: past 253 bytes of UTF-8 `nft -j -f` fails ("Memory allocation failure", nft 1.0.6) and loads
// nothing. The schema bounded comments at 256 characters, so verify and diff passed such a file.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { accept, oneChain, read } from './nft-support.ts';

const test = suite('nft reader: comment length in bytes');
const errors = (doc: unknown) => read(doc as never).diagnostics.filter((d) => d.severity === 'error');

const withRuleComment = (comment: string) => {
  const doc = oneChain([[accept]]);
  const rule = doc.nftables.find((i) => 'add' in (i as object) && 'rule' in (i as { add: object }).add) as {
    add: { rule: Record<string, unknown> };
  };
  rule.add.rule.comment = comment;
  return doc;
};
const set = (elem: unknown) => ({ name: 's', type: 'ipv4_addr', elem: [elem] });
const commented = (comment: string) => ({ elem: { val: '10.0.0.1', comment } });

test('a rule comment, or an element comment, past 253 bytes of UTF-8: refused at the comment', () => {
  for (const comment of ['x'.repeat(254), 'é'.repeat(127), `${'é'.repeat(126)}xx`]) {
    const rule = errors(withRuleComment(comment));
    assert.equal(
      rule.map((d) => d.code),
      ['nft-schema'],
      `rule comment of ${comment.length}`,
    );
    assert.match(rule[0]!.path ?? '', /\/add\/rule\/comment$/);
    const elem = errors(oneChain([[accept]], { sets: [set(commented(comment))] }));
    assert.equal(
      elem.map((d) => d.code),
      ['nft-schema'],
      `element comment of ${comment.length}`,
    );
    assert.match(elem[0]!.path ?? '', /\/elem\/0\/elem\/comment$/);
  }
});

test('253 bytes is a comment nft loads', () => {
  for (const comment of ['x'.repeat(253), `${'é'.repeat(126)}x`]) {
    assert.equal(errors(withRuleComment(comment)), [], comment);
    assert.equal(errors(oneChain([[accept]], { sets: [set(commented(comment))] })), [], comment);
  }
});

test.run();
