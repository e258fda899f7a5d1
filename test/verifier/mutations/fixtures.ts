// The artifacts the mutations edit: ksvc's own output for a node of a rich fixture, compiled in
// memory through the public API — examples/everything.ksvc, and test/verifier/fixtures/
// rich-splits.ksvc for the constructs it lacks. mutations.test.ts checks each unmutated target
// equivalent first (the baseline every mutation departs from).
import { readFileSync } from 'node:fs';
import { compileIptables } from '../../../api/iptables.ts';
import { load } from '../../../api/ksvc.ts';
import { lower } from '../../../api/lower.ts';
import { compileNftables } from '../../../api/nftables.ts';
import type { Family } from '../../../common/ip.ts';
import type { ClusterModel } from '../../../compiler/model.ts';
import type { Target } from './types.ts';

const FILES: Record<Target['fixture'], URL> = {
  everything: new URL('../../../examples/everything.ksvc', import.meta.url),
  split: new URL('../fixtures/rich-splits.ksvc', import.meta.url),
};

export interface Artifacts {
  model: ClusterModel;
  node: string;
  family: Family;
  /** iptables-restore text for the family (kube-proxy's restore input, no builtin-chain jumps) */
  iptables: string;
  /** the nft JSON command document (both families' tables) */
  nftables: string;
}

const models = new Map<string, ClusterModel>();
const cache = new Map<string, Artifacts>();

function modelOf(fixture: Target['fixture']): ClusterModel {
  let m = models.get(fixture);
  if (!m) {
    const loaded = load(readFileSync(FILES[fixture], 'utf8'), { file: FILES[fixture].pathname });
    if (!loaded.model) throw new Error(`${fixture}: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
    m = loaded.model;
    models.set(fixture, m);
  }
  return m;
}

export function artifactsOf(t: Target): Artifacts {
  const key = `${t.fixture}/${t.node}/${t.family}`;
  let a = cache.get(key);
  if (!a) {
    const model = modelOf(t.fixture);
    const lowered = lower(model, { node: t.node });
    const errors = lowered.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) throw new Error(`${key}: ${errors.map((d) => d.message).join('; ')}`);
    const ir = lowered.programs.find((p) => p.family === t.family);
    if (!ir) throw new Error(`${key}: no ${t.family} program`);
    a = {
      model,
      node: t.node,
      family: t.family,
      iptables: compileIptables(ir),
      nftables: compileNftables(lowered.programs),
    };
    cache.set(key, a);
  }
  return a;
}

export const targetName = (t: Target) => `${t.fixture}.ksvc node ${t.node} ${t.family}`;
