// Property: for random valid models, lowering and iptables rendering never throw, every output is
// internally consistent (every jump target declared, every service chain used, deterministic), and
// — as root — every restore text passes `iptables-restore --test` / `ip6tables-restore --test`
// (batched: one namespace, one call per family; a failing batch is bisected to the culprit).
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderIptables } from '../../backends/iptables/index.ts';
import type { Family } from '../../common/ip.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import type { ClusterModel } from '../../compiler/model.ts';
import { createKubeProxyNfacct, kernelTests, withNetns } from '../kernel/netns.ts';
import { arbitraryModel } from './arbitrary-model.ts';

const RUNS = 100;

interface Output {
  label: string;
  family: Family;
  restore: string;
  /** Sent to the kernel (the first node, default environment: the kernel round trip costs ~15 ms per text). */
  kernel: boolean;
}

const BUILTIN_TARGETS = new Set(['ACCEPT', 'DROP', 'REJECT', 'RETURN', 'DNAT', 'MARK', 'MASQUERADE']);

/** kube-proxy's checkIPTablesRuleJumps, in spirit: targets declared; service chains referenced. */
function checkConsistency(text: string): void {
  for (const block of text.split('COMMIT\n').filter((b) => b.trim() !== '')) {
    const declared = new Set<string>();
    const jumped = new Set<string>();
    const nonEmpty = new Set<string>();
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) declared.add(line.slice(1).split(' ')[0]!);
      if (!line.startsWith('-A ')) continue;
      const tokens = line.split(' ');
      nonEmpty.add(tokens[1]!);
      const j = tokens.indexOf('-j');
      if (j >= 0) {
        const target = tokens[j + 1]!;
        if (!BUILTIN_TARGETS.has(target)) {
          assert.ok(declared.has(target), `jump to undeclared chain ${target}: ${line}`);
          jumped.add(target);
        }
      }
    }
    for (const c of declared) {
      if (/^KUBE-(SVC|SVL|EXT|FW|SEP)-/.test(c)) {
        assert.ok(jumped.has(c), `chain ${c} is declared but never jumped to`);
        assert.ok(nonEmpty.has(c), `chain ${c} is empty`);
      }
    }
  }
}

function renderAll(model: ClusterModel, label: string): Output[] {
  const out: Output[] = [];
  const nodes: (string | undefined)[] = model.nodes.length > 0 ? model.nodes.map((n) => n.name) : [undefined];
  for (const [ni, node] of nodes.entries()) {
    for (const [ei, env] of [{}, { nfacct: false, randomFully: false, conntrackLiberal: true }].entries()) {
      const r = lowerModel(model, { ...(node === undefined ? {} : { node }), environment: env });
      assert.equal(
        r.diagnostics.filter((d) => d.severity === 'error'),
        [],
        label,
      );
      for (const ir of r.programs) {
        const restore = renderIptables(ir, { format: 'restore' });
        assert.is(renderIptables(ir, { format: 'restore' }), restore, 'deterministic');
        assert.ok(restore.startsWith('*filter\n') && restore.endsWith('COMMIT\n'));
        const save = renderIptables(ir, { format: 'save', hooks: true });
        assert.ok(save.includes('*nat\n'));
        checkConsistency(restore);
        out.push({
          label: `${label} node=${node ?? '-'} ${ir.family} ${JSON.stringify(env)}`,
          family: ir.family,
          restore,
          kernel: ni === 0 && ei === 0,
        });
      }
    }
  }
  return out;
}

const outputs: Output[] = [];

test(`lower + render never throw and stay consistent (${RUNS} random models)`, () => {
  let n = 0;
  fc.assert(
    fc.property(arbitraryModel(), (model) => {
      outputs.push(...renderAll(model, `model#${n++}`));
    }),
    { numRuns: RUNS, seed: Number(process.env.KSVC_PROPERTY_SEED ?? 20261127) },
  );
  assert.ok(outputs.length >= RUNS);
});

{
  const test = kernelTests('iptables property');
  test('every random restore text passes iptables-restore --test (batched per family)', async () => {
    await withNetns('ipt-prop', (ns) => {
      createKubeProxyNfacct(ns);
      for (const family of ['ipv4', 'ipv6'] as const) {
        const cmd = family === 'ipv4' ? 'iptables-restore' : 'ip6tables-restore';
        const batch = outputs.filter((o) => o.family === family && o.kernel);
        if (batch.length === 0) continue;
        const r = ns.exec(cmd, ['--test'], batch.map((o) => o.restore).join(''));
        if (r.status === 0) continue;
        // Find the first failing text for a useful message.
        for (const o of batch) {
          const one = ns.exec(cmd, ['--test'], o.restore);
          assert.is(one.status, 0, `${o.label}: ${one.stderr}\n${o.restore}`);
        }
        assert.unreachable(`batch failed but no single text did: ${r.stderr}`);
      }
    });
  });
}

test.run();
