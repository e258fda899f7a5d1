// A check of one service port grows with the square of its endpoints (1,200: 598 MiB; before its
// weights were shared, a review saw 1,200 fill the default heap until V8 ended the process):
// refused first, as verify-too-large.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checked } from '../../api/checked.ts';
import { compileIptables } from '../../api/iptables.ts';
import { lowerText } from '../../api/ksvc.ts';
import { compileNftables } from '../../api/nftables.ts';
import type { Diagnostic } from '../../common/diagnostics.ts';
import { heapBudget, semiSpaceMiB } from '../../common/heap-budget.ts';
import { evaluate } from '../../compiler/ir/evaluate.ts';
import {
  CHECK_BYTES_PER_ENDPOINT_SQUARED,
  CheckTooLarge,
  largestChoice,
  refuseOversizedArtifacts,
  refuseOversizedCheck,
} from '../../verifier/engine/memory-estimate.ts';
import { readIptables } from '../../verifier/iptables/index.ts';
import { readNftables } from '../../verifier/nftables/index.ts';
import { prepareVerify } from '../../verifier/verify.ts';

const endpoints = (n: number) =>
  Array.from({ length: n }, (_, i) => `10.64.${Math.floor(i / 250)}.${(i % 250) + 1} on n1`).join(', ');
const text = (n: number) =>
  `node n1 {\n  address 192.168.0.10\n}\nservice a/small {\n  http: ClusterIP 10.96.0.9:80/tcp -> endpoints\n  endpoints 10.65.0.1 on n1\n}\nservice a/big {\n  http: ClusterIP 10.96.0.10:80/tcp -> endpoints\n  endpoints ${endpoints(n)}\n}\n`;
const ir = lowerText(text(60), { node: 'n1' })!.programs![0]!;

test('the largest service port decides: refused past the budget, with what it would take', () => {
  const need = 60 * 60 * CHECK_BYTES_PER_ENDPOINT_SQUARED;
  refuseOversizedCheck(ir, need);
  try {
    refuseOversizedCheck(ir, need - 1);
    assert.unreachable('refused');
  } catch (e) {
    assert.instance(e, CheckTooLarge);
    const t = e as CheckTooLarge;
    assert.equal(
      [t.largest, t.need, t.budget],
      [{ kind: 'service-port', name: 'a/big:http', endpoints: 60 }, '2 MiB', '2 MiB'],
    );
  }
});

test('every check refuses it before it starts (prepareVerify: verify, --kernel, --jobs)', () => {
  const input = { family: 'ipv4' as const, ir: { program: ir, evaluate }, artifacts: [] };
  assert.throws(
    () => prepareVerify({ ...input, memoryBudget: 1000 }),
    (e: unknown) => e instanceof CheckTooLarge,
  );
});

test('the library says it as verify-too-large, with how to give the process more', () => {
  const diagnostics: Diagnostic[] = [];
  const r = checked('ipv4', '<verify>', diagnostics, () => refuseOversizedCheck(ir, 1000));
  assert.is(r, null);
  assert.equal(
    diagnostics.map((d) => [d.code, d.message, d.hint]),
    [
      [
        'verify-too-large',
        'the ipv4 check cannot be done in this process: service port a/big:http has 60 endpoints, and checking it would take about 2 MiB of memory (it grows with the square of the endpoints), more than the 1 KiB this process may use',
        'give Node more (NODE_OPTIONS=--max-old-space-size=MiB)',
      ],
    ],
  );
});

test('ksvc diff of two versions is refused alike (its engine runs without an IR: each model is counted)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ksvc-memory-'));
  const [before, after] = ['old.ksvc', 'new.ksvc'].map((f) => path.join(dir, f)) as [string, string];
  writeFileSync(before, text(900));
  writeFileSync(after, text(900).replace('10.64.0.1 on n1,', '10.64.0.1 on n1 not-ready,'));
  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/ksvc.cjs');
  // 900 endpoints: about 232 MiB, more than such a heap allows
  const r = spawnSync(process.execPath, [bin, 'diff', before, after], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=100' },
  });
  rmSync(dir, { recursive: true, force: true });
  assert.is(r.status, 2, r.stderr);
  assert.match(
    r.stderr,
    'error[verify-too-large]: the ipv4 check cannot be done in this process: service port a/big:http has 900 endpoints',
  );
});

// A check of artifacts alone has no model to count endpoints in: the rulesets' own random choices
// are counted, what a service port's endpoints become in each backend.
const iptProgram = readIptables(compileIptables(ir), { file: 'ipt', family: 'ipv4', assumeHooks: true }).program!;
const nftProgram = readNftables(compileNftables(ir), { file: 'nft' }).programs[0]!;

test("a ruleset's largest random choice is its largest service port's endpoints, in each backend", () => {
  const ipt = largestChoice(iptProgram);
  const nft = largestChoice(nftProgram);
  assert.ok(ipt?.kind === 'chain' && nft?.kind === 'chain');
  assert.equal([ipt.backend, ipt.endpoints], ['iptables', 60]);
  assert.match(ipt.chain, /^KUBE-SVC-/);
  assert.equal([nft.backend, nft.endpoints], ['nftables', 60]);
});

