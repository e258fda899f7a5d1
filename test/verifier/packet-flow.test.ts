// Issue 9 item 6, the part that runs today: every runPacketFlowTests row of kube-proxy's iptables
// proxier tests (release-1.34 era, rows in test/verifier/packet-flow/*.rows.json) against ksvc's
// iptables output for the same cluster (the .ksvc fixtures next to them). Until `ksvc explain`
// exists, the rows are traced with a test-only stand-in of kube-proxy's own tracer
// (interim-kube-proxy-tracer.ts); see test/verifier/packet-flow/README.md.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CliIO } from '../../cli/io.ts';
import { runCli } from '../../cli/main.ts';
import { makeSourceFile } from '../../common/source.ts';
import { loadKsvc } from '../../compiler/load-ksvc.ts';
import { sortIPTablesRulesLikeKubeProxyTests } from '../golden/iptables/kube-proxy-test-sort.ts';
import { parseRestoreForTrace, tracePacketLikeKubeProxy } from './interim-kube-proxy-tracer.ts';
import { loadRowsFiles, type PacketFlowRow, rowProblems } from './packet-flow-rows.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.join(root, 'test/verifier/packet-flow');
const rel = (f: string) => path.relative(root, path.join(dir, f));

/** NewFakeProxier's testNodeIPs: the node IPs every runPacketFlowTests call treats as LOCAL. */
const TEST_NODE_IPS = ['192.168.0.2', '192.168.1.2', '192.168.99.11', '2001:db8::1', '2001:db8:1::2'];
/** What this suite reproduces of proxier_test.go (README.md lists them). */
const GO_TESTS_FOUND = 12;
const ROWS_FOUND = 246;

const files = loadRowsFiles(dir);
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.ksvc'))
  .sort();

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const io: CliIO = {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    color: false,
    env: {},
    cwd: root,
  };
  const code = await runCli(argv, io);
  return { code, ...out };
}

/** The fake iptables' view after syncProxyRules: the restore input plus the builtin-chain jumps. */
const compiled = new Map<string, { withHooks: string; restore: string }>();
async function compile(fixture: string) {
  let c = compiled.get(fixture);
  if (!c) {
    // The fake iptables of NewFakeProxier has no --random-fully; nfacct counters exist.
    const argv = ['compile', rel(fixture), '--backend', 'iptables', '--node', 'test-node', '--no-random-fully'];
    const hooked = await cli([...argv, '--with-hooks']);
    const plain = await cli(argv);
    assert.is(hooked.code, 0, `${fixture}: ${hooked.stderr}`);
    assert.is(plain.code, 0, `${fixture}: ${plain.stderr}`);
    c = { withHooks: hooked.stdout, restore: plain.stdout };
    compiled.set(fixture, c);
  }
  return c;
}

const protocolOf = (r: PacketFlowRow) => (r.protocol === '' ? 'tcp' : r.protocol.toLowerCase());

test('the rows files: one per Go test, every field present and typed, counts as found', () => {
  assert.is(files.length, GO_TESTS_FOUND);
  assert.is(
    files.reduce((n, f) => n + f.rows.length, 0),
    ROWS_FOUND,
  );
  for (const f of files) assert.ok(/^Test[A-Za-z]+$/.test(f.goTest), f.goTest);
  assert.equal(rowProblems([{ name: 'x' }]).length > 0, true, 'the validator rejects a row missing fields');
});

test('every fixture is used by some row, and every row names an existing fixture', () => {
  const used = new Set(files.flatMap((f) => f.rows.map((r) => r.fixture)));
  assert.equal(
    [...used].filter((f) => !fixtures.includes(f)),
    [],
  );
  assert.equal(
    fixtures.filter((f) => !used.has(f)),
    [],
  );
});

test('every fixture passes `ksvc check` and is in the canonical layout (`ksvc fmt --check`)', async () => {
  const checked = await cli(['check', ...fixtures.map(rel)]);
  assert.is(checked.code, 0, checked.stdout);
  assert.match(checked.stderr, new RegExp(`${fixtures.length} files checked: 0 errors`));
  const formatted = await cli(['fmt', '--check', ...fixtures.map(rel)]);
  assert.is(formatted.code, 0, formatted.stdout + formatted.stderr);
});

test('every fixture compiles for test-node, whose addresses are the Go tests node IPs', async () => {
  for (const f of fixtures) {
    const front = loadKsvc(makeSourceFile(rel(f), readFileSync(path.join(dir, f), 'utf8')));
    assert.ok(front.model, f);
    assert.equal(front.model!.nodes.find((n) => n.name === 'test-node')?.addresses, TEST_NODE_IPS, f);
    await compile(f);
  }
});

test('TestNodePorts: KUBE-FIREWALL equals the Go expectation (assertIPTablesChainEqual) per subtest', async () => {
  const expected = JSON.parse(readFileSync(path.join(dir, 'TestNodePorts.expected-chains.json'), 'utf8')) as {
    fixture: string;
    table: string;
    chain: string;
    rules: string[];
  }[];
  assert.is(expected.length, 7);
  for (const e of expected) {
    const { restore } = await compile(e.fixture);
    const table = restore.split(/^COMMIT$/m).find((t) => t.trimStart().startsWith(`*${e.table}\n`)) ?? '';
    const got = table.split('\n').filter((l) => l.startsWith(`-A ${e.chain} `));
    assert.equal(got, e.rules, e.fixture);
  }
});

test('TestTracePacket.ksvc compiles to TestOverallIPTablesRules` expected dump (test sort, fake mark)', async () => {
  const { restore } = await compile('TestTracePacket.ksvc');
  const want = readFileSync(path.join(root, 'test/golden/iptables/overall.kube-proxy-test.expected'), 'utf8');
  assert.ok(sortIPTablesRulesLikeKubeProxyTests(restore).replaceAll('0x00004000', '0x4000') === want);
});

test('the interim tracer refuses a parameter it does not model instead of assuming a match', () => {
  assert.throws(() => parseRestoreForTrace('*nat\n-A KUBE-SERVICES -i eth0 -j KUBE-NODEPORTS\nCOMMIT\n'), /-i/);
});

test('the interim tracer reproduces TestTracePacket on kube-proxy`s own TestOverallIPTablesRules dump', () => {
  // kube-proxy's expected restore input plus the one nat hook its fake iptables holds (EnsureRule).
  const dump = readFileSync(path.join(root, 'test/golden/iptables/overall.kube-proxy-test.expected'), 'utf8').replace(
    '*nat\n',
    '*nat\n-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n',
  );
  const tables = parseRestoreForTrace(dump);
  const rows = files.find((f) => f.goTest === 'TestTracePacket')!.rows;
  for (const r of rows) {
    const got = tracePacketLikeKubeProxy(tables, TEST_NODE_IPS, { ...r, protocol: protocolOf(r) });
    assert.equal({ output: got.output, masq: got.masq }, { output: r.output, masq: r.masq }, r.name);
  }
});

for (const { goTest, rows } of files) {
  for (const r of rows) {
    test(`${goTest}: ${r.name} [${r.fixture}]`, async () => {
      const { withHooks } = await compile(r.fixture);
      const got = tracePacketLikeKubeProxy(parseRestoreForTrace(withHooks), TEST_NODE_IPS, {
        sourceIP: r.sourceIP,
        protocol: protocolOf(r),
        destIP: r.destIP,
        destPort: r.destPort,
      });
      assert.equal(
        { output: got.output, masq: got.masq },
        { output: r.output, masq: r.masq },
        `${r.source}\nmatched:\n${got.matches.join('\n')}`,
      );
    });
  }
}

test.run();
