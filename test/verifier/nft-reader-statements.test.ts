// The nft reader, construct by construct (fib, conntrack, marks, interfaces, NAT, reject, affinity, commands, scope): hand-written libnftables JSON and the exact
// model steps each must become (docs: verifier/nftables/README.md).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  accept,
  and,
  concat,
  ct,
  drop,
  EP_CHAINS,
  ep,
  fib,
  fields,
  goto,
  type Json,
  jump,
  match,
  meta,
  numgen,
  oneChain,
  onlyError,
  or,
  payload,
  program,
  proto,
  read,
  set,
  steps,
  v4,
  verdict,
  xor,
} from './nft-support.ts';

const test = suite('nft reader: statements');

test('fib saddr/daddr type local', () => {
  const got = steps(
    oneChain([
      [match('==', fib('saddr'), 'local'), accept],
      [match('!=', { fib: { result: 'type', flags: 'daddr' } }, 'local'), accept],
    ]),
  );
  assert.equal(got[0]![0], fields([{ field: 'saddrLocal', local: true }]));
  assert.equal(got[1]![0], fields([{ field: 'daddrLocal', local: true }], true));
});

test('ct state and ct status dnat (status read guarded by a conntrack entry)', () => {
  const got = steps(
    oneChain(
      [
        [match('in', ct('state'), 'new'), accept],
        [match('in', ct('state'), ['established', 'related']), accept],
        [match('==', ct('state'), set('related', 'established')), accept],
        [match('!=', ct('state'), 'established'), accept],
        [match('in', ct('status'), 'dnat'), accept],
        [match('==', and(ct('status'), 'dnat'), 0), drop],
        [match('!', ct('status'), 'dnat'), drop],
        [match('!=', and(ct('status'), 'dnat'), 0), drop],
      ],
      { base: { type: 'filter', hook: 'input', prio: 0 } },
    ),
  );
  const state = (states: string[], negate = false) => ({
    kind: 'test',
    test: { kind: 'ct', states, dnat: false },
    negate,
  });
  const guard = state(['established', 'new', 'related']);
  const dnat = (negate: boolean) => ({ kind: 'test', test: { kind: 'ct', states: [], dnat: true }, negate });
  assert.equal(got[0]![0], state(['new']));
  assert.equal(got[1]![0], state(['established', 'related']));
  assert.equal(got[2]![0], state(['established', 'related']));
  assert.equal(got[3]![0], state(['established'], true));
  assert.equal(got[4]!.slice(0, 2), [guard, dnat(false)]);
  assert.equal(got[5]!.slice(0, 2), [guard, dnat(true)]);
  assert.equal(got[6]!.slice(0, 2), [guard, dnat(true)]);
  assert.equal(got[7]!.slice(0, 2), [guard, dnat(false)]);
});

test('meta mark tests and writes: or, xor, and, set, and+xor (iptables --set-xmark), as listed', () => {
  const mark = meta('mark');
  const mangle = (value: unknown) => ({ mangle: { key: mark, value } });
  const got = steps(
    oneChain([
      [match('==', and(mark, 16384), 0), { return: null }],
      [match('!=', and(mark, '0x4000'), 16384), accept],
      [match('==', mark, 16), accept],
      [mangle(or(mark, 16384))],
      [mangle(xor(mark, 16384))],
      [mangle(and(mark, 255))],
      [mangle(32)],
      [mangle(xor(and(mark, 0xffffbfff), 0x4000))],
      [mangle(xor(and(mark, 0xff00), 1))],
    ]),
  );
  const markTest = (mask: number, value: number, negate = false) => ({
    kind: 'test',
    test: { kind: 'mark', mask, value },
    negate,
  });
  const write = (op: string, value: number) => ({ kind: 'mark', op, value });
  assert.equal(got[0]![0], markTest(16384, 0));
  assert.equal(got[1]![0], markTest(16384, 16384, true));
  assert.equal(got[2]![0], markTest(0xffffffff, 16));
  assert.equal(
    got.slice(3).map((s) => s),
    [
      [write('or', 16384)],
      [write('xor', 16384)],
      [write('and', 255)],
      [write('set', 32)],
      [write('or', 0x4000)],
      [write('and', 0xff00), write('xor', 1)],
    ],
  );
});