test('a check of artifacts alone is refused past the budget too, naming the chain', () => {
  const need = 60 * 60 * CHECK_BYTES_PER_ENDPOINT_SQUARED;
  refuseOversizedArtifacts([iptProgram, nftProgram], need);
  assert.throws(
    () => refuseOversizedArtifacts([iptProgram, nftProgram], need - 1),
    (e: unknown) => e instanceof CheckTooLarge && e.largest.kind === 'chain' && e.largest.endpoints === 60,
  );
  // and every check without a model refuses it before it starts
  const artifact = (program: typeof iptProgram) => ({
    backend: program.backend,
    program,
    canonicalList: (n: string) => n,
  });
  assert.throws(
    () => prepareVerify({ family: 'ipv4', ir: null, artifacts: [artifact(iptProgram)], memoryBudget: 1000 }),
    (e: unknown) => e instanceof CheckTooLarge,
  );
  // with a model too: rulesets choosing among more endpoints than the model has (a node's
  // iptables-save against a stale model) are counted, and named
  const one = lowerText(text(1), { node: 'n1' })!.programs![0]!;
  prepareVerify({ family: 'ipv4', ir: { program: one, evaluate }, artifacts: [], memoryBudget: need - 1 });
  assert.throws(
    () =>
      prepareVerify({
        family: 'ipv4',
        ir: { program: one, evaluate },
        artifacts: [artifact(iptProgram)],
        memoryBudget: need - 1,
      }),
    (e: unknown) => e instanceof CheckTooLarge && e.largest.kind === 'chain' && e.largest.endpoints === 60,
  );
  const diagnostics: Diagnostic[] = [];
  checked('ipv4', '<verify>', diagnostics, () => refuseOversizedArtifacts([iptProgram], 1000));
  assert.match(
    diagnostics[0]!.message,
    /^the ipv4 check cannot be done in this process: the iptables chain KUBE-SVC-\w+ chooses among 60 endpoints, and checking it would take about 2 MiB of memory/,
  );
});

// heap_size_limit counts the young generation (three semi-spaces), which holds nothing lasting:
// verify runs with --max-semi-space-size=32 (bin/ksvc.cjs), 96 MiB of it. Counted, a check the old
// generation could not hold passed the guard at a small heap and ran until V8 ended the process.
test('the budget is most of the old generation, whatever the young generation is', () => {
  assert.is(semiSpaceMiB([], ''), 16);
  assert.is(semiSpaceMiB(['--max-semi-space-size=32', '--expose-gc'], ''), 32);
  assert.is(semiSpaceMiB([], '--max-old-space-size=100 --max_semi_space_size=8'), 8);
  assert.is(semiSpaceMiB(['--max-semi-space-size=32'], '--max-semi-space-size=8'), 32); // the command line wins
  const MiB = 2 ** 20;
  assert.is(heapBudget(196 * MiB, 32), 80 * MiB);
  assert.is(heapBudget(148 * MiB, 16), 80 * MiB);
  const script =
    "import('./common/heap-budget.ts').then((m) => process.stdout.write(String(m.heapBudget() / 2 ** 20)))";
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const r = spawnSync(
    process.execPath,
    ['--max-semi-space-size=32', '--max-old-space-size=100', '--import', 'tsx', '-e', script],
    { encoding: 'utf8', cwd: root, env: { ...process.env, NODE_OPTIONS: '' } },
  );
  assert.is(r.status, 0, r.stderr);
  // 0.8 × the 100 MiB old generation (V8 11's young generation is exactly three semi-spaces; one
  // sized otherwise leaves less, never more)
  const budget = Number(r.stdout);
  assert.ok(budget > 40 && budget <= 80, r.stdout);
});

test('ksvc verify of artifacts alone at a small heap: refused with the chain named, not ended by V8', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ksvc-memory-'));
  const big = lowerText(text(700), { node: 'n1' })!.programs![0]!;
  const [ipt, nft] = [path.join(dir, 'a.ipt'), path.join(dir, 'b.json')];
  writeFileSync(ipt, compileIptables(big));
  writeFileSync(nft, compileNftables(big));
  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/ksvc.cjs');
  // 700 endpoints: about 141 MiB, more than the 80 MiB of a 100 MiB old generation (the 196 MiB
  // heap_size_limit under verify's young generation would have let it run: 157 MiB)
  const r = spawnSync(process.execPath, [bin, 'verify', '--iptables', ipt, '--nft', nft], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=100' },
  });
  rmSync(dir, { recursive: true, force: true });
  assert.is(r.status, 2, r.stderr.slice(0, 2000));
  assert.match(
    r.stderr,
    /error\[verify-too-large\]: the ipv4 check cannot be done in this process: the iptables chain KUBE-SVC-\w+ chooses among 700 endpoints, and checking it would take about 141 MiB of memory \(it grows with the square of the endpoints\), more than the (\d+) MiB this process may use/,
  );
  assert.ok(Number(/more than the (\d+) MiB/.exec(r.stderr)![1]) <= 80);
});

test.run();
