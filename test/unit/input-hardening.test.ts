// Issue 11, input side: what bad or odd input must not do to ksvc's answers.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkCommand } from '../../cli/check.ts';
import { type CliIO, MAX_INPUT_BYTES, readInputFile } from '../../cli/io.ts';
import { renderDiagnostics } from '../../cli/render-diagnostics.ts';
import { escapeControls } from '../../common/diagnostics.ts';
import { makeSourceFile } from '../../common/source.ts';
import { MAX_DIAGNOSTICS_PER_CODE } from '../../compiler/shared-rules/cap.ts';
import type { PortLine, ServiceBlock } from '../../grammar/ast.ts';
import { formatFile } from '../../grammar/format.ts';
import { parseKsvc } from '../../grammar/parse-ksvc.ts';
import { run } from './check-helpers.ts';
import { codesOf, docs, imp, only, slice, svc, WEB } from './kube-helpers.ts';

const text = (diags: Parameters<typeof renderDiagnostics>[0]) => renderDiagnostics(diags, new Map(), 'text', false);

test('control characters from YAML never reach a text diagnostic raw (ESC, BEL, CR, LF, NUL, C1, bidi)', () => {
  const evil = 'web\u001b]0;pwned\u0007\r\nerror[forged]: x\u0000\u009b2J\u202e';
  const r = imp(
    svc(
      '  clusterIP: 10.32.0.5\n  ports: [{port: 80}]',
      `name: "${evil.replace(/[\u0000-\u001f\u007f-\u009f\u202e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"\n  namespace: shop`,
    ),
  );
  const d = only(r.diagnostics, 'invalid-name');
  const out = text(r.diagnostics);
  assert.not.match(out, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  assert.ok(d.message.includes('web\\u001b]0;pwned\\u0007\\u000d\\u000aerror[forged]'), d.message);
  // A key (in the field path) is escaped too.
  const k = imp(svc('  clusterIP: 10.32.0.5\n  "bad\\u001bkey": 1\n  ports: [{port: 80}]'));
  const unknown = only(k.diagnostics, 'unknown-field');
  assert.not.match(`${unknown.message}${unknown.path}`, /\u001b/);
});

test('invisible characters are escaped too: soft hyphen, Hangul fillers, tag characters (a surrogate pair each)', () => {
  const tag = String.fromCodePoint(0xe0065);
  assert.is(escapeControls(`a\u00adb\u3164c\u115fd\u034fe${tag}f`), 'a\\u00adb\\u3164c\\u115fd\\u034fe\\u{e0065}f');
  // in a .ksvc file: the skipped characters are counted as characters, and shown escaped
  const r = run(`service a/b${tag}${String.fromCodePoint(0xe0076)} {\n}\n`);
  const d = r.diagnostics.find((x) => x.code === 'unexpected-character')!;
  assert.is(d.message, "unexpected characters '\\u{e0065}\\u{e0076}' (2 characters skipped)");
  // an emoji is one character, and a cut after 20 never splits one (no lone surrogate in JSON)
  const e = run(`service a/b { %${'\u{1F600}'.repeat(11)} }\n`).diagnostics.find(
    (x) => x.code === 'unexpected-character',
  )!;
  assert.match(e.message, /\(12 characters skipped\)$/);
  assert.not.match(e.message, /[\ud800-\udbff](?![\udc00-\udfff])/);
});

test("ksvc's own hints are not cut at 200 characters as quoted input is", () => {
  const r = run('service a/b {\n  http: ClusterIP 10.0.0.1:80/tcp -> endpoints bogus\n}\n');
  const hint = r.diagnostics.find((x) => x.hint?.startsWith('service statements'))!.hint!;
  assert.ok(hint.length > 200, hint);
  assert.match(hint, /'masq from outside \.\.\.'$/);
  assert.not.match(hint, /characters\)$/);
});