// `nft list` folds a mask of leading bits into a prefix: `meta mark & 0x80000000 == 0` (kube-proxy's
// masquerade bit 31) lists as `meta mark == 0/1` (found by loading random models into the kernel).
test('meta mark compared as a prefix, as nft lists a mask of leading bits', () => {
  const mark = meta('mark');
  const markPrefix = (addr: unknown, len: number) => ({ prefix: { addr, len } });
  const got = steps(
    oneChain([
      [match('==', mark, markPrefix(0, 1)), { return: null }],
      [match('!=', mark, markPrefix(2147483648, 1)), accept],
      [match('==', mark, markPrefix('0xffff0000', 16)), accept],
      [match('==', and(mark, 0x80004000), markPrefix(0x80000000, 1)), accept],
      [match('==', mark, markPrefix(0, 0)), accept],
    ]),
  );
  const markTest = (mask: number, value: number, negate = false) => ({
    kind: 'test',
    test: { kind: 'mark', mask, value },
    negate,
  });
  assert.equal(got[0]![0], markTest(0x80000000, 0));
  assert.equal(got[1]![0], markTest(0x80000000, 0x80000000, true));
  assert.equal(got[2]![0], markTest(0xffff0000, 0xffff0000));
  assert.equal(got[3]![0], markTest(0x80000000, 0x80000000));
  assert.equal(got[4]![0], markTest(0, 0));
});

test('interface names: exact, wildcard prefix, escaped star, sets', () => {
  const got = steps(
    oneChain([
      [match('==', meta('iifname'), 'veth*'), accept],
      [match('==', meta('iifname'), 'a\\*'), accept],
      [match('!=', meta('oifname'), set('eth0', 'cbr*')), accept],
    ]),
  );
  assert.equal(got[0]![0], fields([{ field: 'iifname', names: [{ name: 'veth', prefix: true }] }]));
  assert.equal(got[1]![0], fields([{ field: 'iifname', names: [{ name: 'a*', prefix: false }] }]));
  assert.equal(
    got[2]![0],
    fields(
      [
        {
          field: 'oifname',
          names: [
            { name: 'cbr', prefix: true },
            { name: 'eth0', prefix: false },
          ],
        },
      ],
      true,
    ),
  );
});

test('dnat: address and port, no port, family field, IPv6', () => {
  const got = steps(
    oneChain([
      [match('==', meta('l4proto'), 'tcp'), { dnat: { addr: '10.0.0.1', port: 80 } }],
      [{ dnat: { addr: '10.0.0.2' } }],
      [match('==', meta('l4proto'), 'udp'), { dnat: { family: 'ip', addr: '10.0.0.3', port: 53 } }],
    ]),
  );
  assert.equal(got[0], [proto('tcp'), verdict({ kind: 'dnat', ip: '10.0.0.1', port: 80 })]);
  assert.equal(got[1], [verdict({ kind: 'dnat', ip: '10.0.0.2', port: null })]);
  assert.equal(got[2]![1], verdict({ kind: 'dnat', ip: '10.0.0.3', port: 53 }));
  const six = steps(
    oneChain([[match('==', meta('l4proto'), 'tcp'), { dnat: { addr: 'fd00:0:0:0::1', port: 80 } }]], { family: 'ip6' }),
  );
  assert.equal(six[0]![1], { kind: 'verdict', verdict: { kind: 'dnat', ip: 'fd00::1', port: 80 } });
});

