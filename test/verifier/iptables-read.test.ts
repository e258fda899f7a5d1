// The iptables reader on ksvc's own output: every golden (restore and save forms), every example
// with hooks; the two forms of one ruleset give the same program; and what each construct means.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ASSUMED_HOOKS_NOTE, KUBE_PROXY_HOOKS, readIptables } from '../../verifier/iptables/index.ts';
import type { Rule, Step } from '../../verifier/model/program.ts';
import { liveHeap } from '../support/live-heap.ts';
import { codesAt, exampleOutputs, goldenFiles, withoutOrigins } from './iptables-support.ts';

const test = suite('iptables reader: ksvc output');

test('every golden restore/save/expected dump reads without a diagnostic (hooks assumed)', () => {
  const files = goldenFiles();
  assert.ok(files.length >= 60, `found only ${files.length} goldens`);
  for (const f of files) {
    const r = readIptables(f.text, { file: f.name, assumeHooks: true });
    assert.equal(codesAt(r.diagnostics), [], f.name);
    assert.ok(r.program, f.name);
    assert.ok(r.program!.chains.has('nat/KUBE-SERVICES'), `${f.name}: KUBE-SERVICES reached`);
  }
});

test('the restore and save forms of each golden give the same program', () => {
  const files = new Map(goldenFiles().map((f) => [f.name, f.text]));
  let pairs = 0;
  for (const [name, text] of files) {
    if (!name.endsWith('.restore')) continue;
    const save = files.get(name.replace(/\.restore$/, '.save'));
    if (save === undefined) continue;
    const a = readIptables(text, { file: name, assumeHooks: true }).program!;
    const b = readIptables(save, { file: name, assumeHooks: true }).program!;
    assert.equal(withoutOrigins(a), withoutOrigins(b), name);
    pairs++;
  }
  assert.ok(pairs >= 30, `only ${pairs} restore/save pairs`);
});

test("ksvc's --with-hooks output of every example (every node and family) reads, restore = save", () => {
  const outputs = exampleOutputs();
  assert.ok(outputs.length >= 6, `only ${outputs.length} example outputs`);
  for (const o of outputs) {
    const a = readIptables(o.restore, { file: `${o.label} restore` });
    const b = readIptables(o.save, { file: `${o.label} save` });
    assert.equal(codesAt(a.diagnostics), [], o.label);
    assert.equal(codesAt(b.diagnostics), [], o.label);
    assert.equal(a.program!.notes.includes(ASSUMED_HOOKS_NOTE), false, 'the hooks are in the text');
    assert.equal(withoutOrigins(a.program!), withoutOrigins(b.program!), o.label);
    // ksvc writes nothing out of scope; at most a fixed chain no rule jumps to (e.g. an unused KUBE-NODEPORTS)
    for (const i of a.program!.ignored) assert.equal(i.kind, 'chain', `${o.label}: ${i.name}`);
  }
});

test('assumed hooks: the same program as the text with hooks, origins marked assumed, a note', () => {
  const o = exampleOutputs().find((x) => x.label.startsWith('seed-clusterip.ksvc'))!;
  const hooked = readIptables(o.restore, { file: 'hooked' }).program!;
  const bare = o.restore
    .split('\n')
    .filter((l) => !/^-A (PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) /.test(l))
    .join('\n');
  const none = readIptables(bare, { file: 'bare' });
  assert.equal(codesAt(none.diagnostics), ['ipt-no-hooks@-']);
  assert.equal(none.diagnostics[0]!.severity, 'warning');
  assert.ok(none.program!.ignored.some((i) => i.name === 'nat/KUBE-SERVICES'));
  const assumed = readIptables(bare, { file: 'bare', assumeHooks: true });
  assert.equal(codesAt(assumed.diagnostics), []);
  const p = assumed.program!;
  assert.ok(p.notes.includes(ASSUMED_HOOKS_NOTE));
  const { notes: _n1, ...a } = withoutOrigins(p) as { notes: string[] };
  const { notes: _n2, ...b } = withoutOrigins(hooked) as { notes: string[] };
  assert.equal(a, b);
  const prerouting = p.chains.get('nat/PREROUTING')!.rules;
  assert.equal(prerouting.length, 1);
  assert.equal(prerouting[0]!.origin.assumed, true);
  assert.equal(prerouting[0]!.origin.line, undefined);
  assert.equal(
    KUBE_PROXY_HOOKS.map((h) => h.line),
    o.restore.split('\n').filter((l) => /^-A (PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) /.test(l)),
    "the assumed hooks are ksvc's --with-hooks jumps, in the same order",
  );
});

