// The nft reader refuses what it cannot model exactly, and says where: each error names the JSON
// pointer of the offending value (and its line and column when the reader has the text).
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { load } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { compileNftables, compileNftablesDelta } from '../../api/nftables.ts';
import { readNftables } from '../../verifier/nftables/index.ts';
import {
  accept,
  and,
  commandDoc,
  concat,
  ct,
  drop,
  goto,
  type Json,
  jump,
  match,
  meta,
  oneChain,
  onlyError,
  or,
  payload,
  range,
  read,
} from './nft-support.ts';

const test = suite('nft reader: errors');

/** Index of the first `add rule` item in a oneChain/commandDoc document. */
const firstRule = (doc: { nftables: unknown[] }): number =>
  doc.nftables.findIndex(
    (i) => typeof i === 'object' && i !== null && 'add' in i && 'rule' in (i as { add: object }).add,
  );

test('an unknown expression: nft-unknown-expression at its pointer', () => {
  const doc = oneChain([[match('==', { exthdr: { name: 'frag' } }, true as never), accept]]);
  const e = onlyError(doc);
  assert.is(e.code, 'nft-unknown-expression');
  assert.is(e.path, `/nftables/${firstRule(doc)}/add/rule/expr/0/match/left`);
  assert.match(e.message, /'exthdr'/);
});

test('an unknown statement (iptables-nft xt in the kube-proxy table): nft-unknown-statement at expr/2', () => {
  const doc = oneChain([
    [match('==', meta('l4proto'), 'tcp'), { counter: null }, { xt: { type: 'match', name: 'recent' } }],
  ]);
  const e = onlyError(doc);
  assert.is(e.code, 'nft-unknown-statement');
  assert.is(e.path, `/nftables/${firstRule(doc)}/add/rule/expr/2`);
});

test('a schema violation: a base chain priority given by name (nft 1.0.6 makes it a regular chain)', () => {
  const doc = commandDoc({ chains: [{ name: 'c', base: { type: 'nat', hook: 'output', prio: 'dstnat' as never } }] });
  const e = onlyError(doc);
  assert.is(e.code, 'nft-schema');
  assert.is(e.path, '/nftables/2/add/chain/prio');
});

test('schema violations: missing op, a type without its hook, an unknown property', () => {
  const noOp = oneChain([[{ match: { left: meta('l4proto'), right: 'tcp' } }]]);
  assert.equal(onlyError(noOp).path, `/nftables/${firstRule(noOp)}/add/rule/expr/0/match`);
  const noHook = commandDoc({ chains: [{ name: 'c', base: { type: 'nat', prio: 0 } as never }] });
  assert.equal(onlyError(noHook).path, '/nftables/2/add/chain');
  const extra = oneChain([[accept]]);
  (extra.nftables[1] as { add: { table: Record<string, unknown> } }).add.table.flags = ['dormant'];
  const e = onlyError(extra);
  assert.is(e.path, '/nftables/1/add/table');
  assert.match(e.message, /'flags'/);
});

test('unsupported commands and schema versions', () => {
  const doc = oneChain([[accept]]);
  doc.nftables.push({ replace: { rule: { family: 'ip', table: 'kube-proxy', chain: 'base', handle: 4, expr: [] } } });
  const e = onlyError(doc);
  assert.is(e.code, 'nft-unknown-command');
  assert.is(e.path, `/nftables/${doc.nftables.length - 1}`);
  const v2 = oneChain([[accept]]);
  v2.nftables[0] = { metainfo: { json_schema_version: 2 } };
  assert.equal(onlyError(v2), {
    code: 'nft-schema-version',
    path: '/nftables/0/metainfo/json_schema_version',
    message: onlyError(v2).message,
  });
});

test('a reference to a missing set (command document: checked when the rule is added)', () => {
  const doc = oneChain([[match('==', payload('ip', 'daddr'), '@nope'), accept]]);
  const e = onlyError(doc);
  assert.is(e.code, 'nft-missing-reference');
  assert.is(e.path, `/nftables/${firstRule(doc)}/add/rule/expr`);
  assert.match(e.message, /set 'nope'/);
});

test('a forward reference in a command document fails as nft -j -f fails', () => {
  // The chain is created after the rule that jumps to it.
  const doc = oneChain([[jump('later')]]);
  doc.nftables.push({ add: { chain: { family: 'ip', table: 'kube-proxy', name: 'later' } } });
  const e = onlyError(doc);
  assert.is(e.code, 'nft-missing-reference');
  assert.match(e.message, /chain 'later'/);
});

