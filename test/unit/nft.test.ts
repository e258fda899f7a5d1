import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { restoreProbability } from '../../backends/iptables/numbers.ts';
import { nftablesCommands, renderNftablesJson, renderNftablesText } from '../../backends/nftables/index.ts';
import { hashAndTruncate } from '../../backends/nftables/names.ts';
import { cascadeThresholds, probabilityText, thresholdOf } from '../../backends/nftables/probability.ts';
import { schemaErrors } from '../../backends/nftables/schema/validate.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import { overallModel } from '../golden/iptables/model-builders.ts';

const overall = (): IRProgram[] => lowerModel(overallModel()).programs;
// biome-ignore lint/suspicious/noExplicitAny: walks parsed JSON of any shape
type Obj = Record<string, any>;
const rulesOf = (chain: string): string[] =>
  renderNftablesText(overall())
    .split('\n')
    .filter((l) => l.startsWith(`add rule ip kube-proxy ${chain} `))
    .map((l) => l.slice(`add rule ip kube-proxy ${chain} `.length));

test("names: kube-proxy's nftables hashes (hashAndTruncate, pkg/proxy/nftables/proxier.go)", () => {
  assert.is(hashAndTruncate('ns1/svc1/tcp/p80'), 'ULMVA6XW-ns1/svc1/tcp/p80');
  assert.is(hashAndTruncate('ns1/svc1/tcp/p80__10.180.0.1/80'), '5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80');
  assert.is(hashAndTruncate('ns2/svc2/tcp/p80').slice(0, 8), '42NFTM6N');
  assert.is(hashAndTruncate('ns1/svc1/tcp/p80__fd00.10.180..1/80').slice(0, 8), 'ZVRFLKHO');
  const long = hashAndTruncate(`ns/${'x'.repeat(300)}/tcp/p`);
  assert.is(long.length, 240);
  assert.ok(long.endsWith('...'));
});

test('non-ASCII base names hash like ASCII ones (node:crypto path)', () => {
  assert.is(hashAndTruncate('ns/caf\u00e9/tcp/p').length, 8 + 1 + 'ns/caf\u00e9/tcp/p'.length);
});

test("probability: thresholds are what iptables-restore stores for kube-proxy's %0.10f texts", () => {
  assert.is(probabilityText(3), '0.3333333333');
  assert.is(probabilityText(6), '0.1666666667');
  assert.equal(cascadeThresholds(1), []);
  assert.equal(cascadeThresholds(2), [1073741824]);
  assert.equal(cascadeThresholds(3), [715827883, 1073741824]);
  // iptables-save prints thr/2^31 with 11 decimals: 1/3 -> 0.33333333349, 1/6 -> 0.16666666651, 1/10 -> 0.10000000009
  for (const [n, saved] of [
    [3, '0.33333333349'],
    [5, '0.20000000019'],
    [6, '0.16666666651'],
    [7, '0.14285714272'],
    [10, '0.10000000009'],
  ] as const) {
    assert.is((thresholdOf(probabilityText(n)) / 2 ** 31).toFixed(11), saved, `1/${n}`);
  } // Go's %0.10f rounds ties to even (toFixed would print 0.0004882813 for 1/2048)
  assert.is(probabilityText(2048), '0.0004882812');
  // the threshold comes from the 10-decimal text, not from 2^31/n (they differ for n = 44)
  assert.is(thresholdOf(probabilityText(44)), 48806446);
  assert.is(Math.round(2 ** 31 / 44), 48806447);
  // the same text as the iptables backend's --probability token, for every n up to 20000
  for (let n = 1; n <= 20000; n++)
    if (probabilityText(n) !== restoreProbability(n))
      assert.unreachable(`1/${n}: ${probabilityText(n)} vs ${restoreProbability(n)}`);
});

