// Inputs with hundreds of thousands of items of one kind: each gives its answer or its errors,
// never "Maximum call stack size exceeded" (an array appended with push(...items)), and the readers
// keep a bounded number of diagnostics however many bad items there are.
import { constants as bufferConstants } from 'node:buffer';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lowerText } from '../../api/ksvc.ts';
import type { CliIO } from '../../cli/io.ts';
import { runCli } from '../../cli/main.ts';
import { COMPILE_BYTES_PER_ENDPOINT, renderMemoryRefusal } from '../../cli/memory-budget.ts';
import { readIptables } from '../../verifier/iptables/index.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ksvc-large-'));
const N = 200_000;

async function ksvc(...args: string[]): Promise<{ code: number | string; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), color: false, env: {}, cwd: dir };
  const code = await runCli(args, io);
  return { code, out, err };
}

const write = (name: string, text: string) => {
  writeFileSync(path.join(dir, name), text);
  return name;
};

const v4 = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

test('a node with 200,000 addresses is checked and compiled', async () => {
  const addresses = Array.from({ length: N }, (_, i) => v4(i + 1)).join(', ');
  const file = write(
    'many-addresses.ksvc',
    `node n1 {\n  address ${addresses}\n}\nservice a/b {\n  http: ClusterIP 172.30.0.1:80/tcp -> endpoints\n  endpoints 172.16.0.1 on n1\n}\n`,
  );
  const check = await ksvc('check', file);
  assert.is(check.code, 0, check.err + check.out.slice(0, 500));
  const compile = await ksvc('compile', file, '--node', 'n1', '--backend', 'iptables', '-o', 'many.ipt');
  assert.is(compile.code, 0, compile.err.slice(0, 500));
});

test('a service with 200,000 external IPs is checked and compiled', async () => {
  const addresses = Array.from({ length: N }, (_, i) => v4(i + 1)).join(', ');
  const file = write(
    'many-external-ips.ksvc',
    `node n1 {\n  address 192.168.0.2\n}\nservice a/b {\n  http: ClusterIP 172.30.0.1:80/tcp -> endpoints\n  externalIPs ${addresses}\n  endpoints 172.16.0.1 on n1\n}\n`,
  );
  const check = await ksvc('check', file);
  assert.is(check.code, 0, check.err + check.out.slice(0, 500));
  const compile = await ksvc('compile', file, '--backend', 'iptables', '-o', 'many-external.ipt');
  assert.is(compile.code, 0, compile.err.slice(0, 500));
});

test('an nft document of 200,000 bad items: its errors, the first thousand kept and the cap said', async () => {
  const file = write('many-bad.json', `{"nftables":[${Array(N).fill('{}').join(',')}]}`);
  const r = await ksvc('verify', '--nft', file, '--output', 'json');
  assert.is(r.code, 2, r.err.slice(0, 500));
  const report = JSON.parse(r.out) as { diagnostics: { code: string; message: string }[] };
  const cap = report.diagnostics.find((d) => d.code === 'nft-too-many-errors');
  assert.ok(cap, 'the cap is said');
  assert.match(cap!.message, 'more than 1000');
  // the rest are summarised (capRepeated): none past the thousand was kept to be counted
  const omitted = report.diagnostics.find((d) => d.code === 'more-errors-omitted');
  assert.match(omitted!.message, /^975 more 'nft-schema' errors/);
});

test('iptables text of 200,000 lines that are not rules: reading stops after the first thousand errors', async () => {
  const file = write('many-bad.ipt', `*nat\n:KUBE-SERVICES - [0:0]\n${'garbage here\n'.repeat(N)}COMMIT\n`);
  const r = await ksvc('verify', '--iptables', file, '--output', 'json');
  assert.is(r.code, 2, r.err.slice(0, 500));
  const report = JSON.parse(r.out) as { diagnostics: { code: string; message: string; span?: unknown }[] };
  const cap = report.diagnostics.find((d) => d.code === 'ipt-too-many-errors');
  assert.ok(cap, 'the cap is said');
  assert.match(cap!.message, 'stopped reading the text here');
  // the first thousand errors are kept: lines 3 to 1002; reading stops at the next
  assert.match(JSON.stringify(cap), '"line":1003');
});

test('iptables text of 200,000 refused rules in a reached chain: the first thousand errors, the cap said, no crash', async () => {
  const file = write('many-refused.ipt', `*nat\n:KUBE-SERVICES - [0:0]\n${'-A KUBE-SERVICES -j\n'.repeat(N)}COMMIT\n`);
  const r = await ksvc('verify', '--iptables', file, '--output', 'json');
  assert.is(r.code, 2, r.err.slice(0, 500));
  const report = JSON.parse(r.out) as { diagnostics: { code: string; message: string }[] };
  const omitted = report.diagnostics.find((d) => d.code === 'more-errors-omitted');
  assert.match(omitted!.message, "975 more 'ipt-syntax' errors");
  const cap = report.diagnostics.find((d) => d.code === 'ipt-too-many-errors');
  assert.match(cap!.message, 'too many errors (more than 1000); the rest are not reported');
});

test('a ruleset past the longest string Node makes is refused by its size, not as ERR_STRING_TOO_LONG', async () => {
  const file = write('huge.json', '');
  truncateSync(path.join(dir, file), bufferConstants.MAX_STRING_LENGTH + 1); // sparse: no disk used
  const r = await ksvc('verify', '--nft', file);
  assert.is(r.code, 2);
  assert.match(r.err, `huge.json: larger than ${bufferConstants.MAX_STRING_LENGTH} bytes`);
});

test('a ruleset too large to render in the heap is refused before rendering, with what it would take', async () => {
  const eps = Array.from({ length: 1000 }, (_, i) => `${v4(i + 1)} on n1`).join(', ');
  const text = `node n1 {\n  address 172.16.0.10\n}\nservice a/b {\n  http: ClusterIP 172.30.0.1:80/tcp -> endpoints\n  endpoints ${eps}\n}\n`;
  const programs = lowerText(text, { node: 'n1' })?.programs;
  assert.is(renderMemoryRefusal(programs!, COMPILE_BYTES_PER_ENDPOINT, 2_000_001), null);
  const why = renderMemoryRefusal(programs!, COMPILE_BYTES_PER_ENDPOINT, 1_999_999);
  assert.match(why ?? '', /^1,000 endpoints over the service ports would take about 2 MiB of memory to render/);
  assert.match(why ?? '', 'NODE_OPTIONS=--max-old-space-size=MiB');
});

test('past 1,000 warnings and no error an iptables text is read: only errors count toward the cap', () => {
  // a DROP in nat is a warning (iptables-restore refuses it; a node's listing can hold it)
  const drops = Array.from({ length: 1001 }, (_, i) => `-A KUBE-SERVICES -d ${v4(i + 1)}/32 -p tcp -j DROP`);
  const text = `*nat\n:KUBE-SERVICES - [0:0]\n${drops.join('\n')}\nCOMMIT\n`;
  const r = readIptables(text, { file: 'drops.ipt', assumeHooks: true });
  assert.equal(
    r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code),
    [],
  );
  assert.ok(r.program, 'read');
  assert.is(r.diagnostics.filter((d) => d.severity === 'warning').length >= 1001, true);
});

test.run();