test('a 10 MB metadata.name and a 100,000-character namespace give short messages', () => {
  const big = 'a'.repeat(10 * 1024 * 1024);
  const ns = 'b'.repeat(100_000);
  const r = imp(svc('  clusterIP: 10.32.0.5\n  ports: [{port: 80}]', `name: ${big}\n  namespace: ${ns}`));
  assert.ok(r.diagnostics.length >= 2);
  for (const d of r.diagnostics) assert.ok(d.message.length < 600, `${d.code}: ${d.message.length} characters`);
  assert.match(
    only(
      r.diagnostics.filter((d) => /Service name/.test(d.message)),
      'invalid-name',
    ).message,
    /… \(10485760 characters\)/,
  );
});

test('.ksvc: a name of 100,000 characters gives a short message too', () => {
  const r = run(`service default/${'x'.repeat(100_000)} {\n  ClusterIP 10.0.0.1:80/tcp -> endpoints\n}\n`);
  const d = r.diagnostics.find((x) => x.code === 'invalid-service-name')!;
  assert.ok(d.message.length < 600, String(d.message.length));
});

test('a frame on a line of 20 million characters: the window around the caret (the line is not copied whole)', () => {
  const line = `${'x '.repeat(10_000_000)}`;
  const src = makeSourceFile('in.ksvc', `${line}\n`);
  const at = (column: number) => ({ line: 1, column, offset: column - 1 });
  const diag = (column: number) => ({
    code: 'x',
    severity: 'error' as const,
    message: 'm',
    file: 'in.ksvc',
    span: { start: at(column), end: at(column + 1) },
  });
  const out = renderDiagnostics([diag(1), diag(301), diag(19_999_901)], new Map([['in.ksvc', src]]), 'text', false);
  const lines = out.split('\n');
  const frames = lines.filter((l) => l.startsWith('1 | '));
  assert.equal(frames, [`1 | ${'x '.repeat(80)}…`, `1 | …${'x '.repeat(80)}…`, `1 | …${'x '.repeat(70)}`]);
  // the caret under its character: after '…' and 40 characters
  assert.equal(lines[lines.indexOf(frames[2]!) + 1], `  | ${' '.repeat(41)}^`);
});

test('frames of YAML sources still show the line (the renderer escapes the source line)', () => {
  const src = makeSourceFile('in.yaml', 'a\u001b: 1\n');
  const out = renderDiagnostics(
    [
      {
        code: 'x',
        severity: 'error',
        message: 'm',
        file: 'in.yaml',
        span: { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 2, offset: 1 } },
      },
    ],
    new Map([['in.yaml', src]]),
    'text',
    false,
  );
  assert.not.match(out, /\u001b/);
});

test('CR-only line endings: a comment ends at the CR, and lines are counted (issue 11 item 7)', () => {
  const r = run(
    '# kube-dns\rservice default/web {\r  ClusterIP 10.0.0.1:80/tcp -> endpoints\r  endpoints 10.0.0.300\r}\r',
  );
  const d = r.diagnostics.find((x) => x.code === 'invalid-address');
  assert.ok(d, JSON.stringify(r.diagnostics));
  assert.equal([d!.span!.start.line, d!.span!.start.column], [4, 13]);
  const ok = run('# a comment\rservice default/web {\r  ClusterIP 10.0.0.1:80/tcp -> endpoints\r}\r');
  assert.is(ok.model?.services.length, 1);
  // CRLF and lone CR mixed in one file count one line each.
  const mixed = run('# one\r\n# two\rservice default/web {\n  ClusterIP 10.0.0.1:80/tcp -> endpoints, bogus\n}\n');
  assert.is(mixed.diagnostics[0]?.span?.start.line, 4);
});

