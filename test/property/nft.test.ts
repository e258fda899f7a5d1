// Property: for random valid models (test/property/arbitrary-model.ts), lowering + nftables
// rendering never throw, every document validates against the backend's JSON Schema, is
// deterministic and internally consistent (every jump/goto target and @set is declared before use,
// every per-service chain is reachable, every frontend dispatched to a shared balance chain
// `balance-K-N-P` has its DNAT address in each of dnat-K-0 … dnat-K-(N-1)), and — as root — passes
// `nft -j -c -f` (batched: documents are concatenated, each one replacing the previous table
// inside the same transaction; a failing batch is re-checked document by document).

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
    if (/^(service|local|external|nodeport|firewall|balance)-/.test(name))
      assert.ok(referenced.has(key), `${label}: ${name} is never jumped to`);
  }
}

/**
 * A shared balance chain DNATs through maps keyed by the packet's frontend; a frontend missing from
 * one of them would fall through undetected (no DNAT). For every dispatch element, follow the
 * chains it reaches and check its key is in every map the reached balance chains read.
 */
function checkBalanceMaps(commands: Cmd[], label: string): void {
  for (const family of ['ip', 'ip6']) {
    const gotos = new Map<string, string[]>();
    const maps = new Map<string, Set<string>>();
    const dispatch: { key: string; kind: 'ips' | 'nodeports'; target: string }[] = [];
    const keyText = (k: unknown): string => JSON.stringify(k);
    for (const c of commands) {
      const [kind, obj] = Object.entries(c.add ?? {})[0] ?? [];
      if (!obj || obj.family !== family) continue;
      if (kind === 'rule') {
        const targets = JSON.stringify(obj.expr).match(/"(?:goto|jump)":\{"target":"([^"]+)"/g) ?? [];
        const list = gotos.get(String(obj.chain)) ?? [];
        for (const t of targets) list.push(t.replace(/^.*"target":"/, '').slice(0, -1));
        gotos.set(String(obj.chain), list);
      } else if (kind === 'element') {
        const name = String(obj.name);
        for (const e of obj.elem as unknown[][]) {
          if (name.startsWith('dnat-')) {
            const set = maps.get(name) ?? new Set<string>();
            set.add(keyText(e[0]));
            maps.set(name, set);
          } else if (name === 'service-ips' || name === 'service-nodeports') {
            const v = e[1] as Record<string, { target: string }>;
            const target = (v.goto ?? v.jump)?.target;
            if (target)
              dispatch.push({ key: keyText(e[0]), kind: name === 'service-ips' ? 'ips' : 'nodeports', target });
          }
        }
      }
    }
    for (const d of dispatch) {
      const seen = new Set<string>();
      const walk = (chain: string): void => {
        if (seen.has(chain)) return;
        seen.add(chain);
        const m = /^balance-(cluster|local)-(ips|nodeports)-(\d+)-\d+$/.exec(chain);
        if (m) {
          assert.is(m[2], d.kind, `${label}: ${d.key} (${d.kind}) reaches ${chain}`);
          for (let i = 0; i < Number(m[3]); i++)
            assert.ok(
              maps.get(`dnat-${m[1]}-${m[2]}-${i}`)?.has(d.key),
              `${label}: ${d.key} missing from dnat-${m[1]}-${m[2]}-${i}`,
            );
        }
        for (const t of gotos.get(chain) ?? []) walk(t);
      };
      walk(d.target);
    }
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
      checkBalanceMaps(doc.nftables, l);
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