test('dnat through maps: numgen-keyed anonymous map, named map to address . port, map keyed by daddr', () => {
  const doc = oneChain(
    [
      [
        match('==', meta('l4proto'), 'tcp'),
        { dnat: { addr: { map: { key: numgen(2), data: set([0, '10.0.0.1'], [1, '10.0.0.2']) } }, port: 80 } },
      ],
      [match('==', meta('l4proto'), 'tcp'), { dnat: { family: 'ip', addr: { map: { key: numgen(2), data: '@lb' } } } }],
      [
        match('==', meta('l4proto'), 'tcp'),
        { dnat: { family: 'ip', addr: { map: { key: payload('ip', 'daddr'), data: '@vip' } } } },
      ],
    ],
    {
      maps: [
        {
          name: 'lb',
          type: 'integer',
          map: 'ipv4_addr . inet_service',
          elem: [
            [0, concat('10.0.0.1', 80)],
            [1, concat('10.0.0.2', 8080)],
          ],
        },
        {
          name: 'vip',
          type: 'ipv4_addr',
          map: ['ipv4_addr', 'inet_service'],
          elem: [['172.30.0.1', concat('10.0.0.9', 8443)]],
        },
      ],
    },
  );
  const dnat = (ip: string, port: number) => [verdict({ kind: 'dnat', ip, port })];
  const got = steps(doc);
  assert.equal(got[0]![1], {
    kind: 'numgen',
    modulus: 2,
    offset: 0,
    branches: [
      { values: [[0, 0]], steps: dnat('10.0.0.1', 80) },
      { values: [[1, 1]], steps: dnat('10.0.0.2', 80) },
    ],
  });
  assert.equal(got[1]![1], {
    kind: 'numgen',
    modulus: 2,
    offset: 0,
    branches: [
      { values: [[0, 0]], steps: dnat('10.0.0.1', 80) },
      { values: [[1, 1]], steps: dnat('10.0.0.2', 8080) },
    ],
  });
  assert.equal(got[2]![1], {
    kind: 'dispatch',
    elements: [
      { parts: [{ field: 'daddr', ranges: [[v4('172.30.0.1'), v4('172.30.0.1')]] }], steps: dnat('10.0.0.9', 8443) },
    ],
  });
});

test('masquerade and reject kinds', () => {
  const post = steps(
    oneChain(
      [
        [{ masquerade: null }],
        [{ masquerade: { flags: 'fully-random' } }],
        [{ masquerade: { flags: ['fully-random'] } }],
      ],
      { base: { type: 'nat', hook: 'postrouting', prio: 100 } },
    ),
  );
  assert.equal(
    post.map((s) => s[0]),
    [false, true, true].map((fullyRandom) => verdict({ kind: 'masquerade', fullyRandom })),
  );
  const filter = { base: { type: 'filter' as const, hook: 'input', prio: 0 } };
  const v4r = steps(
    oneChain(
      [
        [{ reject: null }],
        [{ reject: { type: 'icmp', expr: 'port-unreachable' } }],
        [{ reject: { type: 'icmp', expr: 'host-unreachable' } }],
        [{ reject: { type: 'tcp reset' } }],
      ],
      filter,
    ),
  );
  const reject = (w: string) => verdict({ kind: 'reject', with: w });
  assert.equal(v4r, [
    [reject('port-unreachable')],
    [reject('port-unreachable')],
    [reject('host-unreachable')],
    [proto('tcp'), reject('tcp-reset')],
  ]);
  const v6r = steps(
    oneChain(
      [[{ reject: { type: 'icmpv6', expr: 'admin-prohibited' } }], [{ reject: { type: 'icmpv6', expr: 'no-route' } }]],
      { ...filter, family: 'ip6' },
    ),
  );
  assert.equal(v6r, [[reject('admin-prohibited')], [reject('no-route')]]);
  // icmpx only in inet tables: nft refuses it in ip and ip6 ("abstracted ICMP unreachable not
  // supported", measured with nft -c -j)
  for (const family of ['ip', 'ip6'] as const) {
    const e = onlyError(oneChain([[{ reject: { type: 'icmpx', expr: 'host-unreachable' } }]], { ...filter, family }));
    assert.is(e.code, 'nft-bad-value', family);
  }
});

