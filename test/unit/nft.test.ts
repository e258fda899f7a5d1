import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { restoreProbability } from '../../backends/iptables/numbers.ts';
import { documentChunks, ownedDocumentChunks, renderDocument, tableStamp } from '../../backends/nftables/document.ts';
import {
  buildRulesets,
  nftablesCommands,
  renderNftablesJson,
  renderNftablesJsonChunks,
  renderNftablesText,
} from '../../backends/nftables/index.ts';
import { hashAndTruncate } from '../../backends/nftables/names.ts';
import { cascadeThresholds, probabilityText, thresholdOf } from '../../backends/nftables/probability.ts';
import { ElementList } from '../../backends/nftables/ruleset.ts';
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
  // eTP=Local without local endpoints: DROP for external IP, LB IP, NodePort; external chains have no final goto
  assert.match(
    text,
    'no-endpoint-external-ips { 192.168.99.22 . tcp . 80 comment "ns2/svc2:p80" : drop, 1.2.3.4 . tcp . 80 comment "ns2/svc2:p80" : drop }',
  );
  assert.match(text, 'no-endpoint-nodeports { tcp . 3001 comment "ns2/svc2:p80" : drop }');
  assert.equal(rulesOf('external-42NFTM6N-ns2/svc2/tcp/p80'), [
    'ip saddr 10.0.0.0/8 goto balance-cluster-ips-1-80',
    'fib saddr type local meta mark set meta mark | 0x00004000 goto balance-cluster-ips-1-80',
  ]);
  // the NodePort twin of the external chain looks the frontend up by node port
  assert.equal(rulesOf('nodeport-42NFTM6N-ns2/svc2/tcp/p80'), [
    'ip saddr 10.0.0.0/8 goto balance-cluster-nodeports-1-80',
    'fib saddr type local meta mark set meta mark | 0x00004000 goto balance-cluster-nodeports-1-80',
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
  // masquerade marks are set lookups before the dispatch; localhost NodePorts: no 127.0.0.0/8 exclusion
  assert.equal(rulesOf('services'), [
    'ip daddr . meta l4proto . th dport @cluster-ips-masquerade ip saddr != 10.0.0.0/8 meta mark set meta mark | 0x00004000',
    'ip daddr . meta l4proto . th dport @external-ips-masquerade meta mark set meta mark | 0x00004000',
    'ip daddr . meta l4proto . th dport vmap @service-ips',
    'fib daddr type local meta l4proto . th dport @nodeports-masquerade meta mark set meta mark | 0x00004000',
    'fib daddr type local meta l4proto . th dport vmap @service-nodeports',
  ]);
  assert.match(text, 'cluster-ips-masquerade { 172.30.0.41 . tcp . 80, 172.30.0.42 . tcp . 80,');
  // eTP=Cluster frontends go straight to the shared balance chains; their marks come from the sets
  assert.match(text, '192.168.99.33 . tcp . 80 : goto balance-cluster-ips-2-80');
  assert.match(text, 'external-ips-masquerade { 192.168.99.33 . tcp . 80 }');
  assert.match(text, 'tcp . 3003 : goto balance-cluster-nodeports-1-80');
  // shared balancing: svc4's two endpoints are the 0th and 1st DNAT maps' values for its frontends
  assert.equal(rulesOf('balance-cluster-ips-2-80'), [
    'meta random & 0x7fffffff < 1073741824 dnat to ip daddr . meta l4proto . th dport map @dnat-cluster-ips-0:80',
    'dnat to ip daddr . meta l4proto . th dport map @dnat-cluster-ips-1:80',
  ]);
  assert.match(text, '172.30.0.44 . tcp . 80 : 10.180.0.4');
  assert.match(
    text,
    'dnat-cluster-ips-1 { 172.30.0.44 . tcp . 80 : 10.180.0.5, 192.168.99.33 . tcp . 80 : 10.180.0.5 }',
  );
  // hairpin: marked after DNAT by a set of endpoint . endpoint pairs, in postrouting and input
  assert.match(text, 'hairpin { 10.180.0.1 . 10.180.0.1, 10.180.0.2 . 10.180.0.2,');
  assert.equal(rulesOf('nat-postrouting'), [
    'ct status dnat ip saddr . ip daddr @hairpin meta mark set meta mark | 0x00004000 comment "hairpin traffic"',
    'jump masquerading',
  ]);
  assert.equal(rulesOf('nat-input'), [
    'ct status dnat ip saddr . ip daddr @hairpin meta mark set meta mark | 0x00004000 comment "hairpin traffic to a local endpoint"',
  ]);
  // affinity: checked before the random choice, recorded by the rule that DNATs
  assert.equal(rulesOf('service-HVFWP5L3-ns5/svc5/tcp/p80'), [
    'ip saddr . ip saddr & 0.0.0.0 | 10.180.0.3 . th dport & 0 | 80 @affinity-HVFWP5L3-ns5/svc5/tcp/p80 meta l4proto tcp update @affinity-HVFWP5L3-ns5/svc5/tcp/p80 { ip saddr . 10.180.0.3 . 80 } dnat to 10.180.0.3:80',
    'meta l4proto tcp update @affinity-HVFWP5L3-ns5/svc5/tcp/p80 { ip saddr . 10.180.0.3 . 80 } dnat to 10.180.0.3:80',
  ]);
  // one affinity set per service port, keyed by client . endpoint ip . endpoint port
  assert.match(
    text,
    'add set ip kube-proxy affinity-HVFWP5L3-ns5/svc5/tcp/p80 { type ipv4_addr . ipv4_addr . inet_service ; flags timeout ; timeout 10800s ; }',
  );
  // no per-endpoint chains, no kube-proxy-nft-only behaviour (cluster-ips set / cluster-ips-check rejects)
  assert.not.match(text, 'chain ip kube-proxy endpoint-');
  assert.not.match(text, 'cluster-ips-check');
  assert.not.match(text, 'set ip kube-proxy cluster-ips ');
});