test('the caret stays under its token after wide characters and in a long line of astral ones', () => {
  const caretUnder = (text: string, needle: string) => {
    const r = run(text);
    const d = r.diagnostics.find((x) => x.severity === 'error')!;
    const out = renderDiagnostics([d], new Map([[d.file, makeSourceFile(d.file, text)]]), 'text', false);
    const lines = out.split('\n');
    const at = lines.findIndex((l) => l.includes(needle) && / \| /.test(l));
    const shown = lines[at]!.slice(lines[at]!.indexOf('| ') + 2);
    const caret = lines[at + 1]!.slice(lines[at + 1]!.indexOf('| ') + 2);
    // display columns before the needle: CJK ideographs take two
    const before = Array.from(shown.slice(0, shown.indexOf(needle))).reduce(
      (n, ch) => n + (/[\u3000-\u9fff]/.test(ch) ? 2 : 1),
      0,
    );
    assert.is(caret.indexOf('^'), before, out);
    assert.not.match(out, /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  };
  caretUnder(
    'node n {\n  address 172.16.1.35\n}\nservice 日本/b { http: ClusterIP 10.0.0.1:80/tcp -> endpoint }\n',
    'endpoint',
  );
  const astral = '\u{1D400}'.repeat(200);
  caretUnder(`service a/b {\n  endpoints 10.0.0.5 zone ${astral} bogus\n}\n`, 'bogus');
});

test('emoji of every wide block take two columns before the caret (🙂, 🚀, 🤖, 🫠)', () => {
  for (const emoji of ['🙂', '🚀', '🤖', '🫠']) {
    const text = `x ${emoji} bogus\n`;
    const src = makeSourceFile('in.ksvc', text);
    const at = (column: number, offset: number) => ({ line: 1, column, offset });
    const d = {
      code: 'x',
      severity: 'error' as const,
      message: 'm',
      file: 'in.ksvc',
      span: { start: at(5, 5), end: at(10, 10) },
    };
    const lines = renderDiagnostics([d], new Map([['in.ksvc', src]]), 'text', false).split('\n');
    const caret = lines.find((l) => l.includes('^'))!;
    // 'x ', the emoji (two columns), ' ': five columns before 'bogus'
    assert.is(caret.slice(caret.indexOf('| ') + 2).indexOf('^'), 5, emoji);
  }
});

test('columns count characters, not UTF-16 units (issue 11 item 15)', () => {
  const line = '  endpoints 10.0.0.2 on 𝔫𝔬𝔡𝔢, 10.0.0.300';
  const r = run(`service default/web {\n  ClusterIP 10.0.0.1:80/tcp -> endpoints\n${line}\n}\n`);
  const d = r.diagnostics.find((x) => x.code === 'invalid-address')!;
  const before = line.slice(0, line.indexOf('10.0.0.300'));
  assert.is(d.span!.start.column, Array.from(before).length + 1);
  assert.is.not(d.span!.start.column, before.length + 1);
  const y = imp(
    `# 😀😀\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {clusterIP: "😀 10.32.0.300", ports: [{port: 80}]}\n`,
  );
  const bad = y.diagnostics.find((x) => x.code === 'invalid-address')!;
  assert.is(bad.span!.start.column, Array.from('spec: {clusterIP: ').length + 1);
});

/** A CliIO that keeps what a command prints. */
function capturedIO(): { io: CliIO; out: { stdout: string; stderr: string } } {
  const out = { stdout: '', stderr: '' };
  const io: CliIO = {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    color: false,
    env: {},
    cwd: '/',
  };
  return { io, out };
}

async function checkFiles(...argv: string[]) {
  const { io, out } = capturedIO();
  const code = await checkCommand.run(argv, io);
  return { code, ...out };
}

test('an empty, blank or comment-only .ksvc is a warning, an error with --strict (issue 11 item 8)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ksvc-empty-'));
  for (const [name, body] of [
    ['empty.ksvc', ''],
    ['blank.ksvc', '  \n\t\n'],
    ['comments.ksvc', '# nothing here\n# at all\n'],
    ['nodes-only.ksvc', 'node a {\n  address 10.0.0.1\n}\n'],
  ] as const) {
    const file = path.join(dir, name);
    writeFileSync(file, body);
    const plain = await checkFiles(file);
    assert.is(plain.code, 0, name);
    assert.match(plain.stdout, /warning\[no-services\]/, name);
    const strict = await checkFiles('--strict', file);
    assert.is(strict.code, 1, name);
    assert.match(strict.stdout, /error\[no-services\]/, name);
  }
});