test("affinity, kube-proxy's form: a dynamic set per endpoint keyed by ip saddr", () => {
  const doc = oneChain([[match('==', payload('ip', 'saddr'), '@aff-a'), goto('a')]], {
    chains: [
      {
        name: 'a',
        rules: [
          [{ set: { op: 'update', elem: payload('ip', 'saddr'), set: '@aff-a' } }, { dnat: { addr: '10.0.0.1' } }],
        ],
      },
    ],
    sets: [{ name: 'aff-a', type: 'ipv4_addr', flags: ['dynamic', 'timeout'], timeout: 10800 }],
  });
  const got = steps(doc);
  assert.equal(got[0]![0], {
    kind: 'test',
    test: { kind: 'affinity', list: 'aff-a', key: 'saddr', maxAgeSeconds: 10800 },
    negate: false,
  });
  assert.equal(steps(doc, 'a')[0]![0], { kind: 'affinityWrite', list: 'aff-a', key: 'saddr' });
});

test("affinity, ksvc's form: one set per service port keyed client . endpoint; command and listing spellings agree", () => {
  const saddr = payload('ip', 'saddr');
  const dport = payload('th', 'dport');
  // As ksvc writes it (nft 1.0.6 cannot type a bare constant in a concatenation) …
  const written = concat(saddr, or(and(saddr, '0.0.0.0'), '10.64.1.5'), or(and(dport, 0), 8080));
  // … and as `nft -j list` prints the same bytecode back: (x & c) | c is the constant c too.
  const listed = concat(saddr, or(and(saddr, '10.64.1.5'), 171966725), or(and(dport, 8080), 8080));
  const sets = [{ name: 'aff', type: ['ipv4_addr', 'ipv4_addr', 'inet_service'], flags: ['timeout'], timeout: 600 }];
  const chains = [
    { name: 'a', rules: [[{ set: { op: 'update', elem: written, set: '@aff' } }, { dnat: { addr: '10.64.1.5' } }]] },
  ];
  const got = steps(
    oneChain(
      [
        [match('==', written, '@aff'), goto('a')],
        [match('==', listed, '@aff'), goto('a')],
      ],
      { sets, chains },
    ),
  );
  const list = 'aff{saddr . 10.64.1.5 . 8080}';
  const t = { kind: 'test', test: { kind: 'affinity', list, key: 'saddr', maxAgeSeconds: 600 }, negate: false };
  assert.equal(got[0]![0], t);
  assert.equal(got[1]![0], t);
  assert.equal(steps(oneChain([[goto('a')]], { sets, chains }), 'a')[0]![0], {
    kind: 'affinityWrite',
    list,
    key: 'saddr',
  });
});

test('records already in a dynamic set (a live listing) are noted, not read; a command document may not seed them', () => {
  const commands = oneChain([[match('==', payload('ip', 'saddr'), '@aff'), accept]], {
    sets: [
      {
        name: 'aff',
        type: 'ipv4_addr',
        flags: ['timeout'],
        timeout: 600,
        elem: [{ elem: { val: '192.168.0.2', timeout: 600, expires: 590 } }, '192.168.0.3'],
      },
    ],
  });
  // loaded, the records would send those clients to their endpoints from the start, where the
  // rulesets compared start with none
  const seeded = onlyError(commands);
  assert.is(seeded.code, 'nft-affinity');
  assert.match(seeded.message, /a command document adds record\(s\) to the dynamic set 'aff'/);
  // the same objects listed (nft -j list ruleset: bare objects, no commands)
  const doc = {
    nftables: commands.nftables.map((i) =>
      typeof i === 'object' && i !== null && 'add' in i ? (i as { add: Json }).add : i,
    ),
  };
  const p = program(doc);
  assert.ok(
    p.notes.some((n) => n.includes("'aff' holds 2 record(s)")),
    p.notes.join('; '),
  );
  assert.equal(steps(doc)[0]![0], {
    kind: 'test',
    test: { kind: 'affinity', list: 'aff', key: 'saddr', maxAgeSeconds: 600 },
    negate: false,
  });
});

test('counter, log, continue and nftrace are no-ops; jump and goto name chain ids', () => {
  const got = steps(
    oneChain(
      [
        [
          { counter: null },
          { counter: { packets: 3, bytes: 180 } },
          { log: { prefix: 'x ' } },
          { continue: null },
          jump('a'),
        ],
        [{ mangle: { key: meta('nftrace'), value: 1 } }, goto('a')],
      ],
      { chains: EP_CHAINS },
    ),
  );
  assert.equal(got[0], [
    { kind: 'noop', what: 'counter' },
    { kind: 'noop', what: 'counter' },
    { kind: 'noop', what: 'log' },
    { kind: 'noop', what: 'continue' },
    verdict({ kind: 'jump', chain: 'ip kube-proxy/a' }),
  ]);
  assert.equal(got[1], [{ kind: 'noop', what: 'meta nftrace set' }, ep('a')]);
});

