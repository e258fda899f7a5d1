// A trailing comment inside the last endpoint entry of a statement that fits on one line: fmt must
// reach its fixed point in one pass (it used to break the entries one per line, and a second fmt
// joined them again).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeSourceFile } from '../../common/source.ts';
import { formatFile } from '../../grammar/format.ts';
import { parseKsvc } from '../../grammar/parse-ksvc.ts';

function fmt(text: string): string {
  const r = parseKsvc(makeSourceFile('t.ksvc', text));
  assert.equal(
    r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    [],
  );
  return formatFile(r.file);
}

const INPUT = `service a/b {
  ClusterIP 10.32.0.30:8080/tcp -> endpoints
  endpoints 10.64.1.10 on node-a, 10.64.2.10 # why
   on node-b
}
`;

test('a lone trailing comment inside the last entry: fmt is idempotent', () => {
  const once = fmt(INPUT);
  assert.is(fmt(once), once);
  assert.ok(once.includes('# why'));
});

test('with a comment after the statement too, the output is still a fixed point', () => {
  const once = fmt(INPUT.replace('on node-b', 'on node-b  # after'));
  assert.is(fmt(once), once);
  assert.ok(once.includes('# why') && once.includes('# after'));
});

test('a comment ending in U+FEFF or U+00A0 keeps it (only spaces and tabs are trailing whitespace)', () => {
  for (const ch of ['\ufeff', '\u00a0', '\u3000']) {
    const once = fmt(`# a${ch}\nservice a/b {  # b${ch} \t\n}\n`);
    assert.is(once, `# a${ch}\nservice a/b {  # b${ch}\n}\n`);
    assert.is(fmt(once), once);
  }
});

test.run();