// ---- what each construct means ------------------------------------------------------------

const RULES = `*filter
:KUBE-NODEPORTS - [0:0]
:KUBE-A - [0:0]
-A INPUT -j KUBE-NODEPORTS
-A KUBE-NODEPORTS -j KUBE-A
-A KUBE-A -m comment --comment "x y" -m tcp -p tcp -d 10.0.0.1 --dport 80 -j ACCEPT
-A KUBE-A ! -s 10.0.0.0/8 -i eth+ ! -o lo -p udp -m udp --sport 1000:2000 -j DROP
-A KUBE-A -p tcp -m multiport --dports 80,443,8000:8080 -j REJECT --reject-with tcp-reset
-A KUBE-A -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j REJECT
-A KUBE-A -m state --state NEW -m addrtype --src-type LOCAL ! --dst-type LOCAL -j RETURN
-A KUBE-A -m mark ! --mark 0x4000/0x4000 -m mark --mark 7 -j ACCEPT
-A KUBE-A -m nfacct --nfacct-name  ct_state_invalid_dropped_pkts -j DROP
-A KUBE-A -c 10 20 -p sctp -m sctp --dport 9 -j ACCEPT
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-B - [0:0]
:KUBE-C - [0:0]
[5:300] -A PREROUTING -j KUBE-SERVICES
-A KUBE-SERVICES -j KUBE-B
-A KUBE-B -j MARK --or-mark 0x4000
-A KUBE-B -j MARK --set-xmark 0x4000/0x4000
-A KUBE-B -j MARK --set-xmark 0x4000/0x0
-A KUBE-B -j MARK --xor-mark 0x4000
-A KUBE-B -j MARK --set-xmark 0x8000/0xffffffff
-A KUBE-B -j MARK --set-mark 0x1/0x3
-A KUBE-B -j MARK --and-mark 0xff
-A KUBE-B -m statistic --mode random --probability 0.3333333333 -j KUBE-C
-A KUBE-B -m statistic --mode random --probability 0.33333333349 -j KUBE-C
-A KUBE-B -m statistic --mode random ! --probability 0.25 -g KUBE-C
-A KUBE-B -m recent --name KUBE-SEP-X --rcheck --seconds 10800 --reap --mask 255.255.255.255 --rsource -j KUBE-C
-A KUBE-B -m recent --update --seconds 60 --name L --rdest -j KUBE-C
-A KUBE-C -m recent --set --name KUBE-SEP-X --mask 255.255.255.255 --rsource -m tcp -p tcp -j DNAT --to-destination 10.1.2.3:8080
-A KUBE-C -p udp -j DNAT --to-destination 10.1.2.3
COMMIT
`;

const read = () => {
  const r = readIptables(RULES, { file: 'rules' });
  assert.equal(codesAt(r.diagnostics), []);
  return r.program!;
};
const steps = (rules: Rule[]): Step[][] => rules.map((r) => r.steps);
const fields = (parts: object[], negate = false) => ({ kind: 'test', test: { kind: 'fields', parts }, negate });
const addr = (a: number, b: number, c: number, d: number) => BigInt(((a << 24) >>> 0) + (b << 16) + (c << 8) + d);

