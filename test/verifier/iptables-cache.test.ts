// The fast path cannot change meaning: for every line of the corpus (goldens, fixtures, ksvc's
// output of every example), the hand tokenizer + cached skeleton template and a direct ohm match
// of the whole line give the same tokens, the same template and the same converted rule.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Diagnostic } from '../../common/diagnostics.ts';
import { newSharedSteps, type RuleContext, type Table } from '../../verifier/iptables/context.ts';
import { convertRule } from '../../verifier/iptables/convert.ts';
import { cachedTemplate, matchLineDirect } from '../../verifier/iptables/template.ts';
import { tokenizeLine } from '../../verifier/iptables/tokenize.ts';
import type { Step } from '../../verifier/model/program.ts';
import { corpusLines } from './iptables-support.ts';

const test = suite('iptables reader: cached skeletons mean what the grammar says');

/** Convert a rule template with its tokens, in a fresh context (no shared steps between the two paths). */
function convert(
  table: Table,
  tpl: Parameters<typeof convertRule>[1],
  texts: string[],
  starts: number[],
  ends: number[],
): { steps: Step[]; errors: string[] } {
  const errors: Diagnostic[] = [];
  const ctx: RuleContext = {
    table,
    texts,
    where: (at) => ({
      file: 'f',
      span:
        at < 0
          ? null
          : {
              start: { line: 1, column: starts[at]! + 1, offset: starts[at]! },
              end: { line: 1, column: ends[at]! + 1, offset: ends[at]! },
            },
    }),
    line: 1,
    errors,
    fileErrors: errors,
    family: { family: null, from: '' },
    protocol: null,
    notes: null,
    shared: newSharedSteps(),
  };
  const steps = convertRule(ctx, tpl);
  return { steps, errors: errors.map((d) => `${d.code}@${d.span?.start.column}: ${d.message}`) };
}

test('every corpus line: same tokens, same template, same rule by either path', () => {
  const lines = corpusLines();
  assert.ok(lines.length > 800, `corpus has only ${lines.length} distinct lines`);
  let rules = 0;
  for (const { label, line, table } of lines) {
    const tokens = tokenizeLine(line);
    const cached = cachedTemplate(tokens);
    const direct = matchLineDirect(line);
    if (cached.kind === 'failure' || 'failed' in direct) {
      assert.unreachable(`${label}: refused (cached: ${cached.kind}, direct: ${'failed' in direct}): ${line}`);
      continue;
    }
    const n = tokens.count;
    assert.equal(direct.texts, tokens.texts.slice(0, n), `${label}: token texts`);
    assert.equal(direct.starts, tokens.starts.slice(0, n), `${label}: token starts`);
    assert.equal(direct.ends, tokens.ends.slice(0, n), `${label}: token ends`);
    assert.equal(direct.template, cached, `${label}: template`);
    if (cached.kind !== 'rule' || direct.template.kind !== 'rule' || table === null) continue;
    const a = convert(table, cached, tokens.texts.slice(0, n), tokens.starts.slice(0, n), tokens.ends.slice(0, n));
    const b = convert(table, direct.template, direct.texts, direct.starts, direct.ends);
    assert.equal(a, b, `${label}: converted rule`);
    rules++;
  }
  assert.ok(rules > 600, `only ${rules} rules compared`);
  assert.ok(
    new Set(lines.map((l) => tokenizeLine(l.line).skeleton)).size < 200,
    'the whole corpus (every feature, three spellings) has a few dozen skeletons per spelling',
  );
});

test('tokens: quotes and escapes as iptables-restore 1.8 splits them', () => {
  const cases: [string, string[]][] = [
    [
      '-A X -m comment --comment "a \\"q\\" b\\\\c d\'e" -j ACCEPT',
      ['-A', 'X', '-m', 'comment', '--comment', 'a "q" b\\c d\'e', '-j', 'ACCEPT'],
    ],
    ['-A X -m comment --comment a\\b -j ACCEPT', ['-A', 'X', '-m', 'comment', '--comment', 'a\\b', '-j', 'ACCEPT']],
    ['-A X -m comment --comment ab"c d" -j ACCEPT', ['-A', 'X', '-m', 'comment', '--comment', 'abc d', '-j', 'ACCEPT']],
    ['-A X -m comment --comment "" -j ACCEPT', ['-A', 'X', '-m', 'comment', '--comment', '', '-j', 'ACCEPT']],
    ['-A X -m comment --comment -x -j ACCEPT', ['-A', 'X', '-m', 'comment', '--comment', '-x', '-j', 'ACCEPT']],
    ['-A X\t-m nfacct --nfacct-name  n -j DROP', ['-A', 'X', '-m', 'nfacct', '--nfacct-name', 'n', '-j', 'DROP']],
    [':KUBE-X - [0:0]', [':', 'KUBE-X', '-', '[0:0]']],
  ];
  for (const [line, texts] of cases) {
    const t = tokenizeLine(line);
    assert.equal(t.texts.slice(0, t.count), texts, line);
    const d = matchLineDirect(line);
    assert.ok(!('failed' in d), line);
    if (!('failed' in d)) assert.equal(d.texts, texts, `${line} (ohm)`);
  }
  assert.equal(
    tokenizeLine('-A X -m comment --comment "c d"ef').texts.slice(0, 6)[5],
    'c d',
    'a closing quote ends the token',
  );
  assert.equal(tokenizeLine('-A X -m comment --comment "open').unterminatedQuoteAt, 26);
});

test('skeletons: values become placeholders; options, modules and known targets stay', () => {
  assert.equal(
    tokenizeLine('-A KUBE-SVC-X -m comment --comment "-m tcp" -m tcp -p tcp --dport 80 -j KUBE-SEP-Y').skeleton,
    '-A ⟨v⟩ -m comment --comment ⟨v⟩ -m tcp -p ⟨v⟩ --dport ⟨v⟩ -j ⟨v⟩',
  );
  assert.equal(tokenizeLine('[0:0] -A X -j "DNAT"').skeleton, '⟨v⟩ -A ⟨v⟩ -j ⟨v⟩');
  assert.equal(tokenizeLine('-A X -j DNAT --to-destination 1.2.3.4').skeleton, '-A ⟨v⟩ -j DNAT --to-destination ⟨v⟩');
});

test.run();
