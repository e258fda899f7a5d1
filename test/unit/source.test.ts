// Line starts of a source file: LF, CRLF and a lone CR each end a line, whichever of
// makeSourceFile's two scans (text without CR, text with CR) reads it.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeSourceFile, positionAt } from '../../common/source.ts';

/** The definition, one character at a time. */
function lineStartsOf(text: string): number[] {
  const out = [0];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] !== '\n')) out.push(i + 1);
  }
  return out;
}

test('line starts: LF, CRLF, lone CR, none, at the ends', () => {
  for (const text of ['', 'a', '\n', 'a\nb', 'a\n', '\n\n', 'a\r\nb', 'a\rb', '\r', '\r\n', 'a\r\n\rb\n', 'x\n\r']) {
    assert.equal(Array.from(makeSourceFile('t', text).lineStarts), lineStartsOf(text), JSON.stringify(text));
  }
  assert.equal(positionAt(makeSourceFile('t', 'ab\ncd'), 4), { line: 2, column: 2, offset: 4 });
});

test('line starts of random text agree with the definition', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom('a', '\n', '\r', ' ', '😀'), { maxLength: 40 }), (chars) => {
      const text = chars.join('');
      assert.equal(Array.from(makeSourceFile('t', text).lineStarts), lineStartsOf(text));
    }),
    { numRuns: 500 },
  );
});

test.run();
