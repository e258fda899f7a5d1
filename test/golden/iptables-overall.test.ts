// kube-proxy's TestOverallIPTablesRules (pkg/proxy/iptables/proxier_test.go), reproduced byte for
// byte: the expected dump is that test's expected text (sorted by its sortIPTablesRules). The fixture's fake iptables has no --random-fully and
// its masquerade mark is the literal "0x4000"; the ONLY transformations applied to our output are
// kube-proxy's test sort (a test utility) and 0x00004000 -> 0x4000 (the fake mark literal).
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderIptables } from '../../backends/iptables/index.ts';
import { makeSourceFile } from '../../common/source.ts';
import { loadKsvc } from '../../compiler/load-ksvc.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import { sortIPTablesRulesLikeKubeProxyTests } from './iptables/kube-proxy-test-sort.ts';
import { overallModel } from './iptables/model-builders.ts';

const expected = readFileSync(new URL('./iptables/overall.kube-proxy-test.expected', import.meta.url), 'utf8');

function diff(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++)
    if (x[i] !== y[i]) return `line ${i + 1}:\n  got:  ${x[i]}\n  want: ${y[i]}`;
  return '';
}

test('TestOverallIPTablesRules: byte for byte after the kube-proxy test sort', () => {
  const r = lowerModel(overallModel(), { environment: { randomFully: false, nfacct: true } });
  assert.equal(r.diagnostics, []);
  const text = renderIptables(r.programs[0]!, { format: 'restore' });
  const got = sortIPTablesRulesLikeKubeProxyTests(text).replaceAll('0x00004000', '0x4000');
  assert.ok(got === expected, diff(got, expected));
});

test('the same fixture written as .ksvc (overall.ksvc, through loadKsvc) gives the same dump', () => {
  const path = 'test/golden/iptables/overall.ksvc';
  const front = loadKsvc(
    makeSourceFile(path, readFileSync(new URL('./iptables/overall.ksvc', import.meta.url), 'utf8')),
  );
  assert.ok(front.model, front.diagnostics.map((d) => `${d.code}: ${d.message}`).join('\n'));
  assert.equal(
    front.diagnostics.map((d) => d.code),
    ['missing-node-port'],
    'only the expected warning (svc4 has no nodePort)',
  );
  const r = lowerModel(front.model!, { environment: { randomFully: false } });
  const got = sortIPTablesRulesLikeKubeProxyTests(renderIptables(r.programs[0]!)).replaceAll('0x00004000', '0x4000');
  assert.ok(got === expected, diff(got, expected));
});

test('the real mark is Go %#08x: six 0x00004000 tokens (value/mask pairs included), no bare 0x4000', () => {
  const text = renderIptables(lowerModel(overallModel()).programs[0]!);
  assert.is(text.split('0x00004000').length - 1, 6); // two rules carry value/mask pairs
  assert.not.ok(/0x4000\b/.test(text));
  assert.ok(text.includes('-j MASQUERADE --random-fully\n'));
});

test('a full restore input of one NodePort service, as proxier.go syncProxyRules writes it, equals the nodeport golden input', () => {
  const want = readFileSync(new URL('./iptables/reference-8b.expected', import.meta.url), 'utf8');
  const got = readFileSync(new URL('./iptables/nodeport.restore', import.meta.url), 'utf8');
  assert.ok(got === want, diff(got, want));
});

test.run();
