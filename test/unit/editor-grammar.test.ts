// The TextMate grammar for .ksvc (editors/vscode/syntaxes/ksvc.tmLanguage.json) gives every
// character of every example and of every docs/language.md snippet a scope: no unknown token.
//
// The harness applies the grammar the way a TextMate engine applies `match` rules (the only kind
// the grammar uses, so no begin/end state): at each position every top-level rule (includes and
// nested `patterns` expanded, in order) is searched from there, the earliest match wins and ties
// go to the rule listed first. The grammar keeps to regexes that mean the same in Oniguruma and
// in JavaScript (no variable-length lookbehind, no possessive quantifiers, ASCII classes).
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

interface Rule {
  include?: string;
  match?: string;
  name?: string;
  captures?: Record<string, { name: string }>;
  patterns?: Rule[];
}
interface Grammar {
  scopeName: string;
  patterns: Rule[];
  repository: Record<string, Rule>;
}

const root = new URL('../../', import.meta.url);
const grammar = JSON.parse(
  readFileSync(new URL('editors/vscode/syntaxes/ksvc.tmLanguage.json', root), 'utf8'),
) as Grammar;

/** The `match` rules in the order the engine tries them. */
function flatten(rules: readonly Rule[]): { re: RegExp; rule: Rule }[] {
  return rules.flatMap((r) => {
    if (r.include !== undefined) return flatten([grammar.repository[r.include.slice(1)]!]);
    if (r.patterns !== undefined) return flatten(r.patterns);
    return r.match === undefined ? [] : [{ re: new RegExp(r.match, 'g'), rule: r }];
  });
}
const RULES = flatten(grammar.patterns);

interface Token {
  text: string;
  scope: string;
}

/** Tokenise one line; characters no rule covers (other than blanks) come back with scope ''. */
export function tokenize(line: string): Token[] {
  const out: Token[] = [];
  let pos = 0;
  while (pos < line.length) {
    let best: { index: number; text: string; rule: Rule; m: RegExpExecArray } | null = null;
    for (const { re, rule } of RULES) {
      re.lastIndex = pos;
      const m = re.exec(line);
      if (!m || m[0].length === 0) continue;
      if (best === null || m.index < best.index) best = { index: m.index, text: m[0], rule, m };
    }
    const end = best?.index ?? line.length;
    const gap = line.slice(pos, end);
    if (gap.trim() !== '') out.push({ text: gap.trim(), scope: '' });
    if (best === null) break;
    const scopes = best.rule.captures
      ? Object.entries(best.rule.captures)
          .filter(([i]) => best!.m[Number(i)] !== undefined)
          .map(([, c]) => c.name)
          .join(' ')
      : (best.rule.name ?? '');
    out.push({ text: best.text, scope: scopes });
    pos = best.index + best.text.length;
  }
  return out;
}

const ksvcTexts = (): [string, string][] => {
  const out: [string, string][] = [];
  for (const f of readdirSync(new URL('examples/', root)).filter((f) => f.endsWith('.ksvc')))
    out.push([`examples/${f}`, readFileSync(new URL(`examples/${f}`, root), 'utf8')]);
  const md = readFileSync(new URL('docs/language.md', root), 'utf8');
  for (const [i, m] of [...md.matchAll(/^( *)```ksvc\n([\s\S]*?)^ *```/gm)].entries())
    out.push([`docs/language.md snippet ${i + 1}`, m[2]!]);
  return out;
};

test('the grammar is valid: every include resolves, every rule compiles', () => {
  assert.is(grammar.scopeName, 'source.ksvc');
  assert.ok(RULES.length > 10);
});

test('every example and every docs/language.md snippet tokenises without an unknown token', () => {
  const texts = ksvcTexts();
  assert.ok(texts.length >= 12, `${texts.length} texts`);
  for (const [where, text] of texts) {
    for (const [i, line] of text.split(/\r\n|\r|\n/).entries()) {
      const unknown = tokenize(line).filter((t) => t.scope === '');
      assert.equal(unknown, [], `${where}:${i + 1}: ${line}`);
    }
  }
});

test('scopes: keywords, addresses (IPv6, CIDRs), ports, protocols, comments and names', () => {
  const scopeOf = (line: string, text: string) => tokenize(line).find((t) => t.text === text)?.scope;
  const port =
    '  dns-tcp: ClusterIP [fd00:32::10]:53/tcp nodePort 30053 -> endpoints:53, externalTrafficPolicy local  # x';
  assert.is(scopeOf(port, 'dns-tcp:'), 'entity.name.tag.port.ksvc punctuation.separator.key-value.ksvc');
  assert.is(scopeOf(port, 'ClusterIP'), 'support.type.service-type.ksvc');
  assert.is(scopeOf(port, '[fd00:32::10]:53'), 'constant.numeric.ip.v6.ksvc constant.numeric.port.ksvc');
  assert.is(scopeOf(port, 'tcp'), 'support.constant.protocol.ksvc');
  assert.is(scopeOf(port, '30053'), 'constant.numeric.integer.ksvc');
  assert.is(scopeOf(port, '->'), 'keyword.operator.arrow.ksvc');
  assert.is(scopeOf(port, 'local'), 'constant.language.value.ksvc');
  assert.is(scopeOf(port, '# x'), 'comment.line.number-sign.ksvc');
  const eps = '  endpoints 10.64.1.7 on node-a zone us-east-1a not-ready ports http=8080, fd00:64::7';
  assert.is(scopeOf(eps, '10.64.1.7'), 'constant.numeric.ip.v4.ksvc');
  assert.is(scopeOf(eps, 'fd00:64::7'), 'constant.numeric.ip.v6.ksvc');
  assert.is(scopeOf(eps, 'node-a'), 'variable.other.name.ksvc');
  assert.is(scopeOf(eps, 'not-ready'), 'constant.language.condition.ksvc');
  assert.is(scopeOf('  masq from outside 10.64.0.0/16', '10.64.0.0/16'), 'constant.numeric.ip.v4.ksvc');
  assert.is(scopeOf('  nodePort range 30000-32767', '30000-32767'), 'constant.numeric.integer.ksvc');
  assert.is(
    scopeOf('service kube-system/kube-dns {', 'service kube-system/kube-dns'),
    'keyword.control.block.ksvc entity.name.namespace.ksvc punctuation.separator.namespace.ksvc entity.name.type.service.ksvc',
  );
  // A character the language does not have is an unknown token (the test would catch a gap).
  assert.equal(
    tokenize('  endpoints 10.0.0.1 % x').filter((t) => t.scope === ''),
    [{ text: '%', scope: '' }],
  );
});

test.run();
