// A prepared check (verifier/verify.ts prepareVerify) holds the space and the compiled rulesets,
// not the readers' models: once the caller lets go of the models they are collected before the
// check runs, and the check still gives the same report. At 10,000 services the models are about
// 700 MB of the live heap (docs/benchmarks.md), so this is what keeps `verify` within a heap cap.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { collectConstants, emptyConstants } from '../../verifier/engine/constants.ts';
import { collectIRConstants } from '../../verifier/engine/ir-view.ts';
import { type PreparedVerify, prepareVerify, runVerify, verify } from '../../verifier/verify.ts';
import { smallAffinityIR, verifyInputOf } from './generated-setup.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const R = suite('a prepared check does not keep the models');

/** Prepared in its own frame: only weak references to the models leave it. */
function preparedWithWeakModels(ir: IRProgram): { prepared: PreparedVerify; models: WeakRef<object>[] } {
  const i = verifyInputOf(ir);
  return { prepared: prepareVerify(i), models: i.artifacts.map((a) => new WeakRef(a.program)) };
}

R('the models are collected once prepared, and the report is the one verify gives', async () => {
  const ir = smallAffinityIR();
  const { prepared, models } = preparedWithWeakModels(ir);
  // WeakRef targets stay alive until the current job ends (a deref too); an optimizing compile on
  // V8's helper thread may hold a model until it finishes (see the probe below): a few rounds
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
  for (let round = 0; round < 5 && models.some((m) => m.deref() !== undefined); round++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc();
  }
  assert.equal(
    models.map((m) => m.deref() === undefined),
    [true, true],
    'a model is still reachable from the prepared check',
  );
  const report = runVerify(prepared);
  assert.ok(report.equivalent);
  const direct = verify(verifyInputOf(ir));
  assert.equal(report.stats, direct.stats);
  assert.equal(report.notes, direct.notes);
  assert.equal(report.ignored, direct.ignored);
});

R(
  'consuming its input, prepareVerify lets the iptables model go before it compiles the nft ruleset, and each compile lets the chains it has compiled go',
  () => {
    // In a process of its own: an optimizing compile on V8's helper thread holds handles to what it
    // looked at (an artifact among them) until it finishes, so the probe runs without one.
    const r = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '--no-concurrent-recompilation',
        '--import',
        'tsx',
        fileURLToPath(new URL('release-probe.ts', import.meta.url)),
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.is(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout), { consumed: true, given: false, chainsFreed: { consume: true, keep: false } });
  },
);

R('prepareVerify leaves its input as given (a caller that keeps it keeps the models)', () => {
  const i = verifyInputOf(smallAffinityIR());
  const programs = i.artifacts.map((a) => a.program);
  prepareVerify(i);
  assert.is(i.artifacts.length, 2);
  i.artifacts.forEach((a, k) => {
    assert.is(a.program, programs[k]);
  });
});

R('a prepared check keeps each address range its participants name once', () => {
  const ir = smallAffinityIR();
  const i = verifyInputOf(ir);
  const all = emptyConstants();
  for (const a of i.artifacts) collectConstants(all, a.program, a.canonicalList);
  collectIRConstants(all, ir);
  const text = (r: readonly [bigint, bigint]) => `${r[0]}-${r[1]}`;
  const named = prepareVerify(i).named.map(text);
  assert.is(new Set(named).size, named.length, 'no range twice');
  assert.equal(new Set(named), new Set(all.addresses.map(text)), 'every named range');
  assert.ok(all.addresses.length > 2 * named.length, `${all.addresses.length} ranges named, ${named.length} distinct`);
});

R.run();
