// A numgen's buckets weighed by ranges: a modulus may be anything up to 2^32 − 1, so never bucket
// by bucket (found by an exploratory test: a modulus of 4294967295 made verify run for minutes).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileIptables } from '../../api/iptables.ts';
import { check, parse } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { verifyArtifacts } from '../../api/verify.ts';
import { numgenBucketCount, numgenCount } from '../../verifier/model/numgen.ts';

test('a range of numgen buckets weighs what its buckets weigh one by one', () => {
  for (let modulus = 1; modulus <= 40; modulus++) {
    for (let first = 0; first < modulus; first += 3) {
      for (let last = first; last < modulus; last += 2) {
        let sum = 0n;
        for (let k = first; k <= last; k++) sum += numgenBucketCount(modulus, k);
        assert.is(numgenCount(modulus, 0, [[first, last]]), sum, `${modulus}: ${first}..${last}`);
      }
    }
  }
  // every bucket of the largest modulus together is certainty
  assert.is(numgenCount(4294967295, 0, [[0, 4294967294]]), 1n << 32n);
});

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'kube-proxy-nftables');
const overall = readFileSync(path.join(dir, 'overall.json'), 'utf8');
const model = check(parse(readFileSync(path.join(dir, 'overall.ksvc'), 'utf8'), { file: 'overall.ksvc' })).model!;
const ir = lower(model, { node: 'test-node', family: 'ipv4' }).programs[0]!;
const iptables = { text: compileIptables(ir), file: 'iptables' };

test('a numgen modulus near 2^32 is read and compared like any other', () => {
  const two = '"numgen": { "mode": "random", "mod": 2, "offset": 0 }';
  assert.ok(overall.includes(two));
  const huge = overall.replace(two, '"numgen": { "mode": "random", "mod": 4294967295, "offset": 0 }');
  const r = verifyArtifacts({ iptables, nftables: { text: huge, file: 'huge.json' }, family: 'ipv4' });
  assert.equal(
    r.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  // the two endpoints' half each is gone: of 2^32 − 1 buckets, two go to an endpoint
  assert.not.ok(r.runs[0]!.report!.equivalent);
});

test.run();