test('commands: insert prepends, flush chain empties, delete element removes, flush ruleset clears', () => {
  const doc = oneChain([[jump('a')]], {
    chains: [
      { name: 'a', rules: [[drop]] },
      { name: 'orphan', rules: [[accept]] },
    ],
  });
  const t = { family: 'ip', table: 'kube-proxy' };
  doc.nftables.push(
    { insert: { rule: { ...t, chain: 'a', expr: [{ return: null }] } } },
    { add: { set: { ...t, name: 's', type: 'inet_service', elem: [80, 443] } } },
    { delete: { element: { ...t, name: 's', elem: [80] } } },
    { add: { rule: { ...t, chain: 'base', expr: [match('==', payload('tcp', 'dport'), '@s'), accept] } } },
    { flush: { chain: { ...t, name: 'orphan' } } },
  );
  const p = program(doc);
  assert.equal(steps(doc, 'a'), [[verdict({ kind: 'return' })], [verdict({ kind: 'drop' })]]);
  assert.equal(steps(doc)[1]!.slice(0, 2), [proto('tcp'), fields([{ field: 'dport', ranges: [[443, 443]] }])]);
  assert.equal(
    p.ignored.map((i) => [i.kind, i.name, i.reason]),
    [['chain', 'orphan', 'no base chain reaches it']],
  );
  const cleared = oneChain([[accept]]);
  cleared.nftables.push({ flush: { ruleset: null } });
  assert.equal(read(cleared).programs, []);
});

test('delete element on a map: "elem": [k1, k2] is two keys (as nft reads it), not one [key, value] pair', () => {
  const doc = oneChain([[accept]], { chains: [{ name: 'a', rules: [[drop]] }] });
  const t = { family: 'ip', table: 'kube-proxy' };
  const to = (target: string) => ({ goto: { target } });
  doc.nftables.push(
    {
      add: {
        map: {
          ...t,
          name: 'm',
          type: 'inet_service',
          map: 'verdict',
          elem: [
            [80, to('a')],
            [443, to('a')],
            [8080, to('a')],
          ],
        },
      },
    },
    { delete: { element: { ...t, name: 'm', elem: [80, 443] } } },
    // both keys are gone: adding them back with another verdict is no conflict
    {
      add: {
        element: {
          ...t,
          name: 'm',
          elem: [
            [80, { jump: { target: 'a' } }],
            [443, { jump: { target: 'a' } }],
          ],
        },
      },
    },
    { add: { rule: { ...t, chain: 'base', expr: [{ vmap: { key: payload('tcp', 'dport'), data: '@m' } }] } } },
  );
  assert.equal(read(doc).diagnostics, []);
});

test('scope: other tables are listed as ignored, the inet and ip6 ones in every program', () => {
  const doc = oneChain([[accept]]);
  doc.nftables.push(
    { add: { table: { family: 'inet', name: 'firewalld' } } },
    { add: { chain: { family: 'inet', table: 'firewalld', name: 'x', type: 'filter', hook: 'input', prio: 10 } } },
    {
      add: {
        rule: { family: 'inet', table: 'firewalld', chain: 'x', expr: [{ xt: { type: 'match', name: 'recent' } }] },
      },
    },
    { add: { table: { family: 'ip', name: 'nat' } } },
    { add: { table: { family: 'ip6', name: 'kube-proxy' } } },
    { add: { table: { family: 'ip6', name: 'nat' } } },
  );
  const r = read(doc);
  assert.equal(r.diagnostics, []);
  assert.equal(
    r.programs.map((p) => [p.family, p.ignored.map((i) => i.name)]),
    [
      ['ipv4', ['inet firewalld', 'ip nat']],
      ['ipv6', ['inet firewalld', 'ip6 nat']],
    ],
  );
});

test.run();