test('balance chains: the cascade thresholds of iptables, one rule per endpoint, the last unconditional', () => {
  const model = overallModel();
  const svc = model.services.find((s) => s.name === 'svc4')!;
  const base = svc.endpoints[0]!;
  svc.endpoints = [1, 2, 3, 4, 5, 6, 7].map((i) => ({ ...base, address: `10.180.1.${i}` as typeof base.address }));
  const rules = renderNftablesText(lowerModel(model).programs)
    .split('\n')
    .filter((l) => l.startsWith('add rule ip kube-proxy balance-cluster-ips-7-80 '));
  const thresholds = cascadeThresholds(7);
  assert.is(rules.length, 7);
  rules.forEach((r, i) => {
    const dnat = `dnat to ip daddr . meta l4proto . th dport map @dnat-cluster-ips-${i}:80`;
    const draw = thresholds[i] === undefined ? '' : `meta random & 0x7fffffff < ${thresholds[i]} `;
    assert.is(r, `add rule ip kube-proxy balance-cluster-ips-7-80 ${draw}${dnat}`);
  });
});

test('a set whose endpoints differ in target port gets its own chain with the ports written out', () => {
  const model = overallModel();
  const svc = model.services.find((s) => s.name === 'svc4')!;
  svc.endpoints = [
    { ...svc.endpoints[0]!, ports: { p80: 8080 } },
    { ...svc.endpoints[1]!, ports: { p80: 9090 } },
  ];
  svc.ports = [{ ...svc.ports[0]!, targetPort: 'p80' }];
  const text = renderNftablesText(lowerModel(model).programs);
  assert.match(text, '172.30.0.44 . tcp . 80 : goto service-LAUZTJTB-ns4/svc4/tcp/p80');
  assert.equal(
    text
      .split('\n')
      .filter((l) => l.startsWith('add rule ip kube-proxy service-LAUZTJTB-ns4/svc4/tcp/p80 '))
      .map((l) => l.slice('add rule ip kube-proxy service-LAUZTJTB-ns4/svc4/tcp/p80 '.length)),
    [
      'meta random & 0x7fffffff < 1073741824 meta l4proto tcp dnat to 10.180.0.4:8080',
      'meta l4proto tcp dnat to 10.180.0.5:9090',
    ],
  );
  assert.not.match(text, 'dnat-cluster-ips-1');
});

test('a key twice in a map or set is an internal error naming the key', () => {
  const list = new ElementList('service-ips');
  list.add({ key: ['10.0.0.1', 'tcp', 80] });
  assert.throws(
    () => list.add({ key: ['10.0.0.1', 'tcp', 80] }),
    /service-ips would get key 10\.0\.0\.1 \. tcp \. 80 twice/,
  );
  // the IR normally never has it (frontend-in-use); an IR that does is refused, not half-rendered
  const [ir] = overall();
  const sp = ir!.servicePorts[0]!;
  const twice: IRProgram = { ...ir!, servicePorts: [sp, { ...sp, servicePortName: 'copy' }] };
  assert.throws(() => renderNftablesJson(twice), /internal error: .*172\.30\.0\.41 \. tcp \. 80/);
});

test('chunks: the streamed document has the bytes of the one-string render', () => {
  const rulesets = buildRulesets(overall());
  const whole = renderDocument(rulesets);
  const small = [...documentChunks(rulesets, {}, 500)];
  assert.ok(small.length > 10, `${small.length} chunks`);
  assert.ok(small.slice(0, -1).every((c) => c.length >= 500));
  // and never much more: a chunk ends inside a chain's rules or a list of declarations too
  const longest = Math.max(...whole.split('\n').map((l) => l.length + 1));
  assert.ok(
    small.every((c) => c.length < 500 + longest),
    `${Math.max(...small.map((c) => c.length))} characters`,
  );
  assert.is(small.join(''), whole);
  assert.is([...renderNftablesJsonChunks(overall())].join(''), renderNftablesJson(overall()));
  assert.is(
    [...documentChunks(rulesets, { replace: false }, 64)].join(''),
    renderDocument(rulesets, { replace: false }),
  );
});

