// The benchmark's pure helpers (bench/counts.ts, bench/stock-translate.ts, bench/host-probe.ts):
// object counts, the patch that makes iptables-restore-translate's output loadable, and the host
// probe's form; and the scripts' usage errors (bench/args.ts). Timings are never asserted.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  lchownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderIptables } from '../../backends/iptables/index.ts';
import { renderNftablesJson } from '../../backends/nftables/index.ts';
import { readWholeNumbers } from '../../bench/args.ts';
import { countIptables, countNft } from '../../bench/counts.ts';
import { hostProbe, probeText } from '../../bench/host-probe.ts';
import { patchTranslation } from '../../bench/stock-translate.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import { overallModel } from '../golden/iptables/model-builders.ts';

test('counts: chains, rules, sets and elements of both artifacts', () => {
  const [ir] = lowerModel(overallModel()).programs;
  const nft = countNft(renderNftablesJson(ir!));
  const doc = JSON.parse(renderNftablesJson(ir!)) as { nftables: Record<string, Record<string, unknown>>[] };
  const adds = doc.nftables.flatMap((c) => (c.add ? Object.keys(c.add) : []));
  assert.is(nft.chains, adds.filter((k) => k === 'chain').length);
  assert.is(nft.rules, adds.filter((k) => k === 'rule').length);
  assert.is(nft.sets, adds.filter((k) => k === 'set' || k === 'map').length);
  assert.ok(nft.elements > nft.sets);
  const restore = renderIptables(ir!, { format: 'restore', hooks: true });
  const ipt = countIptables(restore);
  assert.is(ipt.rules, restore.split('\n').filter((l) => l.startsWith('-A ')).length);
  assert.ok(ipt.chains > 10);
});

test('stock translation patch: base chains declared, DNAT given its rule protocol, nothing else changed', () => {
  const restore = [
    '*nat',
    ':KUBE-SEP-A - [0:0]',
    ':KUBE-SEP-B - [0:0]',
    '-A KUBE-SEP-A -m comment --comment "ns/a" -m tcp -p tcp -j DNAT --to-destination 10.0.0.1:80',
    '-A KUBE-SEP-B -m comment --comment "ns/b" -m udp -p udp -j DNAT --to-destination 10.0.0.2:53',
    'COMMIT',
  ].join('\n');
  const translated = [
    'add table ip nat',
    'add chain ip nat KUBE-SEP-A',
    'add rule ip nat PREROUTING counter jump KUBE-SERVICES',
    'add rule ip nat KUBE-SEP-A counter dnat to 10.0.0.1:80 comment "ns/a"',
    'add rule ip nat KUBE-SEP-B counter dnat to 10.0.0.2:53 comment "ns/b"',
    'add rule ip nat KUBE-SEP-C ip protocol tcp counter dnat to 10.0.0.3:80',
  ].join('\n');
  const lines = patchTranslation(translated, restore).split('\n');
  assert.equal(lines.slice(0, 2), [
    'add table ip nat',
    'add chain ip nat PREROUTING { type nat hook prerouting priority -100; policy accept; }',
  ]);
  assert.ok(lines.includes('add rule ip nat KUBE-SEP-A counter meta l4proto tcp dnat to 10.0.0.1:80 comment "ns/a"'));
  assert.ok(lines.includes('add rule ip nat KUBE-SEP-B counter meta l4proto udp dnat to 10.0.0.2:53 comment "ns/b"'));
  assert.ok(lines.includes('add rule ip nat KUBE-SEP-C ip protocol tcp counter dnat to 10.0.0.3:80'));
});

test('host probe: three figures from its children, and a text for a failed probe', () => {
  const p = hostProbe();
  assert.ok(p !== null, 'the probe ran');
  for (const v of [p!.cpuMs, p!.pageUs, p!.allocMs]) assert.ok(Number.isFinite(v) && v > 0, String(v));
  assert.match(probeText(p), /^cpu \d+ ms, page [\d.]+ µs, alloc \d+ ms$/);
  assert.is(probeText(null), 'probe failed');
});

test('a bench script given an option it does not know says so in one line and exits 2', () => {
  for (const script of ['bench/verify.ts', 'bench/run.ts', 'bench/generate.ts']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, '--no-such-option'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.is(r.status, 2, `${script}: exit ${r.status}\n${r.stderr}`);
    assert.is(r.stdout, '', script);
    assert.is(r.stderr, `${script}: Unknown option '--no-such-option'\n`, script);
  }
});

test('whole-number options: given or their defaults; a word, a fraction or a negative is a usage error', () => {
  const defaults = { services: 10000, runs: 5 };
  assert.equal(readWholeNumbers({}, defaults), { numbers: { services: 10000, runs: 5 } });
  assert.equal(readWholeNumbers({ runs: '3', other: 'x' }, defaults), { numbers: { services: 10000, runs: 3 } });
  for (const bad of ['ten', '2.5', '-1', '', '1e3'])
    assert.equal(readWholeNumbers({ services: bad }, defaults), {
      error: `--services takes a whole number, not '${bad}'`,
    });
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/verify.ts', '--endpoints', 'ten'], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.is(r.status, 2, r.stderr);
  assert.is(r.stderr, "bench/verify.ts: --endpoints takes a whole number, not 'ten'\n");
});

test('bench --out is written as ksvc -o writes: a planted link is not followed, a failed write is one line and exit 2', () => {
  if (process.geteuid?.() !== 0) return; // the planted link is another user's, and the bench loads rules
  const dir = mkdtempSync(join(tmpdir(), 'ksvc-bench-out-'));
  try {
    const sticky = join(dir, 'tmp');
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    writeFileSync(join(dir, 'precious'), 'precious\n');
    symlinkSync(join(dir, 'precious'), join(sticky, 'bench.json'));
    lchownSync(join(sticky, 'bench.json'), 65534, 65534);
    const tiny = ['--sizes', '2', '--multi-port', '0', '--repeat', '1', '--packets', '1', '--batches', '1'];
    const bench = (out: string) =>
      spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          'bench/run.ts',
          ...tiny,
          '--endpoints',
          '1',
          '--no-translate',
          '--no-first-packet',
          '--out',
          out,
        ],
        { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8', timeout: 120_000 },
      );
    for (const out of [join(sticky, 'bench.json'), '/dev/full']) {
      const r = bench(out);
      assert.is(r.status, 2, `${out}: exit ${r.status}\n${r.stderr}`);
      assert.not.match(r.stderr, /\n\s+at /, out);
      assert.match(r.stderr, `bench/run.ts: cannot write ${out}: `);
    }
    assert.is(readFileSync(join(dir, 'precious'), 'utf8'), 'precious\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
