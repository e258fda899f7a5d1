// Property: for random valid models (test/property/arbitrary-model.ts), lowering + nftables
// rendering never throw, every document validates against the backend's JSON Schema, is
// deterministic and internally consistent (every jump/goto target and @set is declared before use,
// every per-service chain is reachable), and — as root — passes `nft -j -c -f` (batched: documents
// are concatenated, each one replacing the previous table inside the same transaction; a failing
// batch is re-checked document by document).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderNftablesJson } from '../../backends/nftables/index.ts';
import { schemaErrors } from '../../backends/nftables/schema/validate.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import type { ClusterModel } from '../../compiler/model.ts';
import { kernelTests, withNetns } from '../kernel/netns.ts';
import { arbitraryModel } from './arbitrary-model.ts';

const RUNS = 100;
const BATCH = 20;

type Cmd = Record<string, Record<string, Record<string, unknown>>>;

interface Output {
  label: string;
  commands: Cmd[];
}

/** Objects exist before they are used; per-service chains are reachable from a dispatch. */
function checkConsistency(commands: Cmd[], label: string): void {
  const chains = new Set<string>();
  const sets = new Set<string>();
  const referenced = new Set<string>();
  const visit = (v: unknown, where: string): void => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x, where);
      return;
    }
    if (typeof v === 'string' && v.startsWith('@'))
      assert.ok(sets.has(`${where}|${v.slice(1)}`), `${label}: @${v.slice(1)} used before it is declared`);
    if (v === null || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if ((k === 'jump' || k === 'goto') && x && typeof x === 'object') {
        const target = (x as { target: string }).target;
        assert.ok(chains.has(`${where}|${target}`), `${label}: ${k} ${target} before the chain exists`);
        referenced.add(`${where}|${target}`);
      } else visit(x, where);
    }
  };
  for (const c of commands) {
    if (c.delete) {
      chains.clear();
      sets.clear();
      continue;
    }
    const add = c.add;
    if (!add) continue;
    const [kind, obj] = Object.entries(add)[0]!;
    const where = String(obj.family);
    if (kind === 'chain') chains.add(`${where}|${obj.name}`);
    else if (kind === 'set' || kind === 'map') sets.add(`${where}|${obj.name}`);
    else if (kind === 'element') {
      assert.ok(sets.has(`${where}|${obj.name}`), `${label}: elements of undeclared ${obj.name}`);
      visit(obj.elem, where);
    } else if (kind === 'rule') visit(obj.expr, where);
  }
  for (const key of chains) {
    const name = key.split('|')[1]!;
    if (/^(service|local|external|firewall|endpoint)-/.test(name))
      assert.ok(referenced.has(key), `${label}: ${name} is never jumped to`);
  }
}

function renderAll(model: ClusterModel, label: string): Output[] {
  const out: Output[] = [];
  const nodes: (string | undefined)[] = model.nodes.length > 0 ? model.nodes.map((n) => n.name) : [undefined];
  for (const node of nodes) {
    for (const env of [{}, { randomFully: false, conntrackLiberal: true }]) {
      const r = lowerModel(model, { ...(node === undefined ? {} : { node }), environment: env });
      assert.equal(
        r.diagnostics.filter((d) => d.severity === 'error'),
        [],
        label,
      );
      const json = renderNftablesJson(r.programs);
      assert.is(renderNftablesJson(r.programs), json, 'deterministic');
      const doc = JSON.parse(json) as { nftables: Cmd[] };
      const errors = schemaErrors(doc);
      assert.equal(errors, null, `${label}: schema: ${errors?.join('; ')}`);
      const l = `${label} node=${node ?? '-'} ${JSON.stringify(env)}`;
      checkConsistency(doc.nftables, l);
      out.push({ label: l, commands: doc.nftables });
    }
  }
  return out;
}

const outputs: Output[] = [];

test(`nftables: random models render schema-valid, consistent documents (${RUNS} models)`, () => {
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
  const test = kernelTests('nftables property');
  test('nftables: every random document passes nft -j -c -f (batched)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksvc-nftprop-'));
    try {
      await withNetns('nft-prop', (ns) => {
        const check = (docs: Output[]): { status: number; stderr: string } => {
          const merged = [
            { metainfo: { json_schema_version: 1 } },
            ...docs.flatMap((d) => d.commands.filter((c) => !('metainfo' in c))),
          ];
          const file = join(dir, 'batch.json');
          writeFileSync(file, JSON.stringify({ nftables: merged }));
          return ns.exec('nft', ['-j', '-c', '-f', file]);
        };
        for (let i = 0; i < outputs.length; i += BATCH) {
          const batch = outputs.slice(i, i + BATCH);
          const r = check(batch);
          if (r.status === 0) continue;
          for (const o of batch) {
            const one = check([o]);
            assert.is(one.status, 0, `${o.label}: ${one.stderr}`);
          }
          assert.unreachable(`batch failed but no single document did: ${r.stderr}`);
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
