// One service with more endpoints than a function call takes arguments (about 120,000 here): both
// backends render it. The nft backend once spread its chain and map lists into a push and stopped
// with "Maximum call stack size exceeded" (found by a security review).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileIptables } from '../../api/iptables.ts';
import { load } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { compileNftables } from '../../api/nftables.ts';

const ENDPOINTS = 150_000;

test(`a service with ${ENDPOINTS} endpoints renders in both backends`, () => {
  const eps = Array.from({ length: ENDPOINTS }, (_, i) => `10.${(i >> 16) + 1}.${(i >> 8) & 255}.${i & 255} on n`);
  const text = `node n { address 10.0.0.1 }\nservice a/b {\n  http: ClusterIP 10.32.0.1:80/tcp -> endpoints\n  endpoints ${eps.join(', ')}\n}\n`;
  const loaded = load(text, { file: 'large.ksvc' });
  assert.ok(loaded.model, loaded.diagnostics.map((d) => d.message).join('\n'));
  const lowered = lower(loaded.model!, { node: 'n' });
  assert.is(lowered.programs.length, 1);
  const nft = compileNftables(lowered.programs);
  assert.ok(nft.includes('10.3.73.239'), 'the last endpoint is in the nft document');
  const ipt = compileIptables(lowered.programs[0]!);
  assert.ok(ipt.includes('10.3.73.239'), 'the last endpoint is in the iptables output');
});

test.run();
