// `ksvc verify`'s status line: shown on a terminal's stderr while it reads and checks (text output
// only), redrawn at most every 200 ms within a stage, erased before anything is printed; never
// on a pipe or file, never with --output json or github; the output itself is the same either way.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CliIO } from '../../cli/io.ts';
import { inCI } from '../../cli/io.ts';
import { statusLine } from '../../cli/status-line.ts';
import { progressText } from '../../cli/verify.ts';
import { compileWeb, ksvc, ksvcWith, tmp, WEB, write } from './verify-cli-support.ts';

const ERASE = '\r\x1b[2K';

const captured = (terminal: boolean) => {
  const out = { stderr: '' };
  const io: CliIO = {
    stdout: () => {},
    stderr: (t) => void (out.stderr += t),
    color: false,
    statusLine: terminal,
    env: {},
    cwd: tmp,
  };
  return { io, out };
};

test('status line: drawn in place, throttled within a stage, a new stage at once, erased once', () => {
  let now = 0;
  const { io, out } = captured(true);
  const line = statusLine(io, () => now, 200);
  line.show('check', 'a');
  now = 100;
  line.show('check', 'b'); // within 200 ms of the last: skipped
  line.show('read', 'c'); // a new stage: shown
  now = 350;
  line.show('read', 'd');
  line.clear();
  line.clear(); // nothing shown since: nothing written
  assert.is(out.stderr, `${ERASE}a${ERASE}c${ERASE}d${ERASE}`);
});

test('status line: nothing at all when stderr is not a terminal', () => {
  const { io, out } = captured(false);
  const line = statusLine(io, () => 0, 200);
  line.show('check', 'a');
  line.clear();
  assert.is(out.stderr, '');
});

test('CI turns the status line off as CI services set it; unset, empty, 0 and false do not', () => {
  for (const ci of ['true', '1', 'TRUE', 'github-actions']) assert.ok(inCI({ CI: ci }), ci);
  for (const ci of [undefined, '', '0', 'false', 'False']) assert.not.ok(inCI({ CI: ci }), String(ci));
});

test('progress texts: each stage, the shard count and its percentage', () => {
  assert.is(
    progressText({ stage: 'read', backend: 'nftables' }, false),
    'ksvc verify: compiling the nftables ruleset and reading it back',
  );
  assert.is(progressText({ stage: 'read', backend: 'iptables' }, true), 'ksvc verify: reading the iptables ruleset');
  assert.is(progressText({ stage: 'prepare' }, false), 'ksvc verify: building the packet space');
  assert.is(
    progressText({ stage: 'check', done: 1234, total: 62114 }, false),
    'ksvc verify: checking shards 1,234/62,114 (1 %)',
  );
});

test('verify on a terminal: the stages on stderr, erased at the end; stdout as without a terminal', async () => {
  const plain = await ksvc('verify', WEB);
  const tty = await ksvcWith({ statusLine: true }, 'verify', WEB);
  assert.is(tty.code, 0, tty.stderr);
  assert.is(tty.stdout, plain.stdout);
  assert.is(plain.stderr, '');
  const shown = tty.stderr.split(ERASE).filter((s) => s !== '');
  assert.is(shown[0], 'ksvc verify: compiling the nftables ruleset and reading it back');
  assert.ok(shown.includes('ksvc verify: compiling the iptables ruleset and reading it back'), tty.stderr);
  assert.ok(shown.includes('ksvc verify: building the packet space'), tty.stderr);
  // within a stage the line is redrawn at most every 200 ms: the last count shown may be any
  assert.match(shown.at(-1)!, /^ksvc verify: checking shards \d+\/\d+ \(\d+ %\)$/);
  assert.ok(tty.stderr.endsWith(ERASE), 'the line is erased before the command ends');
});

test('verify on a terminal: artifacts are read, not compiled; json and github output get no status line', async () => {
  const { iptables, nft } = await compileWeb();
  const tty = await ksvcWith({ statusLine: true }, 'verify', '--iptables', iptables, '--nft', nft);
  assert.is(tty.code, 0, tty.stderr);
  assert.match(tty.stderr, /ksvc verify: reading the iptables ruleset/);
  assert.match(tty.stderr, /ksvc verify: reading the nftables ruleset/);
  for (const output of ['json', 'github']) {
    const r = await ksvcWith({ statusLine: true }, 'verify', WEB, '--output', output);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stderr, '', output);
  }
});

test('verify on a terminal with an input error: the diagnostics are not run into a status line', async () => {
  const bad = write('status-bad.ksvc', 'service a/b {\n  http: ClusterIP 10.0.0.1:99999/tcp -> endpoints\n}\n');
  const r = await ksvcWith({ statusLine: true }, 'verify', bad);
  assert.is(r.code, 2);
  assert.not.match(r.stderr, /ksvc verify: /, 'nothing was verified, so no status line');
  assert.match(r.stderr, /error/);
});

test.run();
