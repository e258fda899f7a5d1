// Sources (.ksvc, Kubernetes YAML and JSON) must be UTF-8: bytes that are not were read as U+FFFD
// without a word, and `fmt` wrote the replacement back over a comment's Latin-1 letter. Artifacts
// (iptables and nft text) are read as before: their readers refuse what the tools refuse.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fmtCommand } from '../../cli/fmt.ts';
import { type CliIO, readInputFile } from '../../cli/io.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ksvc-utf8-'));
const io: CliIO = { stdout: () => {}, stderr: () => {}, color: false, env: {}, cwd: dir };
const SERVICE = 'service a/b {\n  ClusterIP 10.0.0.1:80/tcp -> endpoints\n}\n';
const write = (name: string, bytes: Buffer) => {
  writeFileSync(path.join(dir, name), bytes);
  return name;
};
// "# café" in Latin-1 (é is one byte, 0xe9), after a line with a two-byte é in UTF-8
const LATIN1 = Buffer.concat([Buffer.from('# déjà vu\n# caf'), Buffer.from([0xe9]), Buffer.from(`\n${SERVICE}`)]);

test('a source that is not UTF-8 is refused, saying where its first bad byte is', () => {
  const r = readInputFile(io, write('latin1.ksvc', LATIN1));
  assert.equal(
    r.ok ? null : r.reason,
    'not valid UTF-8 at line 2, column 6 (byte 17): ksvc reads its inputs as UTF-8; convert the file',
  );
});

test('UTF-16 (as PowerShell writes kubectl output) is named as such', () => {
  const r = readInputFile(io, write('utf16.yaml', Buffer.from(`\ufeffkind: List\n`, 'utf16le')));
  assert.equal(
    r.ok ? null : r.reason,
    'not valid UTF-8 at line 1, column 1 (byte 0): ksvc reads its inputs as UTF-8; it is UTF-16 (its byte order mark says so): convert it to UTF-8',
  );
});

test('UTF-8 with a real U+FFFD and a byte order mark reads; an artifact is read as before', () => {
  const fine = readInputFile(io, write('fine.ksvc', Buffer.from(`\ufeff# a real \ufffd\n${SERVICE}`)));
  assert.equal(fine.ok ? fine.text : fine.reason, `# a real \ufffd\n${SERVICE}`);
  const artifact = readInputFile(io, 'latin1.ksvc', undefined, 'artifact');
  assert.ok(artifact.ok && artifact.text.includes('caf\ufffd'));
});

test('fmt leaves a file that is not UTF-8 as it is (it wrote U+FFFD over the letter), exit 2', async () => {
  const file = write('fmt-latin1.ksvc', LATIN1);
  let err = '';
  const code = await fmtCommand.run([file], { ...io, stderr: (t) => void (err += t) });
  assert.is(code, 2);
  assert.match(err, 'fmt-latin1.ksvc: not valid UTF-8 at line 2, column 6');
  assert.equal(readFileSync(path.join(dir, file)), LATIN1);
});

test('standard input is held to the same rule (check -)', () => {
  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/ksvc.cjs');
  const r = spawnSync(process.execPath, [bin, 'check', '-'], { input: LATIN1, encoding: 'utf8', timeout: 60_000 });
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, '-: not valid UTF-8 at line 2, column 6 (byte 17)');
});

test.run();