test('a reference to a missing chain in a listing: at the jump target', () => {
  const listing = {
    nftables: [
      { table: { family: 'ip', name: 'kube-proxy', handle: 1 } },
      {
        chain: {
          family: 'ip',
          table: 'kube-proxy',
          name: 'base',
          handle: 1,
          type: 'nat',
          hook: 'output',
          prio: -100,
          policy: 'accept',
        },
      },
      {
        rule: { family: 'ip', table: 'kube-proxy', chain: 'base', handle: 2, expr: [{ counter: null }, goto('gone')] },
      },
    ],
  };
  const e = onlyError(listing);
  assert.is(e.code, 'nft-missing-reference');
  assert.is(e.path, '/nftables/2/rule/expr/1/goto/target');
});

test('a jump cycle: nft-jump-cycle at the rule that closes it', () => {
  const doc = commandDoc({
    chains: [
      { name: 'base', base: { type: 'filter', hook: 'input', prio: 0 }, rules: [[jump('a')]] },
      { name: 'a', rules: [[jump('b')]] },
      { name: 'b', rules: [[match('==', meta('l4proto'), 'tcp'), goto('a')]] },
    ],
  });
  const e = onlyError(doc);
  assert.is(e.code, 'nft-jump-cycle');
  assert.is(e.path, `/nftables/${doc.nftables.length - 1}/add/rule`);
  assert.match(e.message, /a -> b -> a/);
});

test('a cycle through a verdict map element', () => {
  const doc = commandDoc({
    chains: [
      { name: 'base', base: { type: 'filter', hook: 'input', prio: 0 }, rules: [[jump('a')]] },
      { name: 'a', rules: [[{ vmap: { key: meta('l4proto'), data: '@m' } }]] },
    ],
    maps: [{ name: 'm', type: 'inet_proto', map: 'verdict', elem: [['tcp', jump('a')]] }],
  });
  assert.is(onlyError(doc).code, 'nft-jump-cycle');
});