test('version stamps: each table ends with an empty set named after its content`s digest', () => {
  const rulesets = buildRulesets(overall());
  const plain = renderDocument(rulesets);
  const stamped = renderDocument(rulesets, { stamp: true });
  assert.is(schemaErrors(JSON.parse(stamped)), null);
  const stamps = rulesets.map(tableStamp);
  assert.ok(
    stamps.every((st) => /^[0-9a-f]{16}$/.test(st)),
    stamps.join(' '),
  );
  // the table's last command, and nothing else differs
  const commands = (text: string) =>
    (JSON.parse(text) as { nftables: unknown[] }).nftables.map((c) => JSON.stringify(c));
  const all = commands(stamped);
  assert.equal(all.slice(-1), [
    `{"add":{"set":{"family":"ip","table":"kube-proxy","name":"ksvc-version-${stamps[0]}","type":"ipv4_addr"}}}`,
  ]);
  assert.is(rulesets.length, 1);
  assert.equal(all.slice(0, -1), commands(plain));
  assert.is([...documentChunks(rulesets, { stamp: true }, 500)].join(''), stamped);
  assert.is([...ownedDocumentChunks(buildRulesets(overall()), { stamp: true }, 64)].join(''), stamped);
  // the content, not how it is laid out: without the table replace the same stamp; another rule, another
  assert.ok(renderDocument(rulesets, { stamp: true, replace: false }).includes(`ksvc-version-${stamps[0]}`));
  const edited = buildRulesets(overall());
  edited[0]!.chains[0]!.rules.pop();
  assert.is.not(tableStamp(edited[0]!), stamps[0]);
});

test('owned chunks: the same bytes, and the rulesets given away are let go as they are written', () => {
  const rulesets = buildRulesets(overall());
  const whole = renderDocument(rulesets);
  const counts = (rs: typeof rulesets) => ({
    elements: rs.flatMap((r) => r.sets).reduce((n, s) => n + s.elements.length, 0),
    rules: rs.flatMap((r) => r.chains).reduce((n, c) => n + c.rules.length, 0),
  });
  const before = counts(rulesets);
  assert.ok(before.elements > 0 && before.rules > 0, JSON.stringify(before));
  const seen: { elements: number; rules: number }[] = [];
  let text = '';
  for (const chunk of ownedDocumentChunks(rulesets, {}, 64)) {
    text += chunk;
    seen.push(counts(rulesets));
  }
  assert.is(text, whole);
  // released while it went (a chunk was handed out with some already gone), all of it by the end
  assert.ok(
    seen.some((c) => c.rules > 0 && c.rules < before.rules),
    'no chunk came between the first and the last chain let go',
  );
  assert.equal(counts(rulesets), { elements: 0, rules: 0 });
  assert.is(renderNftablesJson(overall()), whole);
  // documentChunks leaves the rulesets as they were
  const kept = buildRulesets(overall());
  [...documentChunks(kept, {}, 64)];
  assert.equal(counts(kept), before);
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
  const dnatMap = (d: { nftables: Obj[] }) => find(d, (c) => c.add?.map?.map === 'ipv4_addr').add.map;
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
  // a concatenated map value: nft 1.0.6 ignores the array (a plain set, then a crash) or rejects the name
  assert.ok(
    mutate((d) => (dnatMap(d).map = ['ipv4_addr', 'inet_service'])),
    'concatenated map value (array)',
  );
  assert.ok(
    mutate((d) => (dnatMap(d).map = 'ipv4_addr . inet_service')),
    'concatenated map value (name)',
  );
});

test('text form prints one line per command (metainfo aside)', () => {
  const cmds = nftablesCommands(overall());
  assert.is(renderNftablesText(overall()).trimEnd().split('\n').length, cmds.length - 1);
});

// backends/nftables/service-port.ts keeps the last detector's id (its JSON) across calls: an IR a
// library caller changed between two renders (a detector edited in place, another service port
// given a new detector equal to its old value) must render as a fresh IR does.
test('masquerade groups: a detector changed in place between two renders is read afresh', () => {
  const fresh = (edit: (p: IRProgram) => void): string => {
    const p = overall()[0]!;
    for (const sp of p.servicePorts) sp.localDetector = p.localDetector;
    edit(p);
    return renderNftablesText([p]);
  };
  const edit = (p: IRProgram) => {
    const sps = p.servicePorts.filter((sp) => sp.internalMasquerade === 'ifNotLocal');
    const old = structuredClone(p.localDetector);
    Object.assign(p.localDetector, { kind: 'cidr', cidr: '10.99.0.0/16' });
    sps.at(-1)!.localDetector = old;
  };
  const p = overall()[0]!;
  for (const sp of p.servicePorts) sp.localDetector = p.localDetector;
  assert.ok(p.servicePorts.filter((sp) => sp.internalMasquerade === 'ifNotLocal').length >= 2);
  renderNftablesText([p]);
  edit(p);
  assert.is(renderNftablesText([p]), fresh(edit));
});

test.run();
