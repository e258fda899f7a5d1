// compile's one full collection between lowering and the backend (cli/collect-garbage.ts): only
// for large inputs, and it really collects (an unreachable object behind a WeakRef is gone).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COLLECT_FROM_SERVICE_PORTS, collectGarbageNow, worthCollecting } from '../../cli/collect-garbage.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';

const withPorts = (n: number) => ({ servicePorts: { length: n } }) as unknown as IRProgram;

test('worth collecting from COLLECT_FROM_SERVICE_PORTS service ports, over every program', () => {
  assert.not.ok(worthCollecting([]));
  assert.not.ok(worthCollecting([withPorts(COLLECT_FROM_SERVICE_PORTS - 1)]));
  assert.ok(worthCollecting([withPorts(COLLECT_FROM_SERVICE_PORTS)]));
  assert.ok(worthCollecting([withPorts(COLLECT_FROM_SERVICE_PORTS / 2), withPorts(COLLECT_FROM_SERVICE_PORTS / 2)]));
});

test('a full collection: an object only a WeakRef holds is collected', async () => {
  let ref: WeakRef<object> | undefined;
  (() => {
    ref = new WeakRef({ payload: new Array(1000).fill(1) });
  })();
  // a WeakRef's target lives until the end of the job that made it
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(collectGarbageNow(), 'this Node gives a full collection');
  assert.is(ref!.deref(), undefined);
});

test.run();