test('what the kernel or nft refuses to load (a review: each was proven equivalent to iptables)', () => {
  // a jump or goto to a base chain, in a rule or a verdict map's element
  const jumpToBase = commandDoc({
    chains: [
      { name: 'base', base: { type: 'filter', hook: 'input', prio: 0 }, rules: [[jump('other')]] },
      { name: 'other', base: { type: 'filter', hook: 'forward', prio: 0 } },
    ],
  });
  assert.is(onlyError(jumpToBase).code, 'nft-jump-to-base-chain');
  const mapToBase = commandDoc({
    chains: [
      { name: 'base', base: { type: 'filter', hook: 'input', prio: 0 } },
      { name: 'other', base: { type: 'filter', hook: 'forward', prio: 0 } },
    ],
    maps: [{ name: 'm', type: 'inet_proto', map: 'verdict', elem: [['tcp', goto('other')]] }],
  });
  assert.is(onlyError(mapToBase).code, 'nft-jump-to-base-chain');
  // a nat chain at forward
  const natForward = oneChain([[accept]], { base: { type: 'nat', hook: 'forward', prio: 0 } });
  const e = onlyError(natForward);
  assert.is(e.code, 'nft-bad-value');
  assert.match(e.message, 'a hook of a nat chain');
  // a prefix, range or interface wildcard in a set without the interval flag; with it, read
  const member = (name: string, key: Json) => [[match('==', key, `@${name}`), drop]];
  const setOf = (type: string, elem: Json[], flags?: string[]) =>
    oneChain(member('s', type === 'ifname' ? meta('iifname') : payload('ip', 'saddr')), {
      base: { type: 'filter', hook: 'input', prio: 0 },
      sets: [{ name: 's', type, elem, ...(flags ? { flags } : {}) }],
    });
  for (const [type, elem] of [
    ['ipv4_addr', { prefix: { addr: '10.9.9.0', len: 24 } }],
    ['ipv4_addr', range('10.9.9.1', '10.9.9.7')],
    ['ifname', 'eth*'],
  ] as const) {
    const refused = onlyError(setOf(type, [elem]));
    assert.is(refused.code, 'nft-bad-value', JSON.stringify(elem));
    assert.match(refused.message, "needs the set's interval flag");
    assert.equal(
      read(setOf(type, [elem], ['interval'])).diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
  }
  // an escaped star is a name, not a wildcard
  assert.equal(
    read(setOf('ifname', ['eth\\*'])).diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
});

test('a string number with a leading zero is refused as the octal nft reads it as', () => {
  const doc = oneChain([[match('==', meta('l4proto'), 'tcp'), match('==', payload('tcp', 'dport'), '030000'), accept]]);
  const e = onlyError(doc);
  assert.is(e.code, 'nft-bad-value');
  assert.match(e.message, 'without a leading zero (nft reads 030000 as octal 12288)');
});

test('past the diagnostics cap, a hint meant for a dropped diagnostic is not put on the cap', () => {
  const items: Json[] = [
    { metainfo: { json_schema_version: 1 } },
    { add: { table: { family: 'ip', name: 'kube-proxy' } } },
    ...Array.from({ length: 1000 }, () => ({})),
    { delete: { set: { family: 'ip', table: 'kube-proxy', name: 'ksvc-version-abc' } } },
  ];
  const r = readNftables(JSON.stringify({ nftables: items }), { file: 'cap.json' });
  const cap = r.diagnostics.find((d) => d.code === 'nft-too-many-errors');
  assert.ok(
    cap,
    r.diagnostics
      .map((d) => d.code)
      .slice(-3)
      .join(' '),
  );
  assert.is(cap!.hint, undefined);
});

test('jumps nested deeper than the kernel allows', () => {
  const chains = Array.from({ length: 17 }, (_, i) => ({
    name: `c${i}`,
    ...(i === 0 ? { base: { type: 'filter' as const, hook: 'input', prio: 0 } } : {}),
    rules: i < 16 ? [[jump(`c${i + 1}`)]] : [[accept]],
  }));
  const e = onlyError(commandDoc({ chains }));
  assert.is(e.code, 'nft-jump-depth');
  // 15 levels load
  const ok = read(
    commandDoc({ chains: chains.slice(0, 16).map((c, i) => (i === 15 ? { ...c, rules: [[accept]] } : c)) }),
  );
  assert.equal(ok.diagnostics, []);
});

test('dnat reachable from a filter chain; masquerade outside postrouting', () => {
  const doc = oneChain([[jump('n')]], {
    base: { type: 'filter', hook: 'output', prio: 0 },
    chains: [{ name: 'n', rules: [[{ dnat: { addr: '10.0.0.1' } }]] }],
  });
  const e = onlyError(doc);
  assert.is(e.code, 'nft-wrong-hook');
  assert.is(e.path, `/nftables/${doc.nftables.length - 1}/add/rule/expr/0/dnat`);
  assert.is(onlyError(oneChain([[{ masquerade: null }]])).code, 'nft-wrong-hook');
});

test('ip6 nexthdr is not the transport protocol', () => {
  const doc = oneChain([[match('==', payload('ip6', 'nexthdr'), 'tcp'), accept]], { family: 'ip6' });
  const e = onlyError(doc);
  assert.is(e.code, 'nft-unsupported');
  assert.is(e.path, `/nftables/${firstRule(doc)}/add/rule/expr/0/match/left/payload`);
  assert.match(e.message, /extension header/);
});

test('family mismatches: ip6 fields in an ip table, dnat ip6 in an ip table', () => {
  assert.is(onlyError(oneChain([[match('==', payload('ip6', 'daddr'), '::1'), accept]])).code, 'nft-family-mismatch');
  assert.is(onlyError(oneChain([[{ dnat: { family: 'ip6', addr: '::1' } }]])).code, 'nft-family-mismatch');
});

test('a th port read without a port-protocol guard', () => {
  const doc = oneChain([[match('==', payload('th', 'dport'), 80), accept]]);
  const e = onlyError(doc);
  assert.is(e.code, 'nft-unguarded-port');
  assert.is(e.path, `/nftables/${firstRule(doc)}/add/rule/expr/0/match/left`);
  // guarded by a protocol test, or by the protocol part of each map key: fine
  assert.equal(
    read(oneChain([[match('==', meta('l4proto'), 'udp'), match('==', payload('th', 'dport'), 53), accept]]))
      .diagnostics,
    [],
  );
  const icmpKey = oneChain([
    [{ vmap: { key: concat(meta('l4proto'), payload('th', 'dport')), data: { set: [[concat('icmp', 8), accept]] } } }],
  ]);
  assert.is(onlyError(icmpKey).code, 'nft-unguarded-port');
});

test('constructs the model cannot express exactly', () => {
  const cases: [string, unknown[][], Record<string, unknown>?][] = [
    ['ct status != dnat (whole status word)', [[match('!=', ct('status'), 'dnat'), accept]]],
    ['meta random & 5 (not 2^k-1)', [[match('<', and(meta('random'), 5), 2), accept]]],
    ['a partially masked address', [[match('==', and(payload('ip', 'saddr'), '255.255.0.0'), '10.1.0.0'), accept]]],
    ['protocol gre alone', [[match('==', meta('l4proto'), 47), accept]]],
    ['icmp in an ip6 table', [[match('==', meta('l4proto'), 'icmp'), accept]], { family: 'ip6' }],
    ['iifname "*" (also matches packets without an input interface)', [[match('==', meta('iifname'), '*'), accept]]],
    [
      'masquerade random',
      [[{ masquerade: { flags: ['random', 'persistent'] } }]],
      { base: { type: 'nat', hook: 'postrouting', prio: 100 } },
    ],
    ['dnat to a range', [[{ dnat: { addr: { range: ['10.0.0.1', '10.0.0.2'] } } }]]],
    ['meta mark compared with <', [[match('<', meta('mark'), 5), accept]]],
    ['a mark prefix with bits below it', [[match('==', meta('mark'), { prefix: { addr: 1, len: 1 } }), accept]]],
    ['a mark prefix longer than 32 bits', [[match('==', meta('mark'), { prefix: { addr: 0, len: 33 } }), accept]]],
    ['a mark prefix compared with <', [[match('<', meta('mark'), { prefix: { addr: 0, len: 1 } }), accept]]],
    ['fib daddr type unicast', [[match('==', { fib: { result: 'type', flags: ['daddr'] } }, 'unicast'), accept]]],
  ];
  for (const [what, rules, more] of cases) {
    const e = onlyError(oneChain(rules, (more ?? {}) as never));
    assert.ok(['nft-unsupported', 'nft-bad-value'].includes(e.code), `${what}: ${e.code} ${e.message}`);
  }
});

test('an IPv4 octet with a leading zero (nft reads it as octal, 10.064.2.5 as 10.52.2.5) is refused', () => {
  for (const addr of ['10.64.1.010', '10.064.2.5', '::ffff:10.064.2.5']) {
    const family = addr.includes(':') ? 'ip6' : 'ip';
    const e = onlyError(oneChain([[match('==', payload(family, 'daddr'), addr), accept]], { family } as never));
    assert.is(e.code, 'nft-bad-value', addr);
    assert.match(e.message, /without leading zeros \(nft reads 010 as octal 8\)/);
  }
  // an IPv6 group with leading zeros is no octal: read as written
  const v6 = read(
    oneChain([[match('==', payload('ip6', 'daddr'), 'fd00:0001::0010'), accept]], { family: 'ip6' } as never),
  );
  assert.equal(
    v6.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
});

test('a statement after a terminal one is refused, as nft refuses the rule; after continue or a verdict map it is read', () => {
  const mark = { mangle: { key: meta('mark'), value: 1 } };
  for (const [rule, hook] of [
    [[accept, { counter: null }], 'postrouting'],
    [[{ dnat: { addr: '10.0.0.1' } }, mark], 'prerouting'],
    [[{ masquerade: null }, { counter: null }], 'postrouting'],
  ] as const) {
    const prio = hook === 'prerouting' ? -100 : 100;
    const e = onlyError(oneChain([rule as never], { base: { type: 'nat', hook, prio } } as never));
    assert.is(e.code, 'nft-after-terminal', JSON.stringify(rule));
  }
  const fine = read(oneChain([[{ continue: null }, { counter: null }, accept]]));
  assert.equal(
    fine.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
});

test('a numgen whose values pass 32 bits is refused, as the kernel refuses it', () => {
  const gen = (offset: number) => ({ numgen: { mode: 'random', mod: 2, offset } });
  const e = onlyError(oneChain([[match('==', gen(4294967295), 4294967295), accept]]));
  assert.is(e.code, 'nft-bad-value');
  assert.match(e.message, /mod 2 offset 4294967295/);
  const fine = read(oneChain([[match('==', gen(4294967294), 4294967294), accept]]));
  assert.equal(
    fine.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
});

test('forms nft refuses to load are refused (each measured): numgen keys that meet, mark with !, masquerade at input', () => {
  const gen = { numgen: { mode: 'random', mod: 2, offset: 0 } };
  const vmap = (data: unknown[]) => ({ vmap: { key: gen, data: { set: data } } });
  const meet = onlyError(
    oneChain([
      [
        vmap([
          [0, accept],
          [{ range: [0, 1] }, { drop: null }],
        ]),
      ],
    ]),
  );
  assert.is(meet.code, 'nft-overlapping-elements');
  const apart = read(
    oneChain([
      [
        vmap([
          [0, accept],
          [1, { drop: null }],
        ]),
      ],
    ]),
  );
  assert.equal(
    apart.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  for (const left of [meta('mark'), { '&': [meta('mark'), 65280] }]) {
    const e = onlyError(oneChain([[match('!', left, 256), accept]]));
    assert.is(e.code, 'nft-unsupported', JSON.stringify(left));
  }
  const masq = (hook: string, prio: number) =>
    oneChain([[{ masquerade: null }]], { base: { type: 'nat', hook, prio } });
  assert.is(onlyError(masq('input', 100)).code, 'nft-wrong-hook');
  assert.equal(
    read(masq('postrouting', 100)).diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
});

test('interface names nft reads by rules of its own are refused: a backslash but a final \\*, past 15 characters', () => {
  for (const name of ['veth\\x*', 'veth\\\\*', 'a\\b', 'vethabcdefghijk*', 'abcdefghijklmnop']) {
    const e = onlyError(oneChain([[match('==', meta('iifname'), name), accept]]));
    assert.is(e.code, 'nft-bad-value', name);
  }
});

test('numbers nft reads otherwise: a real (-100.0, 6e2) anywhere, a priority past 32 bits, a chain before conntrack', () => {
  const base = oneChain([[accept]], { base: { type: 'nat', hook: 'prerouting', prio: -100 } });
  const text = JSON.stringify(base);
  for (const spelled of ['-100.0', '-1e2', '-100E0']) {
    const r = readNftables(text.replace('"prio":-100', `"prio":${spelled}`), { file: 'real.json' });
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    assert.equal(
      errors.map((d) => d.code),
      ['nft-real-number'],
      spelled,
    );
    assert.is(errors[0]!.span?.start.line, 1, spelled);
  }
  // text the item scanner does not follow (a second top-level key) is scanned for a real alone
  const odd = readNftables(`${text.slice(0, -1)},"x":1.5}`, { file: 'odd.json' });
  assert.ok(odd.diagnostics.some((d) => d.code === 'nft-real-number'));
  // a '.' or an 'e' inside a string is no number: the document reads as it did
  assert.equal(
    readNftables(text, { file: 'fine.json' }).diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const big = onlyError(oneChain([[accept]], { base: { type: 'filter', hook: 'output', prio: 4294967146 } }));
  assert.is(big.code, 'nft-bad-value');
  const early = onlyError(oneChain([[accept]], { base: { type: 'filter', hook: 'output', prio: -300 } }));
  assert.is(early.code, 'nft-unsupported');
  assert.match(early.message, /before conntrack/);
});

test('an integer past 64 bits is refused once, as nft refuses the document (JSON.parse made it Infinity or rounded it)', () => {
  const text = JSON.stringify(oneChain([[accept]], { base: { type: 'nat', hook: 'prerouting', prio: -100 } }));
  const errorsOf = (t: string) =>
    readNftables(t, { file: 'big.json' })
      .diagnostics.filter((d) => d.severity === 'error')
      .map((d) => [d.code, d.path]);
  for (const spelled of ['9223372036854775808', '-9223372036854775809', '1'.repeat(400), `-${'9'.repeat(20)}`]) {
    assert.equal(
      errorsOf(text.replace('"prio":-100', `"prio":${spelled}`)),
      [['nft-integer-too-big', '/nftables/2/add/chain/prio']],
      spelled,
    );
    // text the item scanner does not follow is scanned alone
    assert.equal(errorsOf(`${text.slice(0, -1)},"x":${spelled}}`), [['nft-integer-too-big', '/x']], spelled);
  }
  // the 64-bit bounds themselves read on (and are refused as priorities, past 32 bits)
  for (const spelled of ['9223372036854775807', '-9223372036854775808']) {
    assert.equal(
      errorsOf(text.replace('"prio":-100', `"prio":${spelled}`)).map(([c]) => c),
      ['nft-bad-value'],
      spelled,
    );
  }
  // digits in strings are no numbers; the first of a real and a big integer is the one reported
  assert.equal(
    errorsOf(text.replace('"nat"', `"${'9'.repeat(30)}"`))
      .map(([c]) => c)
      .includes('nft-integer-too-big'),
    false,
  );
  assert.equal(
    errorsOf(text.replace('"prio":-100', `"prio":1.5,"x":${'9'.repeat(30)}`)).map(([c]) => c),
    ['nft-real-number'],
  );
});

test('text that is not UTF-8 (read as U+FFFD) is refused, as nft refuses it', () => {
  const text = JSON.stringify(oneChain([[match('==', meta('iifname'), 'eth0'), accept]])).replace('eth0', 'eth\ufffd');
  const r = readNftables(text, { file: 'bytes.json' });
  assert.equal(
    r.diagnostics.map((d) => d.code),
    ['nft-invalid-json'],
  );
  assert.match(r.diagnostics[0]!.message, /not UTF-8/);
});

test('a constant set the data path would write (flags constant and timeout) is refused, as the kernel refuses it', () => {
  const sets = [{ name: 'aff', type: 'ipv4_addr', flags: ['constant', 'timeout'], timeout: 600 }];
  const e = read(oneChain([[match('==', payload('ip', 'saddr'), '@aff'), accept]], { sets }));
  assert.ok(
    e.diagnostics.some((d) => d.code === 'nft-bad-value' && d.path?.endsWith('/flags')),
    e.diagnostics.map((d) => d.code).join(' '),
  );
  assert.equal(e.programs, []);
});

test('a set or map whose interval elements overlap is refused, as nft refuses it', () => {
  const lo = range('10.0.0.10', '10.0.0.11');
  const hi = range('10.0.0.11', '10.0.0.12');
  const rule = (name: string) => [match('==', payload('ip', 'daddr'), `@${name}`), accept];
  const sets = (flags: string[]) => [{ name: 'ips', type: 'ipv4_addr', flags, elem: [lo, hi] }];
  const e = onlyError(oneChain([rule('ips')], { sets: sets(['interval']) }));
  assert.is(e.code, 'nft-overlapping-elements');
  const apartSet = [
    { name: 'ips', type: 'ipv4_addr', flags: ['interval'], elem: [lo, range('10.0.0.12', '10.0.0.13')] },
  ];
  const fine = read(oneChain([rule('ips')], { sets: apartSet }));
  assert.equal(
    fine.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  // a verdict map: the model would take one element first, which no kernel does; adjacent
  // ranges do not overlap
  const vmap = (second: Json) => [
    {
      name: 'm',
      type: 'ipv4_addr',
      map: 'verdict',
      flags: ['interval'],
      elem: [
        [lo, accept],
        [second, drop],
      ],
    },
  ];
  const lookup = [{ vmap: { key: payload('ip', 'daddr'), data: '@m' } }];
  const v = onlyError(oneChain([lookup], { maps: vmap(hi) }));
  assert.is(v.code, 'nft-overlapping-elements');
  assert.match(v.message, 'nft refuses a set or map with overlapping intervals');
  // concatenated intervals nft loads (a review measured it): refused as not modelled, said so
  const concatMap = [
    {
      name: 'c',
      type: ['ipv4_addr', 'inet_service'],
      map: 'verdict',
      flags: ['interval'],
      elem: [
        [concat(lo, 80), accept],
        [concat(hi, 80), drop],
      ],
    },
  ];
  const concatLookup = [
    match('==', meta('l4proto'), 'tcp'),
    { vmap: { key: concat(payload('ip', 'daddr'), payload('tcp', 'dport')), data: '@c' } },
  ];
  const c = onlyError(oneChain([concatLookup], { maps: concatMap }));
  assert.is(c.code, 'nft-overlapping-elements');
  assert.match(
    c.message,
    'nft loads overlapping concatenated intervals, and which of them the kernel matches is not modelled',
  );
  const apart = vmap(range('10.0.0.12', '10.0.0.13'));
  const ok = read(oneChain([lookup], { maps: apart }));
  assert.equal(
    ok.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
});

test('a dynamic set smaller than the default 65,535 records is refused (a full set stops the rule that updates it)', () => {
  const sets = (size?: number) => [
    { name: 'aff', type: 'ipv4_addr', flags: ['timeout'], timeout: 600, ...(size === undefined ? {} : { size }) },
  ];
  const rule = [match('==', payload('ip', 'saddr'), '@aff'), accept];
  const e = onlyError(oneChain([rule], { sets: sets(1) }));
  assert.is(e.code, 'nft-affinity');
  assert.match(e.message, /holds at most 1 records/);
  for (const size of [undefined, 65535, 100000]) {
    const r = read(oneChain([rule], { sets: sets(size) }));
    assert.equal(
      r.diagnostics.filter((d) => d.severity === 'error'),
      [],
      String(size),
    );
  }
});

test('dynamic sets: add instead of update, a different per-element timeout, no timeout', () => {
  const sets = [{ name: 'aff', type: 'ipv4_addr', flags: ['timeout'], timeout: 600 }];
  const upd = (elem: unknown, op = 'update') => oneChain([[{ set: { op, elem, set: '@aff' } }]], { sets });
  assert.is(onlyError(upd(payload('ip', 'saddr'), 'add')).code, 'nft-unsupported');
  const doc = upd({ elem: { val: payload('ip', 'saddr'), timeout: 30 } });
  const e = onlyError(doc);
  assert.is(e.code, 'nft-affinity');
  assert.is(e.path, `/nftables/${firstRule(doc)}/add/rule/expr/0/set/elem/elem/timeout`);
  const listed = oneChain([[match('==', payload('ip', 'saddr'), '@aff'), accept]], {
    sets: [{ ...sets[0], elem: [{ elem: { val: '192.168.0.2', timeout: 30, expires: 20 } }] }],
  });
  assert.is(onlyError(listed).code, 'nft-affinity');
  const noTimeout = oneChain([[match('==', payload('ip', 'saddr'), '@d'), accept]], {
    sets: [{ name: 'd', type: 'ipv4_addr', flags: ['dynamic'] }],
  });
  assert.is(onlyError(noTimeout).code, 'nft-affinity');
  const portKey = oneChain(
    [
      [
        match('==', meta('l4proto'), 'tcp'),
        match('==', concat(payload('ip', 'saddr'), payload('th', 'dport')), '@p'),
        accept,
      ],
    ],
    { sets: [{ name: 'p', type: ['ipv4_addr', 'inet_service'], flags: ['timeout'], timeout: 5 }] },
  );
  assert.is(onlyError(portKey).code, 'nft-affinity');
});

test('command semantics: create of an existing chain, delete of a missing table, delete of a chain in use', () => {
  const create = oneChain([[accept]]);
  create.nftables.push({ create: { chain: { family: 'ip', table: 'kube-proxy', name: 'base' } } });
  assert.is(onlyError(create).code, 'nft-exists');
  const del = oneChain([[accept]]);
  del.nftables.splice(1, 0, { delete: { table: { family: 'ip', name: 'kube-proxy' } } });
  assert.is(onlyError(del).code, 'nft-missing-reference');
  const busy = oneChain([[jump('a')]], { chains: [{ name: 'a', rules: [[accept]] }] });
  busy.nftables.push({ delete: { chain: { family: 'ip', table: 'kube-proxy', name: 'a' } } });
  assert.is(onlyError(busy).code, 'nft-delete-busy');
});

test('a map element added again with another value', () => {
  const doc = oneChain([[{ vmap: { key: meta('l4proto'), data: '@m' } }]], {
    maps: [{ name: 'm', type: 'inet_proto', map: 'verdict', elem: [['tcp', accept]] }],
  });
  doc.nftables.push({
    add: { element: { family: 'ip', table: 'kube-proxy', name: 'm', elem: [['tcp', { drop: null }]] } },
  });
  assert.is(onlyError(doc).code, 'nft-element-conflict');
});

test('text input: invalid JSON, and line:column spans for pointers', () => {
  const bad = readNftables('{"nftables": [', { file: 'x.json' });
  assert.is(bad.diagnostics[0]?.code, 'nft-invalid-json');
  const doc = oneChain([[match('==', payload('th', 'dport'), 80), accept]]);
  const text = JSON.stringify(doc, null, 1);
  const r = readNftables(text, { file: 'x.json' });
  const d = r.diagnostics[0]!;
  assert.is(d.code, 'nft-unguarded-port');
  assert.ok(d.span, 'span');
  const at = text.slice(d.span!.start.offset, d.span!.end.offset);
  assert.equal(JSON.parse(at), payload('th', 'dport'));
  assert.is(text.split('\n')[d.span!.start.line - 1]!.trimStart().startsWith('"left"'), true);
});

test('no kube-proxy table: a warning, no program', () => {
  const r = read({ nftables: [{ add: { table: { family: 'inet', name: 'firewalld' } } }] });
  assert.equal(
    r.diagnostics.map((d) => [d.code, d.severity]),
    [['nft-no-table', 'warning']],
  );
  // the tables it does have are named: a kube-proxy table of another name is found at a glance
  assert.match(r.diagnostics[0]!.message, "no ip or ip6 table named 'kube-proxy' (it has inet firewalld)");
  assert.equal(r.programs, []);
  // an ip table of another name is read when asked for by name
  const other = read(commandDoc({ table: 'mine', chains: [{ name: 'c', rules: [[accept]] }] }), 'mine');
  assert.is(other.programs.length, 1);
  void or;
});

test('a NUL in a string: refused, as nft refuses the whole document; an escaped backslash before u0000 is no NUL', () => {
  const withNul = read(
    JSON.stringify(oneChain([[accept]])).replace('"kube-proxy"', '"kube-proxy","comment":"a\\u0000b"'),
  );
  assert.equal(
    withNul.diagnostics.map((d) => d.code),
    ['nft-invalid-json'],
  );
  assert.match(withNul.diagnostics[0]!.message, 'NUL character');
  const escaped = read(
    JSON.stringify(oneChain([[accept]])).replace('"kube-proxy"', '"kube-proxy","comment":"a\\\\u0000b"'),
  );
  assert.not.ok(escaped.diagnostics.some((d) => d.code === 'nft-invalid-json'));
});

test('a byte-order mark before the document: one error that says so (nft refuses it too)', () => {
  const r = read(`\ufeff${JSON.stringify(oneChain([[accept]]))}`);
  assert.is(r.diagnostics.length, 1);
  assert.is(r.diagnostics[0]!.code, 'nft-invalid-json');
  assert.match(r.diagnostics[0]!.message, /starts with a byte-order mark \(U\+FEFF\), which nft refuses/);
  assert.not.match(r.diagnostics[0]!.message, /\ufeff/);
});

test('a value nested thousands of levels deep: nft-schema at the level past the bound, not a stack overflow', () => {
  let deep: Json = 1;
  for (let i = 0; i < 5000; i++) deep = concat(deep);
  const doc = oneChain([[match('==', meta('mark'), deep), accept]]);
  const rule = `/nftables/${firstRule(doc)}/add/rule`;
  // written by hand: JSON.stringify itself runs out of stack on the object
  const text = JSON.stringify(oneChain([[match('==', meta('mark'), 'DEEP'), accept]])).replace(
    '"DEEP"',
    `${'{"concat":['.repeat(5000)}1${']}'.repeat(5000)}`,
  );
  for (const input of [doc, text]) {
    const r = read(input);
    assert.is(r.diagnostics.length, 1, r.diagnostics.map((d) => d.message).join('\n'));
    const e = r.diagnostics[0]!;
    assert.is(e.code, 'nft-schema');
    assert.match(e.message, /nested more than 64 levels deep/);
    // (a path this long is shortened for display)
    assert.ok(e.path?.startsWith(`${rule}/expr/0/match/right/concat/0/concat/0/`), e.path);
  }
});

test("an update of ksvc's read alone: the missing version stamp, with a hint to read it after the old document", () => {
  const text = readFileSync('examples/design-card.ksvc', 'utf8');
  const at = (t: string) => lower(load(t).model!, {}).programs;
  const [before, after] = [at(text), at(text.replace('10.64.1.7 on node-a', '10.64.1.8 on node-a'))];
  const delta = compileNftablesDelta(before, after, { stamp: true })!.text;
  const r = readNftables(delta, { file: 'update.json' });
  const first = r.diagnostics[0]!;
  assert.is(first.code, 'nft-missing-reference');
  assert.match(first.message, /set 'ksvc-version-[0-9a-f]{16}' does not exist/);
  assert.match(first.hint ?? '', /read it after the old version's document/);
  // after the old document it reads
  const old = JSON.parse(compileNftables(before, { stamp: true })).nftables as unknown[];
  const both = JSON.stringify({ nftables: [...old, ...(JSON.parse(delta).nftables as unknown[]).slice(1)] });
  assert.equal(
    readNftables(both, { file: 'old+update.json' }).diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
});

test.run();