test('3,000 endpoints on 3,000 misspelt nodes: a few errors and a count, not 3,000 (issue 11 item 12)', () => {
  const n = 3000;
  const nodes = Array.from({ length: n }, (_, i) => `node worker-${i} {\n  address 10.1.${i >> 8}.${i & 255}\n}\n`);
  const eps = Array.from({ length: n }, (_, i) => `10.2.${i >> 8}.${i & 255} on wroker-${i}`);
  const r = run(
    `${nodes.join('')}service default/web {\n  ClusterIP 10.96.0.1:80/tcp -> endpoints\n  endpoints ${eps.join(', ')}\n}\n`,
  );
  const unknown = r.diagnostics.filter((d) => d.code === 'unknown-endpoint-node');
  assert.is(unknown.length, MAX_DIAGNOSTICS_PER_CODE);
  assert.is(unknown[0]!.hint, 'did you mean worker-0?');
  const more = r.diagnostics.filter((d) => d.code === 'more-errors-omitted');
  assert.is(more.length, 1);
  assert.is(
    more[0]!.message,
    `${n - MAX_DIAGNOSTICS_PER_CODE} more 'unknown-endpoint-node' errors not shown (the first ones are above)`,
  );
  assert.is(r.model, null);
});

test('hints that are themselves valid: 203.0.113.000/025 -> 203.0.113.0/25 (issue 11 item 14)', () => {
  for (const [written, want] of [
    ['203.0.113.000/025', '203.0.113.0/25'],
    ['010.0.0.0/8', '10.0.0.0/8'],
    ['10.0.0.0/08', '10.0.0.0/8'],
  ] as const) {
    const r = run(`cluster {\n  masq from outside ${written}\n}\n`);
    const d = r.diagnostics.find((x) => x.code === 'invalid-cidr');
    assert.is(d?.hint, `write ${want}`, written);
    const again = run(`cluster {\n  masq from outside ${want}\n}\n`);
    assert.equal(
      again.diagnostics.filter((x) => x.severity === 'error'),
      [],
    );
  }
});

test('internalTrafficPolicy local without any endpoint: the warning says REJECT, as the output does (issue 11 item 14)', () => {
  const none = run('service default/web {\n  ClusterIP 10.0.0.1:80/tcp -> endpoints, internalTrafficPolicy local\n}\n');
  const w = none.diagnostics.find((d) => d.code === 'internal-traffic-policy-no-node-endpoints')!;
  assert.match(w.message, /rejects its traffic/);
  assert.not.match(w.message, /drops/);
  const unplaced = run(
    'service default/web {\n  ClusterIP 10.0.0.1:80/tcp -> endpoints, internalTrafficPolicy local\n  endpoints 10.0.0.9\n}\n',
  );
  assert.match(
    unplaced.diagnostics.find((d) => d.code === 'internal-traffic-policy-no-node-endpoints')!.message,
    /drops/,
  );
});

test('numbers keep their written value in messages and in fmt (issue 11 item 13)', () => {
  const huge = '9'.repeat(401);
  const r = run(
    `service default/web {\n  NodePort 10.0.0.1:99999999999999999999999999999/tcp nodePort ${huge} -> endpoints\n}\n`,
  );
  const port = r.diagnostics.find((d) => d.code === 'invalid-port')!;
  assert.match(port.message, /port 99999999999999999999999999999 is out of range/);
  const np = r.diagnostics.find((d) => d.code === 'node-port-out-of-range')!;
  assert.ok(np.message.includes('9'.repeat(100)), np.message);
  for (const d of r.diagnostics) assert.not.match(d.message, /Infinity|e\+\d/);
  const bit = run('cluster {\n  masq bit 000000000000000000000000000000000000000042\n}\n');
  assert.match(bit.diagnostics.find((d) => d.code === 'invalid-masq-bit')?.message ?? '', /bit 0+42 /);
  // fmt prints the digits, not 1e+29.
  const f = formatFile(
    parseKsvc(
      makeSourceFile(
        'f.ksvc',
        'service a/b {\n  ClusterIP 10.0.0.1:099999999999999999999999999999/tcp -> endpoints\n}\n',
      ),
    ).file,
  );
  assert.match(f, /10\.0\.0\.1:99999999999999999999999999999\/tcp/);
});

