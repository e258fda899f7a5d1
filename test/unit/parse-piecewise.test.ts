// The piecewise parse (parseKsvc's fast path for a file without errors) gives exactly what the
// one-pass parse gives — the same AST, spans included, and the same diagnostics — and the lexer's
// pieces add up to the whole token list.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKsvc } from '../../bench/generate.ts';
import { makeSourceFile, SourceSpan, spanOf } from '../../common/source.ts';
import { lex, lexSegment } from '../../grammar/lexer.ts';
import { parseKsvc, parseKsvcOnePass, readPieces } from '../../grammar/parse-ksvc.ts';
import { ACCEPTANCE } from '../property/parse-corpus.ts';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');
const exampleTexts = readdirSync(examples)
  .filter((f) => f.endsWith('.ksvc'))
  .map((f) => readFileSync(path.join(examples, f), 'utf8'));
const generated = [
  generateKsvc({ services: 300, endpointsPerService: 7, seed: 3 }),
  generateKsvc({ services: 40, endpointsPerService: 1, seed: 9, nodes: 2 }),
];
const wellFormed = [...ACCEPTANCE, ...exampleTexts, ...generated];

const lexedText = (text: string) => {
  const r = lex(text);
  return {
    tokens: r.tokens.map((t) => [t.image, t.startOffset, t.tokenType.name]),
    comments: r.comments,
    errors: r.errors,
  };
};

function piecewiseLexed(text: string, minTokens: number) {
  const out = { tokens: [] as unknown[], comments: [] as unknown[], errors: [] as unknown[] };
  let pieces = 0;
  for (let start = 0; start < text.length; pieces++) {
    const r = lexSegment(text, start, minTokens);
    out.tokens.push(...r.tokens.map((t) => [t.image, t.startOffset, t.tokenType.name]));
    out.comments.push(...r.comments);
    out.errors.push(...r.errors);
    assert.ok(r.end > start, 'every piece moves on');
    start = r.end;
  }
  return { out, pieces };
}

test('the lexer pieces add up to the whole token list, comments and errors', () => {
  const texts = [
    ...wellFormed,
    'service a/b { x: ClusterIP 10.0.0.1:80/tcp -> endpoints }} } {{ node n { address 1.2.3.4 }',
    'node n {\n  address 1.2.3.4 # }\n}\nservice a/b { % ; }\nendpoints: 1',
  ];
  for (const text of texts) {
    for (const minTokens of [1, 5, 64, 4096]) {
      const { out, pieces } = piecewiseLexed(text, minTokens);
      assert.equal(out, lexedText(text));
      if (minTokens === 1 && text === generated[0]) assert.ok(pieces > 300, 'one piece per top-level block');
    }
  }
});

test('well-formed files: the piecewise parse equals the one-pass parse, spans included', () => {
  for (const text of wellFormed) {
    const source = makeSourceFile('x.ksvc', text);
    const piecewise = parseKsvc(source);
    assert.equal(piecewise.diagnostics, []);
    assert.equal(piecewise, parseKsvcOnePass(source));
  }
});

test('files with errors or warnings of the parser: the same diagnostics and AST as the one-pass parse', () => {
  const texts = [
    `${generated[1]}\nservice x/y {\n  p: ClusterIP 10.0.0.9:80/tcp -> endpoints:\n}\n`,
    `${generated[1]}\nservice x/y {\n  p: ClusterIP 10.0.0.9:80/tcp -> endpoints\n`,
    `service a/b {\n  p: ClusterIP fd00::1:80/tcp -> endpoints\n  endpoints 10.0.0.1 on n on m\n}\n${generated[1]}`,
    `${generated[1]}\nnode n { address 1.2.3.4 } }\n`,
    `${generated[1]}\n  \u00a7 stray\n`,
  ];
  for (const text of texts) {
    const source = makeSourceFile('x.ksvc', text);
    const piecewise = parseKsvc(source);
    assert.ok(piecewise.diagnostics.length > 0);
    assert.equal(piecewise, parseKsvcOnePass(source));
  }
});

test('a piece past maxTokens is cut where it stands; the cut pieces still add up to the whole', () => {
  const text = `service a/b {\n${'x '.repeat(1000)}\n}\n${'} '.repeat(500)}`;
  const first = lexSegment(text, 0, 4, 100);
  assert.is(first.cut, true);
  assert.is(first.tokens.length, 100);
  const out = { tokens: [] as unknown[], comments: [] as unknown[], errors: [] as unknown[] };
  for (let start = 0; start < text.length; ) {
    const r = lexSegment(text, start, 4, 100);
    out.tokens.push(...r.tokens.map((t) => [t.image, t.startOffset, t.tokenType.name]));
    start = r.end;
  }
  assert.equal(out.tokens, lexedText(text).tokens);
  // a block that never closes: the ordinary parse's answer
  const unclosed = `${generated[1]}\nservice x/y {\n${'  endpoints 10.0.0.1\n'.repeat(20_000)}`;
  const source = makeSourceFile('x.ksvc', unclosed);
  const piecewise = parseKsvc(source);
  assert.equal(
    piecewise.diagnostics.map((d) => d.code),
    ['missing-brace'],
  );
  assert.equal(piecewise, parseKsvcOnePass(source));
  // the piecewise reading gives up at a piece past its bound, before lexing the rest (a valid
  // block that long is read the ordinary way); under the bound it reads on
  const big = makeSourceFile(
    'x.ksvc',
    `${generated[1]}\nservice x/y {\n  p: ClusterIP 10.32.0.9:80/tcp -> endpoints\n${'  endpoints 10.0.0.1\n'.repeat(5_000)}}\n`,
  );
  assert.is(
    readPieces(big, () => true, 1_000),
    false,
  );
  assert.is(
    readPieces(big, () => true),
    true,
  );
});

test('a SourceSpan reads and serializes as the span spanOf computes', () => {
  const source = makeSourceFile('x.ksvc', 'ab\r\ncd\re\u{1F600}f\n\ngh');
  for (let s = 0; s <= source.text.length; s++) {
    for (let e = s; e <= source.text.length; e++) {
      const lazy = new SourceSpan(source, s, e);
      const eager = spanOf(source, s, e);
      assert.equal({ start: lazy.start, end: lazy.end }, eager);
      assert.is(JSON.stringify(lazy), JSON.stringify(eager));
    }
  }
});

test.run();
