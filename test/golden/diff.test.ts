// Goldens of `ksvc diff`'s text, byte for byte (UPDATE_GOLDEN=1 rewrites them — read every line
// before committing): examples/everything.ksvc against a copy with three edits (an endpoint more,
// a service gone, endpoints for an empty port), on one node, for each backend; the summary, each
// change's witness, region and distributions, and the explain lines are what a reviewer reads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expectGolden } from '../support/golden.ts';
import { ksvc } from '../unit/verify-cli-support.ts';

const dir = new URL('./diff/', import.meta.url);

for (const backend of ['iptables', 'nftables'] as const) {
  test(`diff golden: everything.ksvc, three edits, node-a, ${backend}`, async () => {
    const r = await ksvc(
      'diff',
      'examples/everything.ksvc',
      'test/golden/diff/everything-edited.ksvc',
      '--node',
      'node-a',
      '--backend',
      backend,
    );
    assert.is(r.code, 1, r.stderr);
    expectGolden(new URL(`everything-edited.${backend}.txt`, dir), r.stdout);
  });
}

test.run();
