// Issue 9 item 6: every runPacketFlowTests row of kube-proxy's iptables proxier tests (release-1.34
// era, rows in test/verifier/packet-flow/*.rows.json) is reproduced by `explain` (api/verify.ts
// explainPacket) on ksvc's iptables output for the same cluster (the .ksvc fixtures next to them):
// the row's packet as kube-proxy's tracer means it, explain's exact outcomes mapped to the row's
// `output` and `masq` (packet-flow-explain.ts; packet-flow/README.md). The nftables output and the
// IR are asked the same question and must agree.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { explainPacket } from '../../api/verify.ts';
import type { CliIO } from '../../cli/io.ts';
import { runCli } from '../../cli/main.ts';
import { makeSourceFile } from '../../common/source.ts';
import { reduce } from '../../compiler/ir/outcome.ts';
import { loadKsvc } from '../../compiler/load-ksvc.ts';
import type { ClusterModel } from '../../compiler/model.ts';
import type { Explanation } from '../../verifier/explain.ts';
import { sortIPTablesRulesLikeKubeProxyTests } from '../golden/iptables/kube-proxy-test-sort.ts';
import { rowFamily, rowPacket, rowView, TEST_NODE_IPS, tracerView } from './packet-flow-explain.ts';
import { loadRowsFiles, type PacketFlowRow, rowProblems } from './packet-flow-rows.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.join(root, 'test/verifier/packet-flow');
const rel = (f: string) => path.relative(root, path.join(dir, f));

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

/** ksvc's output for a fixture's test-node (the fake iptables of NewFakeProxier has no --random-fully). */
interface Compiled {
  model: ClusterModel;
  /** iptables-restore input: what kube-proxy's fake iptables holds, its builtin-chain jumps assumed by the reader */
  restore: string;
  nft: string;
}
const compiled = new Map<string, Compiled>();
async function compile(fixture: string): Promise<Compiled> {
  let c = compiled.get(fixture);
  if (!c) {
    const argv = ['compile', rel(fixture), '--node', 'test-node', '--no-random-fully'];
    const ipt = await cli([...argv, '--backend', 'iptables']);
    const nft = await cli([...argv, '--backend', 'nftables']);
    assert.is(ipt.code, 0, `${fixture}: ${ipt.stderr}`);
    assert.is(nft.code, 0, `${fixture}: ${nft.stderr}`);
    const front = loadKsvc(makeSourceFile(rel(fixture), readFileSync(path.join(dir, fixture), 'utf8')));
    assert.ok(front.model, fixture);
    c = { model: front.model!, restore: ipt.stdout, nft: nft.stdout };
    compiled.set(fixture, c);
  }
  return c;
}

/** The row's packet explained on the iptables (and nftables) text, against the fixture's IR. */
function explainRow(r: PacketFlowRow, model: ClusterModel, iptables: string, nft: string | null) {
  const { explanation, diagnostics } = explainPacket({
    packet: rowPacket(r),
    family: rowFamily(r),
    model: { model, node: 'test-node', lowering: { environment: { randomFully: false } } },
    iptables: { text: iptables, file: `<iptables ${r.fixture}>` },
    ...(nft === null ? {} : { nftables: { text: nft, file: `<nftables ${r.fixture}>` } }),
  });
  assert.equal(
    diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  assert.ok(explanation, r.name);
  return explanation!;
}

const outcomes = (e: Explanation, who: string) =>
  (e.results[who] ?? [])
    .filter((o) => o.p.num !== 0n)
    .map((o) => o.outcome)
    .sort();
const distribution = (e: Explanation, who: string) =>
  (e.results[who] ?? []).map((o) => `${o.outcome} @ ${reduce(o.p).num}/${reduce(o.p).den}`).sort();
const traceText = (e: Explanation) =>
  (e.results.iptables ?? [])
    .map(
      (o) =>
        `${o.outcome}\n${o.paths.map((p) => p.map((x) => `    ${x.origin?.text ?? x.chain}`).join('\n')).join('\n  --\n')}`,
    )
    .join('\n');

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

test('TestTracePacket`s rows through explain on kube-proxy`s own TestOverallIPTablesRules dump', () => {
  // kube-proxy's expected restore input (its test sort, mark 0x4000): the rows' cluster as kube-proxy
  // wrote it, read by the verifier with kube-proxy's builtin-chain jumps assumed, against ksvc's IR.
  const dump = readFileSync(path.join(root, 'test/golden/iptables/overall.kube-proxy-test.expected'), 'utf8');
  const model = loadKsvc(
    makeSourceFile('TestTracePacket.ksvc', readFileSync(path.join(dir, 'TestTracePacket.ksvc'), 'utf8')),
  ).model!;
  const rows = files.find((f) => f.goTest === 'TestTracePacket')!.rows;
  assert.is(rows.length, 7);
  for (const r of rows) {
    const e = explainRow(r, model, dump, null);
    assert.equal(tracerView(e.results.iptables!), rowView(r), `${r.name}\n${traceText(e)}`);
    assert.equal(outcomes(e, 'iptables'), outcomes(e, 'ir'), `${r.name}: kube-proxy's dump vs ksvc's IR`);
  }
});

let reproduced = 0;
for (const { goTest, rows } of files) {
  for (const r of rows) {
    test(`${goTest}: ${r.name} [${r.fixture}]`, async () => {
      const c = await compile(r.fixture);
      const e = explainRow(r, c.model, c.restore, c.nft);
      const ipt = tracerView(e.results.iptables!);
      assert.equal(ipt, rowView(r), `${r.source}\n${traceText(e)}`);
      // the same packet through ksvc's nftables output and the IR: the same outcomes, nft with the
      // same kernel-level probabilities, the IR with exactly 1/N per endpoint
      assert.equal(tracerView(e.results.nftables!), ipt, `${r.name}: nftables`);
      assert.equal(distribution(e, 'nftables'), distribution(e, 'iptables'), `${r.name}: nftables probabilities`);
      assert.equal(outcomes(e, 'ir'), outcomes(e, 'iptables'), `${r.name}: IR outcomes`);
      const n = BigInt(e.results.ir!.length);
      for (const o of e.results.ir!) assert.is(o.p.num * n, o.p.den, `${r.name}: IR ${o.outcome} is 1/${n}`);
      reproduced++;
    });
  }
}

test('every row was reproduced through explain', () => {
  assert.is(reproduced, ROWS_FOUND);
});

test.run();