test('overall: routing decisions rendered as iptables makes them', () => {
  const text = renderNftablesText(overall());
  // no endpoints: REJECT via reject-chain, in the ClusterIP check only
  assert.match(text, 'no-endpoint-services { 172.30.0.46 . tcp . 80 comment "ns6/svc6:p80" : goto reject-chain }');
  // eTP=Local without local endpoints: DROP for external IP, LB IP, NodePort; external chain has no final goto
  assert.match(
    text,
    'no-endpoint-external-ips { 192.168.99.22 . tcp . 80 comment "ns2/svc2:p80" : drop, 1.2.3.4 . tcp . 80 comment "ns2/svc2:p80" : drop }',
  );
  assert.match(text, 'no-endpoint-nodeports { tcp . 3001 comment "ns2/svc2:p80" : drop }');
  const ext2 = rulesOf('external-42NFTM6N-ns2/svc2/tcp/p80');
  assert.equal(ext2, [
    'ip saddr 10.0.0.0/8 goto service-42NFTM6N-ns2/svc2/tcp/p80',
    'fib saddr type local jump mark-for-masquerade',
    'fib saddr type local goto service-42NFTM6N-ns2/svc2/tcp/p80',
  ]);
  // source ranges: LB IP dispatched to the firewall chain; non-DNATed packets to it dropped post-DNAT
  assert.match(text, '5.6.7.8 . tcp . 80 : jump firewall-HVFWP5L3-ns5/svc5/tcp/p80');
  assert.match(text, 'firewall-ips { 5.6.7.8 . tcp . 80 : drop }');
  assert.equal(rulesOf('firewall-HVFWP5L3-ns5/svc5/tcp/p80'), [
    'ip saddr 203.0.113.0/25 goto external-HVFWP5L3-ns5/svc5/tcp/p80',
  ]);
  // health check node port accepted; localnet block present (IPv4, localhost NodePorts)
  assert.match(text, 'health-check-nodeports { 30000 }');
  assert.equal(rulesOf('filter-input'), [
    'ct state new jump firewall-check',
    'jump nodeport-health-checks',
    'ct state new jump external-endpoints-check',
    'jump localnet-check',
  ]);
  // localhost NodePorts: the dispatch does not exclude 127.0.0.0/8
  assert.equal(rulesOf('services'), [
    'ip daddr . meta l4proto . th dport vmap @service-ips',
    'fib daddr type local meta l4proto . th dport vmap @service-nodeports',
  ]);
  // affinity checked before the random choice, refreshed in the endpoint chain
  assert.equal(rulesOf('service-HVFWP5L3-ns5/svc5/tcp/p80'), [
    'ip daddr 172.30.0.45 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade',
    'ip saddr . ip saddr & 0.0.0.0 | 10.180.0.3 . th dport & 0 | 80 @affinity-HVFWP5L3-ns5/svc5/tcp/p80 goto endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80',
    'goto endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80',
  ]);
  // one affinity set per service port, keyed by client . endpoint ip . endpoint port
  assert.match(
    text,
    'add set ip kube-proxy affinity-HVFWP5L3-ns5/svc5/tcp/p80 { type ipv4_addr . ipv4_addr . inet_service ; flags timeout ; timeout 10800s ; }',
  );
  assert.equal(
    rulesOf('endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80')[1],
    'update @affinity-HVFWP5L3-ns5/svc5/tcp/p80 { ip saddr . ip saddr & 0.0.0.0 | 10.180.0.3 . th dport & 0 | 80 }',
  );
  assert.equal(rulesOf('service-LAUZTJTB-ns4/svc4/tcp/p80').slice(1), [
    'meta random & 0x7fffffff < 1073741824 goto endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80',
    'goto endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80',
  ]);
  // no kube-proxy-nft-only behaviour: no cluster-ips set / cluster-ips-check rejects
  assert.not.match(text, 'cluster-ips');
});

