// The installed command end to end: bin/ksvc.js as a user runs it (the dist/ bundle when fresh,
// else the sources through tsx), its exit codes, and no stack trace on bad input.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'ksvc-bin-'));

const ksvc = (...args: string[]) => {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/ksvc.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('compile an example to iptables and nftables: exit 0', () => {
  const ipt = ksvc('compile', 'examples/seed-nodeport.ksvc', '--backend', 'iptables');
  assert.is(ipt.code, 0, ipt.err);
  assert.ok(ipt.out.startsWith('*filter\n'));
  assert.ok(
    ipt.out.includes(
      '-A KUBE-NODEPORTS -m comment --comment default/web-svc:nginx-svc-port -m tcp -p tcp --dport 30080 -j KUBE-EXT-',
    ),
  );
  const nft = ksvc('compile', 'examples/seed-nodeport.ksvc', '--backend', 'nftables');
  assert.is(nft.code, 0, nft.err);
  assert.ok(Array.isArray(JSON.parse(nft.out).nftables));
});

test('bad input: exit 1 with a located diagnostic, no stack trace; bad usage: exit 2', () => {
  const bad = path.join(dir, 'bad.ksvc');
  writeFileSync(bad, 'service default/web {\n  http: ClusterIP 010.0.0.1:80/tcp -> endpoints\n}\n');
  const r = ksvc('check', bad);
  assert.is(r.code, 1);
  assert.ok(r.out.includes('invalid-address'), r.out);
  assert.ok(r.out.includes(`${bad}:2:19`), r.out);
  assert.not.ok(/\n\s+at /.test(r.out + r.err), 'no stack trace');
  const junk = path.join(dir, 'junk.ksvc');
  writeFileSync(junk, Buffer.from([0, 1, 2, 255, 254, 123, 125, 10, 0x80]));
  const j = ksvc('compile', junk, '--backend', 'iptables');
  assert.is(j.code, 1);
  assert.not.ok(/\n\s+at /.test(j.out + j.err), 'no stack trace');
  const u = ksvc('compile', 'examples/seed-local.ksvc', '--backend', 'iptables', '--bogus');
  assert.is(u.code, 2);
  assert.ok(u.err.includes("Run 'ksvc compile --help'"));
});

test('colours: none when piped, none with NO_COLOR even when forced', () => {
  const bad = path.join(dir, 'colour.ksvc');
  writeFileSync(bad, 'service default/web {\n  http: ClusterIP 300.0.0.1:80/tcp -> endpoints\n}\n');
  const piped = ksvc('check', bad); // spawnSync pipes both streams: not a terminal
  assert.not.ok(/\x1b\[/.test(piped.out + piped.err));
  const forced = spawnSync(process.execPath, [path.join(root, 'bin/ksvc.js'), 'check', bad], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: '1' },
  });
  assert.ok(/\x1b\[/.test(forced.stdout), 'FORCE_COLOR colours');
  const both = spawnSync(process.execPath, [path.join(root, 'bin/ksvc.js'), 'check', bad], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '1' },
  });
  assert.not.ok(/\x1b\[/.test(both.stdout + both.stderr), 'NO_COLOR wins');
});

test('the bundle itself (dist/ksvc.mjs) verifies and explains: every file the verifier reads at run time is in it', () => {
  // npm test builds dist/ first; running the bundle directly (not bin/ksvc.js, which falls back to
  // tsx when a source is newer) catches a file the sources read beside themselves (the nft schema).
  const bundle = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(root, 'dist/ksvc.mjs'), ...args], {
      cwd: dir, // not the checkout: nothing may be found relative to the working directory
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 60_000,
    });
  const example = path.join(root, 'examples/seed-nodeport.ksvc');
  const v = bundle('verify', example);
  assert.is(v.status, 0, v.stdout + v.stderr);
  assert.ok(v.stdout.includes('\nequivalent: 1 check,'), v.stdout);
  assert.is(v.stdout.match(/✓ (IR|iptables) ≡ /g)?.length, 3, 'three-way');
  const e = bundle(
    'explain',
    example,
    '--src',
    '10.0.0.9',
    '--dst',
    '10.32.0.159',
    '--proto',
    'tcp',
    '--dport',
    '8080',
  );
  assert.ok(e.stdout.includes('10.32.0.159'), e.stdout);
  assert.is(e.status, 0, e.stdout + e.stderr);
  assert.not.ok(/\n\s+at /.test(e.stdout + e.stderr), 'no stack trace');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