test("'-> endpoints:' at the end of a line does not take the next line's word (issue 11 item 15)", () => {
  const p = parseKsvc(
    makeSourceFile(
      't.ksvc',
      'service a/b {\n  http: ClusterIP 10.0.0.1:80/tcp -> endpoints:\n  endpoints 10.0.0.2\n}\n',
    ),
  );
  assert.equal(
    p.diagnostics.map((d) => [d.code, d.span?.start.line, d.span?.start.column]),
    [['expected-token', 2, 48]],
  );
  const items = (p.file.blocks[0] as ServiceBlock).items;
  assert.equal(
    items.map((i) => i.kind),
    ['Port', 'Endpoints'],
  );
  assert.is((items[0] as PortLine).targetPort, null);
  // On the same line a target is read as before, numbers and names alike.
  const ok = parseKsvc(
    makeSourceFile('t.ksvc', 'service a/b {\n  http: ClusterIP 10.0.0.1:80/tcp -> endpoints:http\n}\n'),
  );
  assert.equal(ok.diagnostics, []);
});

test('YAML `port: 0120` is read as Kubernetes reads it: octal 80 (go-yaml v2, YAML 1.1) (issue 11 item 15)', () => {
  const portOf = (written: string) => {
    const r = imp(svc(`  clusterIP: 10.32.0.5\n  ports: [{port: ${written}, targetPort: ${written}}]`));
    return r.model?.services[0]?.ports[0]
      ? [r.model.services[0].ports[0].port, r.model.services[0].ports[0].targetPort]
      : r.diagnostics.map((d) => d.code);
  };
  assert.equal(portOf('0120'), [80, 80]);
  assert.equal(portOf('0x50'), [80, 80]);
  assert.equal(portOf('0o120'), [80, 80]);
  assert.equal(portOf('8_0'), [80, 80]);
  assert.equal(portOf('0129'), [129, 129]); // not octal: go-yaml falls back to a (whole) float
  assert.equal(portOf('80'), [80, 80]);
  assert.equal(portOf('"80"'), ['wrong-type', 'invalid-value']); // quoted: a string, as for the API
  // goyaml.v2's float pattern: `80.`, `.8e2` and `8e1` are whole floats, 80
  assert.equal(portOf('80.'), [80, 80]);
  assert.equal(portOf('.8e2'), [80, 80]);
  assert.equal(portOf('8e1'), [80, 80]);
});

test('YAML 1.1 booleans as Kubernetes reads them: `ready: yes` is true; an unquoted `on` where a string goes is refused', () => {
  const ready = (written: string, comment: string) =>
    imp(
      docs(
        WEB,
        slice(`addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints:
- addresses: [10.64.1.5]${comment}
  conditions: {ready: ${written}, serving: ${written}}`),
      ),
    );
  // with and without a comment inside the document (the fast path declines comments)
  for (const comment of ['', '  # a pod']) {
    for (const [w, ok] of [
      ['yes', true],
      ['On', true],
      ['y', true],
      ['NO', false],
      ['off', false],
      ['n', false],
    ] as const) {
      const r = ready(w, comment);
      assert.equal(r.diagnostics, [], `${w}${comment}`);
      assert.is(r.model!.services[0]!.endpoints[0]!.conditions.ready, ok, `${w}${comment}`);
    }
    const quoted = ready('"yes"', comment);
    assert.equal(codesOf(quoted.diagnostics), ['wrong-type', 'wrong-type'], comment);
  }
  const named = (name: string) =>
    imp(svc(`  clusterIP: 10.32.0.5\n  ports:\n  - {name: ${name}, port: 80, targetPort: ${name}}  # named`));
  const on = named('on');
  assert.equal(codesOf(on.diagnostics), ['wrong-type', 'wrong-type']);
  assert.match(on.diagnostics[0]!.message, "'name' must be a string, found the boolean on");
  assert.match(on.diagnostics[0]!.hint ?? '', 'quote it ("on")');
  assert.equal(named('"on"').diagnostics, []);
});