test('filter constructs: header first in kernel order, then matches as written, then the target', () => {
  const p = read();
  assert.equal(p.family, 'ipv4');
  const a = steps(p.chains.get('filter/KUBE-A')!.rules);
  const tcp = fields([{ field: 'l4proto', protocols: ['tcp'] }]);
  assert.equal(a[0], [
    tcp,
    fields([{ field: 'daddr', ranges: [[addr(10, 0, 0, 1), addr(10, 0, 0, 1)]] }]),
    fields([{ field: 'dport', ranges: [[80, 80]] }]),
    { kind: 'verdict', verdict: { kind: 'accept' } },
  ]);
  assert.equal(a[1], [
    fields([{ field: 'l4proto', protocols: ['udp'] }]),
    fields([{ field: 'saddr', ranges: [[addr(10, 0, 0, 0), addr(10, 255, 255, 255)]] }], true),
    fields([{ field: 'iifname', names: [{ name: 'eth', prefix: true }] }]),
    fields([{ field: 'oifname', names: [{ name: 'lo', prefix: false }] }], true),
    fields([{ field: 'sport', ranges: [[1000, 2000]] }]),
    { kind: 'verdict', verdict: { kind: 'drop' } },
  ]);
  assert.equal(a[2], [
    tcp,
    fields([
      {
        field: 'dport',
        ranges: [
          [80, 80],
          [443, 443],
          [8000, 8080],
        ],
      },
    ]),
    { kind: 'verdict', verdict: { kind: 'reject', with: 'tcp-reset' } },
  ]);
  assert.equal(a[3], [
    { kind: 'test', test: { kind: 'ct', states: ['related', 'established'], dnat: true }, negate: true },
    { kind: 'verdict', verdict: { kind: 'reject', with: 'port-unreachable' } },
  ]);
  assert.equal(a[4], [
    { kind: 'test', test: { kind: 'ct', states: ['new'], dnat: false }, negate: false },
    fields([{ field: 'saddrLocal', local: true }]),
    fields([{ field: 'daddrLocal', local: true }], true),
    { kind: 'verdict', verdict: { kind: 'return' } },
  ]);
  assert.equal(a[5], [
    { kind: 'test', test: { kind: 'mark', mask: 0x4000, value: 0x4000 }, negate: true },
    { kind: 'test', test: { kind: 'mark', mask: 0xffffffff, value: 7 }, negate: false },
    { kind: 'verdict', verdict: { kind: 'accept' } },
  ]);
  assert.equal(a[6], [
    { kind: 'noop', what: 'nfacct ct_state_invalid_dropped_pkts' },
    { kind: 'verdict', verdict: { kind: 'drop' } },
  ]);
  assert.ok(p.notes.some((n) => n.startsWith('nfacct counters are not modelled')));
  assert.equal(a[7], [
    fields([{ field: 'l4proto', protocols: ['sctp'] }]),
    fields([{ field: 'dport', ranges: [[9, 9]] }]),
    { kind: 'verdict', verdict: { kind: 'accept' } },
  ]);
});

test('MARK: every spelling is (mark & ~mask) ^ value, in the fewest model operations', () => {
  const b = steps(read().chains.get('nat/KUBE-B')!.rules);
  const or = [{ kind: 'mark', op: 'or', value: 0x4000 }];
  const xor = [{ kind: 'mark', op: 'xor', value: 0x4000 }];
  assert.equal(b.slice(0, 7), [
    or,
    or,
    xor,
    xor,
    [{ kind: 'mark', op: 'set', value: 0x8000 }],
    [
      { kind: 'mark', op: 'and', value: 0xfffffffc },
      { kind: 'mark', op: 'xor', value: 1 },
    ],
    [{ kind: 'mark', op: 'and', value: 0xff }],
  ]);
});

test('statistic: p = round(p·2^31)/2^31 (restore and save spellings agree); ! takes the complement', () => {
  const b = steps(read().chains.get('nat/KUBE-B')!.rules);
  const third = { kind: 'random', p: { num: 715827883n, den: 2n ** 31n } };
  assert.equal(b[7]![0], third);
  assert.equal(b[8]![0], third);
  assert.equal(b[9], [
    { kind: 'random', p: { num: 2n ** 31n - 2n ** 29n, den: 2n ** 31n } },
    { kind: 'verdict', verdict: { kind: 'goto', chain: 'nat/KUBE-C' } },
  ]);
});

test('recent: --rcheck is an affinity test, --set a write, --update a test then a write', () => {
  const p = read();
  const b = steps(p.chains.get('nat/KUBE-B')!.rules);
  const jumpC = { kind: 'verdict', verdict: { kind: 'jump', chain: 'nat/KUBE-C' } };
  assert.equal(b[10], [
    {
      kind: 'test',
      test: { kind: 'affinity', list: 'KUBE-SEP-X', key: 'saddr', maxAgeSeconds: 10800 },
      negate: false,
    },
    jumpC,
  ]);
  assert.equal(b[11], [
    { kind: 'test', test: { kind: 'affinity', list: 'L', key: 'daddr', maxAgeSeconds: 60 }, negate: false },
    { kind: 'affinityWrite', list: 'L', key: 'daddr' },
    jumpC,
  ]);
  assert.ok(p.notes.some((n) => n.startsWith('recent --reap is not modelled')));
  const c = steps(p.chains.get('nat/KUBE-C')!.rules);
  assert.equal(c[0], [
    fields([{ field: 'l4proto', protocols: ['tcp'] }]),
    { kind: 'affinityWrite', list: 'KUBE-SEP-X', key: 'saddr' },
    { kind: 'verdict', verdict: { kind: 'dnat', ip: '10.1.2.3', port: 8080 } },
  ]);
  assert.equal(c[1]![1], { kind: 'verdict', verdict: { kind: 'dnat', ip: '10.1.2.3', port: null } });
});