test('document: metainfo, atomic table replace, objects before their users; deterministic bytes', () => {
  const cmds = nftablesCommands(overall()) as Obj[];
  assert.equal(cmds[0], { metainfo: { json_schema_version: 1 } });
  assert.equal(
    cmds.slice(1, 4).map((c) => Object.keys(c)[0]),
    ['add', 'delete', 'add'],
  );
  const kinds = cmds.slice(4).map((c) => Object.keys(c.add)[0] ?? '');
  const order = ['chain', 'set', 'element', 'rule'];
  const rank = kinds.map((k) => order.indexOf(k === 'map' ? 'set' : k));
  assert.ok(
    rank.every((r, i) => r >= 0 && (i === 0 || r >= rank[i - 1]!)),
    'chains, sets/maps, elements, rules',
  );
  assert.is(renderNftablesJson(overall()), renderNftablesJson(overall()));
  assert.not.ok(renderNftablesJson(overall(), { replace: false }).includes('"delete"'));
});

test('schema: accepts the output, rejects nft 1.0.6 silent-drop and unsupported forms', () => {
  const doc = JSON.parse(renderNftablesJson(overall())) as { nftables: Obj[] };
  assert.equal(schemaErrors(doc), null);
  const mutate = (f: (d: { nftables: Obj[] }) => void): string[] | null => {
    const d = structuredClone(doc);
    f(d);
    return schemaErrors(d);
  };
  const find = (d: { nftables: Obj[] }, pred: (c: Obj) => boolean) => d.nftables.find(pred)!;
  const baseChain = (d: { nftables: Obj[] }) => find(d, (c) => c.add?.chain?.hook !== undefined).add.chain;
  const affinity = (d: { nftables: Obj[] }) => find(d, (c) => c.add?.set?.flags !== undefined).add.set;
  assert.ok(
    mutate((d) => (baseChain(d).prio = 'dstnat')),
    'string prio',
  );
  assert.ok(
    mutate((d) => delete baseChain(d).hook),
    'type without hook',
  );
  assert.ok(
    mutate((d) => (affinity(d).flags = ['dynamic', 'timeout'])),
    'dynamic flag',
  );
  assert.ok(
    mutate((d) => (affinity(d).comment = 'x')),
    'set comment',
  );
  assert.ok(
    mutate((d) => (find(d, (c) => c.add?.table).add.table.comment = 'x')),
    'table comment',
  );
  assert.ok(
    mutate((d) => (find(d, (c) => c.add?.chain).add.chain.comment = 'x')),
    'chain comment',
  );
  assert.ok(
    mutate((d) => (d.nftables[0] = { metainfo: { json_schema_version: 2 } })),
    'schema version 2',
  );
  assert.ok(
    mutate((d) => d.nftables.push({ destroy: { table: { family: 'ip', name: 'kube-proxy' } } })),
    'destroy',
  );
  assert.ok(
    mutate((d) => delete find(d, (c) => c.add?.rule?.expr?.[0]?.match).add.rule.expr[0].match.op),
    'missing op',
  );
  assert.ok(
    mutate((d) => (find(d, (c) => c.add?.rule).add.rule.bogus = 1)),
    'unknown property',
  );
  // the affinity key's typed constant: the mask must be zero (else the key would depend on the packet)
  const affinityRule = (d: { nftables: Obj[] }) =>
    find(d, (c) => c.add?.rule?.expr?.[0]?.match?.right?.startsWith?.('@affinity-')).add.rule;
  assert.equal(
    mutate(() => {}),
    null,
  );
  assert.ok(
    mutate((d) => (affinityRule(d).expr[0].match.left.concat[1]['|'][0]['&'][1] = '255.0.0.0')),
    'non-zero mask in a typed constant',
  );
  assert.ok(
    mutate((d) => (affinityRule(d).expr[0].match.left = affinityRule(d).expr[0].match.left.concat[1])),
    'typed constant outside a concatenation',
  );
});

test('text form prints one line per command (metainfo aside)', () => {
  const cmds = nftablesCommands(overall());
  assert.is(renderNftablesText(overall()).trimEnd().split('\n').length, cmds.length - 1);
});

test.run();