test('a source frame never shows bidi controls, C1 controls or invisible characters raw; the caret keeps its column', () => {
  // RLO reverses what follows on a terminal, U+009B is CSI (2J clears the screen), then a
  // zero-width space, a BOM and a line separator
  const line = '  bogus \u202e evil \u009b2J \u200b\ufeff\u2028 x';
  const source = makeSourceFile('t.ksvc', `cluster {\n${line}\n}\n`);
  const r = run(source.text);
  const out = renderDiagnostics(r.diagnostics, new Map([['t.ksvc', source]]), 'text', false);
  assert.not.match(out, /[\u0080-\u009f\u202a-\u202e\u200b\ufeff\u2028]/);
  const frame = out.split('\n');
  const shown = frame.findIndex((l) => l.startsWith('2 | '));
  assert.is(frame[shown], '2 |   bogus � evil �2J ��� x');
  // the unexpected RLO (column 9) is underlined where the '�' standing for it is
  const rlo = out.split('\n\n').find((block) => block.includes("'\\u202e'"))!;
  const [, lineShown, caret] = rlo.split('\n').filter((l) => /^\s*\d* \|/.test(l));
  assert.is(caret!.indexOf('^') - caret!.indexOf('|'), lineShown!.indexOf('�') - lineShown!.indexOf('|'));
  // a name with an invisible character is shown with it escaped, so it cannot pass for another
  const y = imp(svc('  clusterIP: 10.32.0.5\n  ports: [{port: 80}]', 'name: "web\\u200b"\n  namespace: shop'));
  assert.match(only(y.diagnostics, 'invalid-name').message, /web\\u200b/);
});

test('file names are input too: a planted name with ESC, BEL or RLO never reaches the terminal raw', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ksvc-names-'));
  const evil = 'x\u001b]0;pwned\u0007\u202e';
  const bad = path.join(dir, `${evil}.ksvc`);
  writeFileSync(bad, 'cluster {\n  bogus\n}\n');
  const raw = /[\u001b\u0007\u202e]/;
  for (const argv of [[bad], ['--output', 'github', bad], [`${bad}.missing`]]) {
    const r = await checkFiles(...argv);
    assert.ok(r.code !== 0);
    assert.not.match(`${r.stdout}${r.stderr}`, raw, argv.join(' '));
    assert.match(`${r.stdout}${r.stderr}`, /x\\u001b\]0;pwned\\u0007\\u202e/, argv.join(' '));
  }
  // JSON: the name is the same string once parsed, but no bidi control stands raw in the text
  // (`jq -r` would print it): JSON.stringify escapes C0 controls only
  const json = await checkFiles('--output', 'json', bad);
  assert.not.match(json.stdout, raw);
  assert.is(JSON.parse(json.stdout).diagnostics[0].file, bad);
  // verify's header and rule origins name the artifact files
  const ipt = path.join(dir, `${evil}.rules`);
  const nft = path.join(dir, `${evil}.json`);
  const example = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/seed-nodeport.ksvc');
  const { io, out } = capturedIO();
  const { runCli } = await import('../../cli/main.ts');
  assert.is(await runCli(['compile', example, '--backend', 'iptables', '--with-hooks', '-o', ipt], io), 0);
  assert.is(await runCli(['compile', example, '--backend', 'nftables', '-o', nft], io), 0);
  assert.is(await runCli(['verify', '--iptables', ipt, '--nft', nft], io), 0, out.stderr);
  const packet = ['--src', '203.0.113.9', '--dst', '10.32.0.159', '--proto', 'tcp', '--dport', '8080'];
  assert.is(await runCli(['explain', '--iptables', ipt, '--nft', nft, ...packet], io), 0, out.stderr);
  assert.match(out.stdout, /\.rules:\d+/); // explain's origins were printed
  assert.not.match(`${out.stdout}${out.stderr}`, raw);
});