test('base chains: builtins of the nat and filter tables at their hooks and priorities', () => {
  const p = read();
  assert.equal(
    p.baseChains.map((b) => `${b.type} ${b.hook} ${b.priority} ${b.chain} ${b.policy}`),
    [
      'filter input 0 filter/INPUT accept',
      'filter forward 0 filter/FORWARD accept',
      'filter output 0 filter/OUTPUT accept',
      'nat prerouting -100 nat/PREROUTING accept',
      'nat input 100 nat/INPUT accept',
      'nat output -100 nat/OUTPUT accept',
      'nat postrouting 100 nat/POSTROUTING accept',
    ],
  );
});

test('IPv6: family from the addresses, DNAT [addr]:port, icmp6 REJECT, recent mask of all ones', () => {
  const text = `*filter
:KUBE-FORWARD - [0:0]
:KUBE-A - [0:0]
:FORWARD DROP [0:0]
-A FORWARD -j KUBE-FORWARD
-A KUBE-FORWARD -j KUBE-A
-A KUBE-A -d fd00::1/128 -p ipv6-icmp -j REJECT --reject-with icmp6-adm-prohibited
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-B - [0:0]
-A OUTPUT -j KUBE-SERVICES
-A KUBE-SERVICES -j KUBE-B
-A KUBE-B -m recent --set --name S --mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff --rsource -p tcp -j DNAT --to-destination [fd00:10::5]:8080
COMMIT
`;
  const r = readIptables(text, { file: 'v6' });
  assert.equal(codesAt(r.diagnostics), []);
  const p = r.program!;
  assert.equal(p.family, 'ipv6');
  // a builtin chain's DROP policy is other software's: evaluated as ACCEPT, listed as ignored
  assert.equal(p.baseChains.find((b) => b.chain === 'filter/FORWARD')!.policy, 'accept');
  assert.ok(p.ignored.some((i) => i.kind === 'policy' && i.name === 'filter/FORWARD'));
  const a = p.chains.get('filter/KUBE-A')!.rules[0]!.steps;
  assert.equal(a[0], fields([{ field: 'l4proto', protocols: ['icmp'] }]));
  assert.equal(a[1], fields([{ field: 'daddr', ranges: [[(0xfd00n << 112n) | 1n, (0xfd00n << 112n) | 1n]] }]));
  assert.equal(a[2], { kind: 'verdict', verdict: { kind: 'reject', with: 'admin-prohibited' } });
  const b = p.chains.get('nat/KUBE-B')!.rules[0]!.steps;
  assert.equal(b.at(-1), { kind: 'verdict', verdict: { kind: 'dnat', ip: 'fd00:10::5', port: 8080 } });
});

test('a program read from a text does not keep the text alive (nor does the reader, after it)', async () => {
  // Each input behind 16 MB of comment lines: anything kept from it (a name sliced from the text, a
  // module-level cache or scratch object) keeps the whole text. A capture with counters, nfacct
  // and kubelet's chains, and ksvc's goldens (affinity lists among them), each read in a frame of
  // its own: a suspended async function keeps its temporaries, the text included.
  const inputs = [readFileSync(new URL('fixtures/iptables/seed-nodeport.save-c', import.meta.url), 'utf8')];
  for (const f of goldenFiles()) if (/affinity|everything/.test(f.name)) inputs.push(f.text);
  // DNAT addresses of 13 characters or more (a shorter slice is a copy anyway)
  inputs.push(inputs[1]!.replace(/--to-destination \d+\.\d+\.\d+\.\d+/g, '--to-destination 100.164.201.205'));
  const readPadded = (text: string) =>
    // (in lines iptables-restore reads whole: it splits a line of more than 10,239 bytes)
    readIptables(`${`#${' '.repeat(1023)}\n`.repeat(16 << 10)}${text}`, { file: 'x', assumeHooks: true }).program;
  for (const text of inputs) {
    const before = await liveHeap();
    const program = readPadded(text);
    const kept = (await liveHeap()) - before;
    assert.ok(program);
    assert.ok(kept < 8 << 20, `${(kept / 2 ** 20).toFixed(1)} MiB kept by a program of ${program!.chains.size} chains`);
  }
});

test('origins: file, 1-based line and the line as written (as JSON too)', () => {
  const p = read();
  const { origin } = p.chains.get('filter/KUBE-A')!.rules[0]!;
  const expected = {
    backend: 'iptables',
    file: 'rules',
    line: 6,
    text: '-A KUBE-A -m comment --comment "x y" -m tcp -p tcp -d 10.0.0.1 --dport 80 -j ACCEPT',
  };
  const { backend, file, line, text } = origin;
  assert.equal({ backend, file, line, text }, expected);
  assert.is(JSON.stringify(origin), JSON.stringify(expected));
});

test.run();