test('a line break in a file name or a flag value never starts a line of its own (a GitHub workflow command)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ksvc-lines-'));
  const forged = '\n::error file=README.md,line=1::Build poisoned\n';
  const example = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/seed-nodeport.ksvc');
  const { runCli } = await import('../../cli/main.ts');
  const runs: string[][] = [
    ['check', path.join(dir, `x${forged}.ksvc`)],
    ['check', '--output', 'github', path.join(dir, `x${forged}.ksvc`)],
    ['fmt', path.join(dir, `x${forged}.ksvc`)],
    ['verify', '--iptables', path.join(dir, `x${forged}.rules`)],
    ['compile', example, '--backend', `x${forged}`],
    ['compile', example, '--backend', 'iptables', '-o', path.join(dir, `no${forged}`, 'out.rules')],
  ];
  for (const argv of runs) {
    const { io, out } = capturedIO();
    assert.is(await runCli(argv, io), 2, argv.join(' '));
    const lines = `${out.stdout}${out.stderr}`.split('\n');
    assert.ok(
      lines.some((l) => l.includes('Build poisoned')),
      argv.join(' '),
    );
    // (--output github writes its own annotation, with the name escaped inside it)
    assert.not.ok(
      lines.some((l) => l.trimStart().startsWith('::error file=README.md')),
      `${argv.join(' ')}:\n${out.stderr}`,
    );
  }
});

test('a file name that is not UTF-8 (Node passes U+FFFD) is refused, read or written: it would name another file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ksvc-utf8-'));
  const example = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/seed-nodeport.ksvc');
  const { runCli } = await import('../../cli/main.ts');
  const out = path.join(dir, 'out\uFFFD.ipt');
  writeFileSync(path.join(dir, 'in\uFFFD.ksvc'), 'cluster {\n}\n');
  for (const argv of [
    ['compile', example, '--backend', 'iptables', '-o', out],
    ['check', path.join(dir, 'in\uFFFD.ksvc')],
  ]) {
    const { io, out: o } = capturedIO();
    assert.is(await runCli(argv, io), 2, argv.join(' '));
    assert.match(o.stderr, 'the name is not valid UTF-8', argv.join(' '));
  }
  assert.not.ok(existsSync(out));
});

test('a device or FIFO without an end is read up to the limit, then refused; a FIFO that ends is read', async () => {
  const { io } = capturedIO();
  assert.equal(readInputFile(io, '/dev/zero', 1000), {
    ok: false,
    file: '/dev/zero',
    reason: 'larger than 1000 bytes',
    message: '/dev/zero: larger than 1000 bytes',
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'ksvc-fifo-'));
  const fifo = path.join(dir, 'in.ksvc');
  assert.is(spawnSync('mkfifo', [fifo]).status, 0);
  const writer = spawn('sh', ['-c', 'printf "cluster {\\n}\\n" > "$1"', 'sh', fifo]);
  const read = readInputFile(io, fifo);
  await new Promise((resolve) => writer.on('close', resolve));
  assert.equal(read, { ok: true, text: 'cluster {\n}\n' });
});

test('standard input longer than the limit: refused with exit 2, not read without end', () => {
  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/ksvc.cjs');
  assert.ok(existsSync(bin));
  const r = spawnSync(process.execPath, [bin, 'check', '-'], {
    input: Buffer.alloc(MAX_INPUT_BYTES + 1, 0x20),
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`-: larger than ${MAX_INPUT_BYTES} bytes`));
});

test.run();
